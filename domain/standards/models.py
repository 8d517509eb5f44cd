"""数据元: the standard data-element pool (GB/T 19488.1), value domains, synonym lists and 清洗比对 results."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import ClusterStatus, DataType, ElementStatus, RunStatus
from .validators import validate_format_notation


class CodeSet(models.Model):
    """A value domain given by codes (GB/T 2261.1 性别, GB/T 2260 区划 …)."""

    code = models.CharField(_("代码集标识"), max_length=64, unique=True)
    name = models.CharField(_("代码集名称"), max_length=200)
    standard = models.CharField(_("依据标准"), max_length=100, blank=True)
    description = models.TextField(_("说明"), blank=True)
    # True when only part of the standard's codes is loaded (import the rest with `import_code_set`).
    partial = models.BooleanField(_("部分收录"), default=False)

    class Meta:
        verbose_name = _("代码集")
        verbose_name_plural = _("代码集")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class CodeValue(models.Model):
    code_set = models.ForeignKey(CodeSet, verbose_name=_("代码集"), on_delete=models.CASCADE, related_name="values")
    code = models.CharField(_("代码"), max_length=64)
    name = models.CharField(_("名称"), max_length=200)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级代码"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    sort = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("代码值")
        verbose_name_plural = _("代码值")
        ordering = ["code_set", "sort", "code"]
        constraints = [models.UniqueConstraint(fields=["code_set", "code"], name="codevalue_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class DataElement(models.Model):
    """One data element with the GB/T 19488.1 attributes; 名称 = 对象类词 + 特性词 + 表示词."""

    identifier = models.CharField(_("标识符"), max_length=32, unique=True)
    name_zh = models.CharField(_("中文名称"), max_length=200, db_index=True)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    pinyin = models.CharField(_("中文全拼"), max_length=600, blank=True)
    internal_identifier = models.CharField(_("内部标识符"), max_length=64, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    synonyms = models.JSONField(_("同义名称"), default=list, blank=True)
    definition = models.TextField(_("定义"), blank=True)
    object_class = models.CharField(_("对象类词"), max_length=100, blank=True)
    property_term = models.CharField(_("特性词"), max_length=100, blank=True)
    representation_term = models.CharField(_("表示词"), max_length=100, blank=True)
    data_type = models.CharField(_("数据类型"), max_length=1, choices=DataType.choices, default=DataType.CHAR)
    format = models.CharField(_("表示格式"), max_length=50, blank=True, validators=[validate_format_notation])
    code_set = models.ForeignKey(
        CodeSet, verbose_name=_("值域代码集"), null=True, blank=True, on_delete=models.PROTECT, related_name="elements"
    )
    value_domain = models.TextField(_("值域"), blank=True)
    unit = models.CharField(_("计量单位"), max_length=50, blank=True)
    relations = models.TextField(_("关系"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=ElementStatus.choices, default=ElementStatus.ORIGINAL)
    department = models.ForeignKey(
        "directory.Department",
        verbose_name=_("提交机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="data_elements",
    )
    approved_on = models.DateField(_("批准日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("数据元")
        verbose_name_plural = _("数据元")
        ordering = ["identifier"]

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.identifier})"


class DataElementVersion(models.Model):
    """A readable snapshot of every version of an element; rows are never rewritten once superseded."""

    element = models.ForeignKey(
        DataElement, verbose_name=_("数据元"), on_delete=models.CASCADE, related_name="versions"
    )
    version = models.PositiveIntegerField(_("版本"))
    status = models.CharField(_("状态"), max_length=16, choices=ElementStatus.choices)
    snapshot = models.JSONField(_("内容"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("修改时间"), auto_now=True)
    note = models.CharField(_("修改说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("数据元版本")
        verbose_name_plural = _("数据元版本")
        ordering = ["element", "-version"]
        constraints = [models.UniqueConstraint(fields=["element", "version"], name="elementversion_unique")]

    def __str__(self) -> str:
        return f"{self.element_id} v{self.version}"


class SynonymGroup(models.Model):
    """An editable synonym list the 清洗比对 engine uses: one concept, usually one data element."""

    key = models.SlugField(_("标识"), max_length=64, unique=True)
    name = models.CharField(_("标准名称"), max_length=200)
    element = models.ForeignKey(
        DataElement,
        verbose_name=_("数据元"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="synonym_groups",
    )
    terms = models.JSONField(_("同义词"), default=list, blank=True)
    # [{"term": "证件号码", "context": {"证件类型": ["身份证", …]}}]: the term counts only in that context.
    conditional_terms = models.JSONField(_("条件同义词"), default=list, blank=True)
    related = models.ManyToManyField("self", verbose_name=_("关联（不合并）"), blank=True, symmetrical=True)

    class Meta:
        verbose_name = _("同义词组")
        verbose_name_plural = _("同义词组")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name


class CleansingRun(models.Model):
    status = models.CharField(_("状态"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    sources = models.JSONField(_("字段来源"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    duration = models.FloatField(_("耗时（秒）"), null=True, blank=True)
    fields_scanned = models.PositiveIntegerField(_("扫描字段数"), default=0)
    clusters_found = models.PositiveIntegerField(_("聚类数"), default=0)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("清洗比对任务")
        verbose_name_plural = _("清洗比对任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.status}"


class Cluster(models.Model):
    run = models.ForeignKey(CleansingRun, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="clusters")
    confidence = models.FloatField(_("置信度"))
    reasons = models.JSONField(_("依据"), default=list)
    suggested_name = models.CharField(_("建议名称"), max_length=200)
    concept = models.CharField(_("同义词组"), max_length=64, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ClusterStatus.choices, default=ClusterStatus.PROPOSED, db_index=True
    )
    split_from = models.ForeignKey(
        "self", verbose_name=_("拆分自"), null=True, blank=True, on_delete=models.CASCADE, related_name="split_into"
    )
    element = models.ForeignKey(
        DataElement, verbose_name=_("数据元"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    note = models.TextField(_("意见"), blank=True)

    class Meta:
        verbose_name = _("字段聚类")
        verbose_name_plural = _("字段聚类")
        ordering = ["run", "-confidence", "id"]

    def __str__(self) -> str:
        return f"{self.suggested_name} ({self.confidence:.2f})"


class ClusterMember(models.Model):
    cluster = models.ForeignKey(Cluster, verbose_name=_("聚类"), on_delete=models.CASCADE, related_name="members")
    source = models.CharField(_("来源"), max_length=64)
    source_id = models.BigIntegerField(_("来源编号"))
    name = models.CharField(_("字段名"), max_length=200)
    data_type = models.CharField(_("数据类型"), max_length=64, blank=True)
    length = models.PositiveIntegerField(_("长度"), null=True, blank=True)
    reasons = models.JSONField(_("依据"), default=list)

    class Meta:
        verbose_name = _("聚类字段")
        verbose_name_plural = _("聚类字段")
        indexes = [models.Index(fields=["source", "source_id"], name="clustermember_field")]

    def __str__(self) -> str:
        return f"{self.name} ({self.source}#{self.source_id})"


class ClusterLink(models.Model):
    """Two clusters of one run that must stay apart but are related (户籍地址 ↔ 居住地址)."""

    run = models.ForeignKey(CleansingRun, on_delete=models.CASCADE, related_name="links")
    a = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    b = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    reason = models.JSONField(_("依据"), default=dict)

    def __str__(self) -> str:
        return f"{self.a_id} ↔ {self.b_id}"


class FieldMapping(models.Model):
    """A field (by its source and id there) mapped to a standard data element; one element per field."""

    source = models.CharField(_("来源"), max_length=64)
    source_id = models.BigIntegerField(_("来源编号"))
    element = models.ForeignKey(
        DataElement, verbose_name=_("数据元"), on_delete=models.PROTECT, related_name="mappings"
    )
    cluster = models.ForeignKey(
        Cluster, verbose_name=_("聚类"), null=True, blank=True, on_delete=models.SET_NULL, related_name="mappings"
    )
    mapped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("映射人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    mapped_at = models.DateTimeField(_("映射时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("字段映射")
        verbose_name_plural = _("字段映射")
        constraints = [models.UniqueConstraint(fields=["source", "source_id"], name="fieldmapping_unique_field")]

    def __str__(self) -> str:
        return f"{self.source}#{self.source_id} → {self.element_id}"
