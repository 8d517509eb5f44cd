"""资源目录: classification tree, catalog entries with their 信息项, codes, versions, changes, share requests."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .choices import (
    ChangeKind,
    ChangeStatus,
    DataType,
    EntryStatus,
    FormatCategory,
    OpenType,
    ShareMethod,
    ShareStatus,
    ShareType,
    UpdateCycle,
)

SEQUENCE_DIGITS = 6


class ClassificationNode(models.Model):
    """One node of 类 (1 digit) → 项 (2) → 目 (3) → 细目 (any); `full_code` concatenates the segments."""

    LEVELS = {1: _("类"), 2: _("项"), 3: _("目"), 4: _("细目")}

    parent = models.ForeignKey(
        "self", verbose_name=_("上级分类"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.PositiveSmallIntegerField(_("层级"))
    code = models.CharField(_("分类段代码"), max_length=16)
    full_code = models.CharField(_("分类代码"), max_length=64, unique=True)
    name = models.CharField(_("分类名称"), max_length=200)
    # A 部门 项 stands for one department (created on demand).
    department = models.OneToOneField(
        "directory.Department",
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="catalog_classification",
    )

    class Meta:
        verbose_name = _("信息资源分类")
        verbose_name_plural = _("信息资源分类")
        ordering = ["full_code"]
        constraints = [models.UniqueConstraint(fields=["parent", "code"], name="catalog_class_code_unique")]

    def __str__(self) -> str:
        return f"{self.full_code} {self.name}"


class CatalogEntry(models.Model):
    """信息资源: the GB/T 21063 metadata of one resource (DOMAIN.md order)."""

    classification = models.ForeignKey(
        ClassificationNode, verbose_name=_("信息资源分类"), on_delete=models.PROTECT, related_name="entries"
    )
    name = models.CharField(_("信息资源名称"), max_length=200)
    code = models.CharField(_("信息资源代码"), max_length=80, unique=True, null=True, blank=True)
    sequence = models.PositiveIntegerField(_("顺序码"), null=True, blank=True)
    provider = models.ForeignKey(
        "directory.Department",
        verbose_name=_("信息资源提供方"),
        on_delete=models.PROTECT,
        related_name="catalog_entries",
    )
    provider_code = models.CharField(_("提供方代码"), max_length=64)
    summary = models.TextField(_("信息资源摘要"))
    format_category = models.PositiveSmallIntegerField(_("信息资源格式分类"), choices=FormatCategory.choices)
    format_type = models.CharField(_("信息资源格式类型"), max_length=40, blank=True)
    share_type = models.PositiveSmallIntegerField(_("共享类型"), choices=ShareType.choices)
    share_condition = models.TextField(_("共享条件"), blank=True)
    no_share_basis = models.TextField(_("不予共享依据"), blank=True)
    share_method = models.CharField(_("共享方式"), max_length=40, choices=ShareMethod.choices, blank=True)
    open_type = models.CharField(_("开放属性"), max_length=20, choices=OpenType.choices)
    open_condition = models.TextField(_("开放条件"), blank=True)
    update_cycle = models.CharField(_("更新周期"), max_length=20, choices=UpdateCycle.choices)
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    related_codes = models.JSONField(_("关联资源代码"), default=list, blank=True)
    secrecy = models.CharField(_("涉密属性"), max_length=40, blank=True)
    hierarchy = models.CharField(_("层级属性"), max_length=40, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=EntryStatus.choices, default=EntryStatus.DRAFT)
    version = models.PositiveIntegerField(_("版本"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("编目人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("目录条目")
        verbose_name_plural = _("目录条目")
        ordering = ["classification__full_code", "sequence", "pk"]
        indexes = [models.Index(fields=["status", "provider"], name="catalog_entry_status_prov")]

    def __str__(self) -> str:
        return f"{self.code or _('（未发布）')} {self.name}"

    def get_absolute_url(self) -> str:
        """The entry's page (a case page links its subject here)."""
        return reverse("data:catalog_entry", args=[self.pk])


