"""督办 → 进展报告: the supervision office's progress report (domain.supervision.reports) made on demand for a
month, or for the month under way up to now, shown as a page and downloaded as XLSX or PDF; and the monthly
reports stored when each month ended (MonthlyReport), as files.

Only the office (of TONGBAN["SUPERVISION_OFFICE_DEPARTMENT"]) and superusers see them: the report names every
unit's overdue items, which is the office's business until a ranking is published."""

import re
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from domain.directory.models import Department
from domain.supervision.access import is_office
from domain.supervision.models import MonthlyReport
from domain.supervision.reports import (
    progress_report,
    progress_report_pdf,
    progress_report_xlsx,
    report_charts,
    report_summary,
)
from webui.views.paging import paginate
from webui.views.supervision_items_access import actor_of
from webui.views.supervision_ranking import XLSX_TYPE, forbidden, office_or_refusal

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
NOW = "now"
PAGE_SIZE = 24
CONTENT_TYPES = {"xlsx": XLSX_TYPE, "pdf": "application/pdf"}


def month_from_text(text: str) -> tuple[date | None, str]:
    """`YYYY-MM` → its first day; blank or "now" → None (the month under way); else None with the reason."""
    text = text.strip()
    if text in ("", NOW):
        return None, ""
    found = MONTH_PATTERN.match(text)
    if found and 1970 <= int(found.group(1)) <= 9998 and 1 <= int(found.group(2)) <= 12:
        return date(int(found.group(1)), int(found.group(2)), 1), ""
    error = _("无法识别月份“%(text)s”，请使用 2026-06 的格式；已显示本月至今。")
    return None, error % {"text": text[:40]}


def _office_or_reason(request: HttpRequest) -> tuple[Department | None, str]:
    return office_or_refusal(request, _("只有督查机构的督查员可以查看进展报告。"))


def _forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    return forbidden(request, reason, section="reports", title=_("进展报告"))


@login_required
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    """The report of the chosen month (default: this month up to now) and the stored monthly reports."""
    found, reason = _office_or_reason(request)
    if found is None:
        return _forbidden(request, reason)
    month, error = month_from_text(request.GET.get("month", ""))
    if error:
        messages.warning(request, error)
    data = progress_report(office_id=found.pk, month=month)
    stored = MonthlyReport.objects.filter(office=found).order_by("-month")
    context = {
        "section": "reports",
        "data": data,
        "summary": report_summary(data),
        **report_charts(data),
        "month_value": f"{month:%Y-%m}" if month else NOW,
        "shown_month": f"{data.month:%Y-%m}",
        **paginate(stored, request.GET, PAGE_SIZE),
    }
    return render(request, "webui/supervision/reports.html", context)


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def report_download(request: HttpRequest) -> HttpResponse:
    """?month=YYYY-MM (or now) &format=xlsx|pdf: the report made now, named after its month."""
    found, reason = _office_or_reason(request)
    if found is None:
        return _forbidden(request, reason)
    kind = request.GET.get("format", "")
    month, error = month_from_text(request.GET.get("month", ""))
    if kind not in CONTENT_TYPES:
        error = _("请选择下载格式：xlsx 或 pdf。")
    if error:
        return HttpResponseBadRequest(error, content_type="text/plain; charset=utf-8")
    data = progress_report(office_id=found.pk, month=month)
    content = progress_report_xlsx(data) if kind == "xlsx" else progress_report_pdf(data)
    response = HttpResponse(content, content_type=CONTENT_TYPES[kind])
    return _attachment(response, f"progress-{data.month:%Y-%m}.{kind}")


@login_required
@require_GET
def stored_report_download(request: HttpRequest, report_id: int, kind: str) -> HttpResponse | FileResponse:
    """A stored monthly report's XLSX or PDF, as it was made when the month ended."""
    report = get_object_or_404(MonthlyReport, pk=report_id)
    if not is_office(actor_of(request), report.office_id):
        return _forbidden(request, _("只有督查机构的督查员可以查看进展报告。"))
    file = report.xlsx if kind == "xlsx" else report.pdf
    try:
        opened = file.open("rb")
    except FileNotFoundError:
        raise Http404(_("报告文件不存在。")) from None
    return FileResponse(
        opened,
        as_attachment=True,
        filename=f"progress-{report.month:%Y-%m}.{kind}",
        content_type=CONTENT_TYPES[kind],
    )
