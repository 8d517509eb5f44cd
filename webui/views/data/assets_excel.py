"""数据资产 普查 Excel: download the template, export a department's registry, import a filled workbook.

An import goes into one department the user works in (a choice when they work in several; staff choose any
department). The domain checks the whole workbook first: on any bad row the page lists the problems (sheet,
row, column, reason; the first 500, then how many more) and nothing is imported; on success it says how
many of each it created or updated.
"""

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from domain.assets.excel import AssetImportError, ImportSummary, assets_import_xlsx, assets_template_xlsx
from domain.assets.models import InformationSystem
from domain.directory.models import Department
from webui.views.paging import int_or_none

from .assets_access import actor_of, departments_for_editing, forbidden, may_edit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
KINDS = {
    "informationsystem": gettext_lazy("信息系统"),
    "database": gettext_lazy("数据库"),
    "datatable": gettext_lazy("数据表"),
    "column": gettext_lazy("字段"),
}


class ImportForm(forms.Form):
    department = forms.TypedChoiceField(label=gettext_lazy("导入到部门"), coerce=int)
    file = forms.FileField(label=gettext_lazy("普查 Excel 文件（.xlsx）"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件不能超过 20 MB"))
        return upload


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def assets_template(request: HttpRequest) -> HttpResponse:
    """下载普查模板: the empty workbook with drop-downs and a note on every header."""
    return _xlsx(assets_template_xlsx(), "assets-template.xlsx")


@login_required
@require_GET
def assets_export(request: HttpRequest) -> HttpResponse:
    """导出本部门资产: the department's registry in the template's layout (it imports back unchanged)."""
    actor = actor_of(request)
    department_id = int_or_none(request.GET.get("department"))
    if department_id is None:
        own = list(departments_for_editing(actor).values_list("pk", flat=True)[:2])
        department_id = own[0] if len(own) == 1 else None
    if department_id is None:
        messages.error(request, _("请先选择要导出的部门"))
        return redirect("data:assets")
    if not may_edit(actor, department_id):
        return forbidden(request, department_id)
    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        return redirect("data:assets")
    code = re.sub(r"[^A-Za-z0-9_.-]", "_", department.code)  # a header carries Latin-1 only
    return _xlsx(assets_template_xlsx(department_id=department_id), f"assets-{code}.xlsx")


def _summary(summary: ImportSummary) -> list[dict[str, Any]]:
    return [
        {"kind": label, "created": summary.created.get(key, 0), "updated": summary.updated.get(key, 0)}
        for key, label in KINDS.items()
    ]


@login_required
@require_http_methods(["GET", "POST"])
def assets_import(request: HttpRequest) -> HttpResponse:
    """导入: upload a filled 普查 workbook into one of the user's departments; all rows or none."""
    departments = list(departments_for_editing(actor_of(request)).values_list("pk", "name"))
    if not departments:
        return forbidden(request)
    form = ImportForm(request.POST if request.method == "POST" else None, request.FILES or None)
    form.fields["department"].choices = departments  # type: ignore[attr-defined]
    context: dict[str, Any] = {"section": "assets", "form": form, "single": len(departments) == 1}
    status = 200
    if request.method == "POST" and form.is_valid():
        department_id = form.cleaned_data["department"]
        try:
            summary = assets_import_xlsx(file=form.cleaned_data["file"], department_id=department_id)
        except AssetImportError as error:
            context.update(report=error.errors, report_total=error.total, report_more=error.more)
            status = 400
        else:
            context["summary"] = _summary(summary)
            context["imported_to"] = dict(departments)[department_id]
            context["imported_url"] = f"{reverse('data:assets')}?department={department_id}"
    elif request.method == "POST":
        status = 400
    context["has_assets"] = InformationSystem.objects.filter(department_id__in=dict(departments)).exists()
    return render(request, "webui/data/assets/import.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("assets/excel/template/", assets_template, name="assets_template"),
    path("assets/excel/export/", assets_export, name="assets_export"),
    path("assets/excel/import/", assets_import, name="assets_import"),
]
