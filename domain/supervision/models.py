"""督查督办: supervision items (督查事项) with their units (承办单位), milestones, attachments, progress
reports (进展报告), the issue pool (问题清单), review decisions, extensions and notices (通报)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import ItemStatus, ProblemStatus, ReportKind, Source, UnitRole, UnitStatus, Urgency

DEFAULT_REPORT_CYCLE_DAYS = 5


class SupervisionItem(models.Model):
    """One item the supervision office follows up; an item split into sub-items (`parent`) is done when
    they all are, and each sub-item runs the `supervision_task` process of its own."""

    title = models.CharField(_("事项名称"), max_length=300)
    source = models.CharField(_("来源"), max_length=32, choices=Source.choices)
    source_reference = models.CharField(_("来源文号"), max_length=200, blank=True)
    urgency = models.CharField(_("紧急程度"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    requirements = models.TextField(_("督办要求"))
    office = models.ForeignKey(
        "directory.Department", verbose_name=_("督查机构"), on_delete=models.PROTECT, related_name="+"
    )
    time_limit_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"))
    report_cycle_days = models.PositiveSmallIntegerField(_("报告周期（工作日）"), default=DEFAULT_REPORT_CYCLE_DAYS)
    # Set when the process registers the item (立项): the time limit counted on the work calendar.
    due_at = models.DateTimeField(_("办理期限"), null=True, blank=True)
    due_provisional = models.BooleanField(_("期限待定"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=ItemStatus.choices, default=ItemStatus.REGISTERED)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级事项"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("立项人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("立项时间"), auto_now_add=True)
    dispatched_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    written_off_at = models.DateTimeField(_("销号时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("督查事项")
        verbose_name_plural = _("督查事项")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "due_at"]), models.Index(fields=["source", "status"])]

    def __str__(self) -> str:
        return self.title


class SupervisionUnit(models.Model):
    """A unit (承办单位) an item is assigned to: its own status, due time (an extension moves it) and record."""

    item = models.ForeignKey(
        SupervisionItem, verbose_name=_("督查事项"), on_delete=models.CASCADE, related_name="units"
    )
    department = models.ForeignKey(
        "directory.Department", verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("承办角色"), max_length=8, choices=UnitRole.choices)
    status = models.CharField(_("状态"), max_length=16, choices=UnitStatus.choices, default=UnitStatus.ASSIGNED)
    due_at = models.DateTimeField(_("办理期限"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    contact = models.CharField(_("联系人"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    # The latest completion report; when the office accepts it, it becomes `completed_at`.
    submitted_at = models.DateTimeField(_("报送办结时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("审核通过时间"), null=True, blank=True)
    on_time = models.BooleanField(_("按期办结"), null=True, blank=True)
    handling_working_days = models.FloatField(_("办理用时（工作日）"), null=True, blank=True)
    returned_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    extended_days = models.PositiveSmallIntegerField(_("延期工作日"), default=0)

    class Meta:
        verbose_name = _("承办单位")
        verbose_name_plural = _("承办单位")
        ordering = ["item", "-role", "pk"]  # the lead unit ("lead" > "co") first
        constraints = [models.UniqueConstraint(fields=["item", "department"], name="supervision_unit_once")]
        indexes = [models.Index(fields=["department", "status"]), models.Index(fields=["due_at"])]

    def __str__(self) -> str:
        return f"{self.item_id} · {self.department_id} ({self.role})"


class Milestone(models.Model):
    """A checkpoint of the item's plan (计划节点)."""

    item = models.ForeignKey(
        SupervisionItem, verbose_name=_("督查事项"), on_delete=models.CASCADE, related_name="milestones"
    )
    name = models.CharField(_("节点名称"), max_length=200)
    due_on = models.DateField(_("计划完成日期"))
    done = models.BooleanField(_("已完成"), default=False)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("计划节点")
        verbose_name_plural = _("计划节点")
        ordering = ["item", "due_on", "pk"]

    def __str__(self) -> str:
        return self.name


def attachment_upload_to(instance: "ItemAttachment", filename: str) -> str:
    return f"supervision/{instance.item_id}/{filename}"


