"""绩效评估: indicator systems (trees with weights and scoring rules), assessment rounds, data, scores."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from domain.directory.models import Department

from .choices import FieldKind, NodeKind, RectificationStatus, RoundStatus, RuleKind, SystemStatus, UnitRole


class IndicatorSystem(models.Model):
    """A versioned indicator system (指标体系). Published versions are frozen; a change is a new version."""

    name = models.CharField(_("名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    description = models.TextField(_("说明"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=SystemStatus.choices, default=SystemStatus.DRAFT)
    copied_from = models.ForeignKey(
        "self", verbose_name=_("复制自"), null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("指标体系")
        verbose_name_plural = _("指标体系")
        ordering = ["name", "-version"]
        constraints = [models.UniqueConstraint(fields=["name", "version"], name="performance_system_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def is_frozen(self) -> bool:
        return self.status == SystemStatus.PUBLISHED


class IndicatorNode(models.Model):
    """A dimension (维度), indicator (指标) or scoring point (评分点, a leaf carrying the scoring rule).

    A node's weight is its maximum score: children's weights add up to their parent's, the
    dimensions' to 100.
    """

    system = models.ForeignKey(
        IndicatorSystem, verbose_name=_("指标体系"), on_delete=models.CASCADE, related_name="nodes"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    kind = models.CharField(_("层级"), max_length=16, choices=NodeKind.choices)
    code = models.CharField(_("编号"), max_length=32, blank=True)
    name = models.CharField(_("名称"), max_length=200)
    weight = models.DecimalField(_("权重"), max_digits=8, decimal_places=4)
    order = models.PositiveIntegerField(_("排序"), default=0)
    rule = models.CharField(_("评分方式"), max_length=16, choices=RuleKind.choices, blank=True)
    # Formula rule: the score; threshold rule: the value compared with the thresholds.
    expression = models.TextField(_("计算公式"), blank=True)
    # Threshold rule: [{"at_least": "95", "ratio": "1"}, …], checked from the highest bound down.
    thresholds = models.JSONField(_("阈值"), default=list, blank=True)
    guidance = models.TextField(_("评分说明"), blank=True)

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["system", "order", "pk"]
        indexes = [models.Index(fields=["system", "parent"])]

    def __str__(self) -> str:
        return self.name

    @property
    def max_score(self) -> Decimal:
        return self.weight


class AssessmentRound(models.Model):
    """One assessment (评估轮次) of a set of units against a published indicator system."""

    system = models.ForeignKey(
        IndicatorSystem, verbose_name=_("指标体系"), on_delete=models.PROTECT, related_name="rounds"
    )
    name = models.CharField(_("名称"), max_length=200)
    period = models.CharField(_("评估周期"), max_length=64)
    status = models.CharField(_("状态"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.COLLECTING)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    scored_at = models.DateTimeField(_("评分时间"), null=True, blank=True)
    # When an expert score was last entered, changed or withdrawn: later than scored_at means rescore.
    manual_changed_at = models.DateTimeField(_("专家评分更新时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评估轮次")
        verbose_name_plural = _("评估轮次")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name}（{self.period}）"


class DataField(models.Model):
    """A datum every unit submits in a round; `name` is the variable formulas use."""

    round = models.ForeignKey(
        AssessmentRound, verbose_name=_("评估轮次"), on_delete=models.CASCADE, related_name="fields"
    )
    name = models.CharField(_("变量名"), max_length=64)
    label = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=16, choices=FieldKind.choices, default=FieldKind.NUMBER)
    required = models.BooleanField(_("必填"), default=True)
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("采集字段")
        verbose_name_plural = _("采集字段")
        ordering = ["round", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "name"], name="performance_field_name"),
            models.UniqueConstraint(fields=["round", "label"], name="performance_field_label"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.name})"


class RoundUnit(models.Model):
    """A unit in a round: assessed, or a benchmark (对标) whose data is entered the same way but not ranked.

    `values` maps field names to canonical values (decimal strings, booleans, text); `token` is the
    slug of the unit's questionnaire link (问卷链接), which submits without login.
    """

    round = models.ForeignKey(
        AssessmentRound, verbose_name=_("评估轮次"), on_delete=models.CASCADE, related_name="units"
    )
    department = models.ForeignKey(Department, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("角色"), max_length=16, choices=UnitRole.choices, default=UnitRole.ASSESSED)
    token = models.CharField(_("问卷链接令牌"), max_length=64, unique=True)
    values = models.JSONField(_("填报数据"), default=dict, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_via = models.CharField(_("提交方式"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("评估单位")
        verbose_name_plural = _("评估单位")
        ordering = ["round", "department__code"]
        constraints = [models.UniqueConstraint(fields=["round", "department"], name="performance_round_unit")]

    def __str__(self) -> str:
        return str(self.department.name)


class ManualScore(models.Model):
    """An expert's score (专家评分) for one unit on one manual scoring point."""

    unit = models.ForeignKey(
        RoundUnit, verbose_name=_("评估单位"), on_delete=models.CASCADE, related_name="manual_scores"
    )
    node = models.ForeignKey(IndicatorNode, verbose_name=_("评分点"), on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("得分"), max_digits=12, decimal_places=4)
    comment = models.TextField(_("评分意见"), blank=True)
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("专家"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("评分时间"), auto_now=True)

    class Meta:
        verbose_name = _("专家评分")
        verbose_name_plural = _("专家评分")
        constraints = [models.UniqueConstraint(fields=["unit", "node"], name="performance_manual_score")]

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.node_id}: {self.score}"


