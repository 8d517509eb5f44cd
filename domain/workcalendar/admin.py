from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import excel, services
from .models import OfficialYear, WorkdayOverride

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class OverrideImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))
    official_year = forms.IntegerField(
        label=_("同时标记为官方安排的年份"),
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=_("文件载入的是国务院办公厅公布的全年安排时填写；该年的期限将不再是暂定的。"),
    )
    source = forms.CharField(label=_("依据"), required=False, max_length=200)


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "is_working_day", "note", "updated"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"
    search_fields = ["note"]
    change_list_template = "admin/workcalendar/workdayoverride/change_list.html"

    @admin.display(description=_("星期"))
    def weekday(self, obj: WorkdayOverride) -> str:
        return "一二三四五六日"[obj.date.weekday()]

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="workcalendar_workdayoverride_import"),
            path("import/template/", view(self.template_view), name="workcalendar_workdayoverride_template"),
            *super().get_urls(),
        ]

    # Every change announces the years it touches, so open due dates in them can be recomputed.
    def save_model(self, request: HttpRequest, obj: WorkdayOverride, form: Any, change: bool) -> None:
        years = {obj.date.year}
        if change and "date" in form.changed_data and form.initial.get("date"):
            years.add(form.initial["date"].year)
        super().save_model(request, obj, form, change)
        services.calendar_changed_on_commit(years=years, sender=WorkdayOverride)

    def delete_model(self, request: HttpRequest, obj: WorkdayOverride) -> None:
        year = obj.date.year
        super().delete_model(request, obj)
        services.calendar_changed_on_commit(years=[year], sender=WorkdayOverride)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[WorkdayOverride]) -> None:
        years = {day.year for day in queryset.values_list("date", flat=True)}
        for override in queryset:  # one by one, so the cache hears of each delete
            override.delete()
        services.calendar_changed_on_commit(years=years, sender=WorkdayOverride)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = OverrideImportForm(request.POST or None, request.FILES or None)
        errors: list[excel.RowError] = []
        if request.method == "POST" and form.is_valid():
            try:
                rows = excel.overrides_from_xlsx(form.cleaned_data["file"])
            except excel.OverrideImportError as error:
                errors = error.errors
            else:
                summary = services.overrides_import(
                    rows=rows, official_year=form.cleaned_data["official_year"], source=form.cleaned_data["source"]
                )
                counts = {"created": summary.created, "updated": summary.updated}
                years = "、".join(map(str, summary.years))
                text = gettext("已导入：新增 %(created)s 条，更新 %(updated)s 条（%(years)s 年）")
                messages.success(request, text % {**counts, "years": years})
                return redirect("admin:workcalendar_workdayoverride_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("从 Excel 导入工作日调整"),
            "form": form,
            "errors": errors,
        }
        return TemplateResponse(request, "admin/workcalendar/workdayoverride/import.html", context)

    def template_view(self, request: HttpRequest) -> HttpResponse:
        response = HttpResponse(excel.overrides_template_xlsx(), content_type=_XLSX)
        response["Content-Disposition"] = 'attachment; filename="workday-overrides-template.xlsx"'
        return response


@admin.register(OfficialYear)
class OfficialYearAdmin(admin.ModelAdmin):
    """Adding a year here marks its official arrangement as loaded (load the overrides first)."""

    list_display = ["year", "source", "loaded_at"]
    search_fields = ["source"]

    def save_model(self, request: HttpRequest, obj: OfficialYear, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.calendar_changed_on_commit(years=[obj.year], sender=OfficialYear)

    def delete_model(self, request: HttpRequest, obj: OfficialYear) -> None:
        year = obj.year
        super().delete_model(request, obj)
        services.calendar_changed_on_commit(years=[year], sender=OfficialYear)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[OfficialYear]) -> None:
        years = list(queryset.values_list("year", flat=True))
        super().delete_queryset(request, queryset)
        services.calendar_changed_on_commit(years=years, sender=OfficialYear)