class ItemAttachment(models.Model):
    """A file attached to the item itself (批示件, 公文, 纪要): the platform's task attachments belong to a
    process instance, which an item in 立项 does not have yet."""

    item = models.ForeignKey(
        SupervisionItem, verbose_name=_("督查事项"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_upload_to, max_length=300)
    original_name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["item", "created_at"]

    def __str__(self) -> str:
        return self.original_name


class ProgressReport(models.Model):
    """A unit's progress report (进展) or completion report (办结报告), once per service task."""

    item = models.ForeignKey(
        SupervisionItem, verbose_name=_("督查事项"), on_delete=models.CASCADE, related_name="reports"
    )
    unit = models.ForeignKey(
        SupervisionUnit, verbose_name=_("承办单位"), on_delete=models.CASCADE, related_name="reports"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=ReportKind.choices, default=ReportKind.PROGRESS)
    text = models.TextField(_("进展情况"))
    percent = models.PositiveSmallIntegerField(_("完成比例"))
    reporter = models.CharField(_("填报人"), max_length=100, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    idempotency_key = models.CharField(max_length=200, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = _("进展报告")
        verbose_name_plural = _("进展报告")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["unit", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.percent}%"


class Problem(models.Model):
    """An entry of the issue pool (问题清单): raised in a progress report, owned by someone, open or resolved."""

    item = models.ForeignKey(
        SupervisionItem, verbose_name=_("督查事项"), on_delete=models.CASCADE, related_name="problems"
    )
    unit = models.ForeignKey(
        SupervisionUnit, verbose_name=_("提出单位"), on_delete=models.CASCADE, related_name="problems"
    )
    report = models.ForeignKey(
        ProgressReport,
        verbose_name=_("来源报告"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    description = models.TextField(_("问题描述"))
    owner = models.CharField(_("责任人"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=ProblemStatus.choices, default=ProblemStatus.OPEN)
    raised_at = models.DateTimeField(_("提出时间"))
    resolution = models.TextField(_("解决情况"), blank=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题清单")
        ordering = ["-raised_at", "-pk"]
        indexes = [models.Index(fields=["status", "raised_at"])]

    def __str__(self) -> str:
        return self.description[:50]


class ReviewRecord(models.Model):
    """The supervision office's decision on a unit's completion report (审核)."""

    unit = models.ForeignKey(
        SupervisionUnit, verbose_name=_("承办单位"), on_delete=models.CASCADE, related_name="reviews"
    )
    approved = models.BooleanField(_("办理到位"))
    opinion = models.TextField(_("审核意见"), blank=True)
    decided_at = models.DateTimeField(_("审核时间"))
    idempotency_key = models.CharField(max_length=200, unique=True)

    class Meta:
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")
        ordering = ["unit", "decided_at", "pk"]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.approved}"


class UnitExtension(models.Model):
    """An approved 延期申请 on a unit's 办理 task (processes.ExtensionRequest), as it moved the unit's due time."""

    unit = models.ForeignKey(
        SupervisionUnit, verbose_name=_("承办单位"), on_delete=models.CASCADE, related_name="extensions"
    )
    request_id = models.PositiveBigIntegerField(_("延期申请"), unique=True)
    working_days = models.PositiveSmallIntegerField(_("延期工作日"))
    reason = models.TextField(_("延期理由"), blank=True)
    previous_due_at = models.DateTimeField(_("原期限"), null=True, blank=True)
    due_at = models.DateTimeField(_("新期限"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("延期记录")
        verbose_name_plural = _("延期记录")
        ordering = ["unit", "created_at"]

    def __str__(self) -> str:
        return f"{self.unit_id} +{self.working_days}"


class Notice(models.Model):
    """通报: what the office announces when an item is done (who finished on time, who late, returns)."""

    item = models.ForeignKey(
        SupervisionItem, verbose_name=_("督查事项"), on_delete=models.CASCADE, related_name="notices"
    )
    title = models.CharField(_("标题"), max_length=300)
    body = models.TextField(_("通报内容"))
    # Per unit: {"department": name, "role", "on_time", "returned", "extended_days", "handling_working_days"}.
    summary = models.JSONField(_("通报摘要"), default=list)
    published_at = models.DateTimeField(_("通报时间"))
    idempotency_key = models.CharField(max_length=200, unique=True)

    class Meta:
        verbose_name = _("通报")
        verbose_name_plural = _("通报")
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.title


from .models_ranking import MonthlyReport, RankingSnapshot  # noqa: E402, F401  (records: reports, 晾晒)