class UnitScore(models.Model):
    """A unit's result in a round: one row per unit, node scores as JSON.

    One row per unit rather than one per node: a 300-unit × 160-node round is 300 inserts and a
    report reads one row. `scores` and `values` map node ids (as strings) to decimal strings / the
    value a scoring point was judged on; `notes` explains zero scores (missing data, no expert score).
    """

    round = models.ForeignKey(
        AssessmentRound, verbose_name=_("评估轮次"), on_delete=models.CASCADE, related_name="scores"
    )
    unit = models.OneToOneField(RoundUnit, verbose_name=_("评估单位"), on_delete=models.CASCADE, related_name="score")
    total = models.DecimalField(_("总分"), max_digits=12, decimal_places=4)
    rank = models.PositiveIntegerField(_("排名"), null=True, blank=True)
    scores = models.JSONField(_("各项得分"), default=dict)
    values = models.JSONField(_("评分依据值"), default=dict)
    notes = models.JSONField(_("说明"), default=dict)
    computed_at = models.DateTimeField(_("计算时间"), auto_now=True)

    class Meta:
        verbose_name = _("单位得分")
        verbose_name_plural = _("单位得分")
        ordering = ["round", "rank"]
        indexes = [models.Index(fields=["round", "rank"])]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.total} (#{self.rank})"


class Rectification(models.Model):
    """整改: a low score on a node, sent to supervision (督查督办) through `rectification_requested`."""

    round = models.ForeignKey(AssessmentRound, verbose_name=_("评估轮次"), on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(
        RoundUnit, verbose_name=_("评估单位"), on_delete=models.CASCADE, related_name="rectifications"
    )
    node = models.ForeignKey(IndicatorNode, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("状态"), max_length=16, choices=RectificationStatus.choices, default=RectificationStatus.REQUESTED
    )
    score = models.DecimalField(_("得分"), max_digits=12, decimal_places=4)
    max_score = models.DecimalField(_("满分"), max_digits=12, decimal_places=4)
    requirement = models.TextField(_("整改要求"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    # Filled by whoever opens the supervision item (督查事项) for it.
    supervision_ref = models.CharField(_("督查事项"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("整改")
        verbose_name_plural = _("整改")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.node_id} ({self.status})"
