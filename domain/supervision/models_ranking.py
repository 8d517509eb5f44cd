"""Published records of 督查督办: the monthly progress reports (进展报告) as files, and frozen rankings (晾晒).

Imported at the end of models.py so Django finds these models in the `supervision` app."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .periods import RankingPeriod


def monthly_report_upload_to(instance: "MonthlyReport", filename: str) -> str:
    return f"supervision/reports/{instance.office_id}/{filename}"


class MonthlyReport(models.Model):
    """The office's progress report for one month, stored once when the month is over (XLSX and PDF)."""

    office = models.ForeignKey(
        "directory.Department", verbose_name=_("督查机构"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("月份"))  # the first day of the month
    xlsx = models.FileField(_("Excel 文件"), upload_to=monthly_report_upload_to, max_length=300)
    pdf = models.FileField(_("PDF 文件"), upload_to=monthly_report_upload_to, max_length=300)
    # The report's counts, so a list of months can show them without opening the files.
    counts = models.JSONField(_("统计"), default=dict)
    generated_at = models.DateTimeField(_("生成时间"))

    class Meta:
        verbose_name = _("月度进展报告")
        verbose_name_plural = _("月度进展报告")
        ordering = ["office", "-month"]
        constraints = [models.UniqueConstraint(fields=["office", "month"], name="supervision_monthly_report_once")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.month:%Y-%m}"


class RankingSnapshot(models.Model):
    """A published ranking (晾晒) of one office's units over a month or quarter, frozen as JSON.

    `sha256` is over the canonical JSON of `rows`; the same hash, with the period and version, is written to
    the hash-chained audit trail when it is published, so changing the rows — even with the hash — shows.

    `period_label` is the label in the publisher's language at publishing time, kept as it was written;
    pages name the period with `period.label`, in the reader's language."""

    office = models.ForeignKey(
        "directory.Department", verbose_name=_("督查机构"), on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateTimeField(_("期间开始"))
    period_end = models.DateTimeField(_("期间结束"))
    period_label = models.CharField(_("期间"), max_length=40)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    rows = models.JSONField(_("排名"), default=list)
    sha256 = models.CharField(max_length=64)
    correction_reason = models.TextField(_("更正理由"), blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"))
    # Frozen by the monthly job rather than published by a person (published_by is then empty).
    frozen_by_system = models.BooleanField(_("系统自动冻结"), default=False)

    class Meta:
        verbose_name = _("晾晒排名")
        verbose_name_plural = _("晾晒排名")
        ordering = ["office", "-period_start", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "period_start", "period_end", "version"], name="supervision_ranking_version_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_label} v{self.version}"

    @property
    def period(self) -> RankingPeriod:
        return RankingPeriod(self.period_start, self.period_end)