class InfoItem(models.Model):
    """信息项: one data item of a tabular resource."""

    entry = models.ForeignKey(CatalogEntry, verbose_name=_("目录条目"), on_delete=models.CASCADE, related_name="items")
    order = models.PositiveIntegerField(_("序号"))
    name = models.CharField(_("信息项名称"), max_length=200)
    data_type = models.CharField(_("数据类型"), max_length=1, choices=DataType.choices)
    length = models.PositiveIntegerField(_("数据长度"), null=True, blank=True)
    # Each item should map to a standard data element and, where known, to the physical column.
    data_element = models.ForeignKey(
        "standards.DataElement",
        verbose_name=_("数据元"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="catalog_items",
    )
    column = models.ForeignKey(
        "assets.Column",
        verbose_name=_("字段"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="catalog_items",
    )

    class Meta:
        verbose_name = _("信息项")
        verbose_name_plural = _("信息项")
        ordering = ["entry", "order"]
        constraints = [models.UniqueConstraint(fields=["entry", "order"], name="catalog_item_order_unique")]

    def __str__(self) -> str:
        return self.name


class CodeCounter(models.Model):
    """The last sequence number handed out under one classification; locked by each publish."""

    classification = models.OneToOneField(
        ClassificationNode, primary_key=True, on_delete=models.PROTECT, related_name="counter"
    )
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("顺序码计数器")
        verbose_name_plural = _("顺序码计数器")

    def __str__(self) -> str:
        return f"{self.classification_id}: {self.last}"


class CatalogChange(models.Model):
    """A proposed 变更 or 下线 of a published entry, under review while the entry stays published."""

    entry = models.ForeignKey(
        CatalogEntry, verbose_name=_("目录条目"), on_delete=models.CASCADE, related_name="changes"
    )
    kind = models.CharField(_("变更类型"), max_length=4, choices=ChangeKind.choices)
    # The proposed metadata and 信息项 (EntryFields as JSON) for 变更; empty for 下线.
    proposed = models.JSONField(_("变更内容"), default=dict, blank=True)
    reason = models.TextField(_("变更原因"))
    status = models.CharField(_("状态"), max_length=20, choices=ChangeStatus.choices, default=ChangeStatus.IN_REVIEW)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    # Probe schema changes (assets.SchemaChange ids) that touched the entry while this change was open; they
    # are followed up once it is applied or withdrawn, so a busy entry loses none of them.
    followups = models.JSONField(_("待跟进的结构变化"), default=list, blank=True)

    class Meta:
        verbose_name = _("目录变更")
        verbose_name_plural = _("目录变更")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.entry_id}"

    def get_absolute_url(self) -> str:
        """A change has no page of its own: its entry's page shows what it proposes."""
        return reverse("data:catalog_entry", args=[self.entry_id])


class CatalogEntryVersion(models.Model):
    """A snapshot of an entry (metadata and 信息项) as it became effective: the readable history."""

    entry = models.ForeignKey(
        CatalogEntry, verbose_name=_("目录条目"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("版本号"))
    change_kind = models.CharField(_("变更类型"), max_length=4, choices=ChangeKind.choices)
    snapshot = models.JSONField(_("快照"))
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("生效时间"), auto_now_add=True)
    # The service task that made it, so a redelivered job finds its work done.
    idempotency_key = models.CharField(max_length=200, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = _("目录版本")
        verbose_name_plural = _("目录版本")
        ordering = ["entry", "number"]
        constraints = [models.UniqueConstraint(fields=["entry", "number"], name="catalog_version_unique")]

    def __str__(self) -> str:
        return f"#{self.entry_id} v{self.number} {self.change_kind}"


class ReviewReturn(models.Model):
    """A review gate sent the entry (or its change) back to the drafter with an opinion."""

    entry = models.ForeignKey(
        CatalogEntry, verbose_name=_("目录条目"), on_delete=models.CASCADE, related_name="returns"
    )
    change = models.ForeignKey(CatalogChange, null=True, blank=True, on_delete=models.CASCADE, related_name="returns")
    stage = models.CharField(_("退回环节"), max_length=40)
    opinion = models.TextField(_("退回意见"))
    created_at = models.DateTimeField(_("退回时间"), auto_now_add=True)
    # Set when the drafter answered (resubmitted or withdrew) or the case was cancelled: an open return
    # means the case still waits at 修改后重新提交.
    closed_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)

    class Meta:
        verbose_name = _("退回记录")
        verbose_name_plural = _("退回记录")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.stage}: {self.opinion[:30]}"


class ShareRequest(models.Model):
    """共享申请: a department asks for a published resource."""

    entry = models.ForeignKey(
        CatalogEntry, verbose_name=_("目录条目"), on_delete=models.PROTECT, related_name="share_requests"
    )
    applicant_department = models.ForeignKey(
        "directory.Department", verbose_name=_("申请部门"), on_delete=models.PROTECT, related_name="share_requests"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    purpose = models.TextField(_("申请用途"))
    scenario = models.TextField(_("应用场景"))
    fields = models.JSONField(_("申请信息项"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=ShareStatus.choices, default=ShareStatus.PENDING)
    decision_reason = models.TextField(_("答复理由"), blank=True)
    decided_stage = models.CharField(_("答复环节"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("共享申请")
        verbose_name_plural = _("共享申请")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "applicant_department"], name="catalog_share_status_dept")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.applicant_department_id} → {self.entry_id}"

    def get_absolute_url(self) -> str:
        """The share requests page, where the request is listed with its state."""
        return reverse("data:shares")


class ShareEvent(models.Model):
    """What happened to a share request, once per service task (idempotency key)."""

    request = models.ForeignKey(ShareRequest, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("状态"), max_length=20, choices=ShareStatus.choices)
    stage = models.CharField(_("环节"), max_length=40)
    reason = models.TextField(_("理由"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(max_length=200, unique=True)

    class Meta:
        verbose_name = _("共享申请记录")
        verbose_name_plural = _("共享申请记录")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.stage} {self.status}"
