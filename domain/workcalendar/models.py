"""Administrators' corrections to the working-day calendar."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkdayOverride(models.Model):
    """One date whose working-day status differs from `chinese-calendar` (or from the fallback rule)."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {_('工作日') if self.is_working_day else _('休息日')}"


class OfficialYear(models.Model):
    """A year whose official arrangement an administrator has loaded: its due dates are no longer provisional."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("依据"), max_length=200, blank=True, help_text=_("例如国务院办公厅通知的文号"))
    loaded_at = models.DateTimeField(_("载入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("官方放假安排年份")
        verbose_name_plural = _("官方放假安排年份")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)
