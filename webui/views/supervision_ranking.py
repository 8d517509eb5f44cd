"""督办 → 督查晾晒: the live ranking of units (domain.supervision.ranking.ranking_for) over a month or a
quarter, for the supervision office, with its 发布 form; and the published snapshots, which everyone signed in
may read, check against the audit trail (校验) and download.

The office is the one TONGBAN["SUPERVISION_OFFICE_DEPARTMENT"] names (office_department), the same the
domain publishes for. The table is the accessible source of the chart: both come from the same rows.
Periods are named with RankingPeriod.label, in the reader's language, never the label stored when published."""

import re
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from domain.directory.models import Department
from domain.supervision.access import is_office
from domain.supervision.errors import SupervisionError
from domain.supervision.models import RankingSnapshot
from domain.supervision.ranking import (
    RankingPeriod,
    office_department,
    office_department_code,
    ranking_for,
    ranking_period,
    ranking_publish,
    ranking_snapshot_xlsx,
    ranking_snapshots,
    ranking_verify,
    rate_text,
)
from webui.views.paging import paginate
from webui.views.supervision_items_access import actor_of

PAGE_SIZE = 25
PERIOD_PATTERN = re.compile(r"^(\d{4})-(?:(\d{2})|[Qq]([1-4]))$")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ChosenPeriod:
    """The period a page shows and why the asked one was refused."""

    period: RankingPeriod
    error: str = ""


def _current_month() -> ChosenPeriod:
    today = timezone.localdate()
    return ChosenPeriod(ranking_period(today.year, month=today.month))


def period_from_text(text: str) -> ChosenPeriod:
    """`YYYY-MM` or `YYYY-Qn`; blank means the current month, anything else that too, with the reason."""
    text = text.strip()
    if not text:
        return _current_month()
    found = PERIOD_PATTERN.match(text)
    month = int(found.group(2)) if found and found.group(2) else None
    quarter = int(found.group(3)) if found and found.group(3) else None
    year = int(found.group(1)) if found else 0
    if not found or not 1970 <= year <= 9998 or (month is not None and not 1 <= month <= 12):
        error = _("无法识别期间“%(text)s”，请使用 2026-06（月份）或 2026-Q2（季度）的格式；已显示本月。")
        return ChosenPeriod(_current_month().period, error % {"text": text[:40]})
    return ChosenPeriod(ranking_period(year, month=month, quarter=quarter))


def forbidden(
    request: HttpRequest, reason: str, *, section: str, title: str, back_url: str = "", back_text: str = ""
) -> HttpResponse:
    """403 with the reason, under the 督办 tabs with `section` (the page refused) highlighted, and a link to
    what they may see instead when there is one."""
    context = {"section": section, "title": title, "reason": reason, "back_url": back_url, "back_text": back_text}
    return render(request, "webui/supervision/forbidden.html", context, status=403)


def _ranking_forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    back_url, back_text = reverse("supervision:ranking_snapshots"), _("查看已发布的晾晒排名")
    return forbidden(request, reason, section="ranking", title=_("督查晾晒"), back_url=back_url, back_text=back_text)


def office_or_refusal(request: HttpRequest, not_office: str) -> tuple[Department | None, str]:
    """The office when the user is one of its inspectors, else the reason they may not see the page
    (`not_office` names the page's rule)."""
    found = office_department()
    if found is None:
        return None, _("未找到督查机构（部门编码 %(code)s），请联系管理员配置。") % {"code": office_department_code()}
    if not is_office(actor_of(request), found.pk):
        return None, not_office
    return found, ""


def _live_refusal(request: HttpRequest) -> tuple[Department | None, str]:
    return office_or_refusal(request, _("只有督查机构的督查员可以查看实时晾晒排名；已发布的排名所有人都可以查看。"))


def display_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows as the table shows them: the rate with a percent sign, a dash where nothing was judged."""
    return [
        {
            **row,
            "rate_text": rate_text(row.get("on_time_rate")),
            "days_text": row.get("average_handling_working_days") or "—",
        }
        for row in rows
    ]


def _number(text: object) -> float | None:
    try:
        return float(str(text)) if text is not None else None
    except ValueError:
        return None


def chart_data(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A snapshot's rows are shown even when altered after publishing (校验 says so): nothing here may fail."""
    return {
        "units": [str(row.get("department_name", "")) for row in rows],
        "rates": [_number(row.get("on_time_rate")) for row in rows],
        "label": _("按时率 (%)"),
    }


def _publish_context(office_id: int, period: RankingPeriod) -> dict[str, Any]:
    published = RankingSnapshot.objects.filter(office_id=office_id, period_start=period.start, period_end=period.end)
    latest = published.order_by("-version").only("pk", "version").first()
    return {"ended": period.end <= timezone.now(), "latest_snapshot": latest}


@login_required
@require_GET
def ranking(request: HttpRequest) -> HttpResponse:
    """The live ranking of the chosen month or quarter, for the office (403 with the reason for others)."""
    found, reason = _live_refusal(request)
    if found is None:
        return _ranking_forbidden(request, reason)
    chosen = period_from_text(request.GET.get("period", ""))
    if chosen.error:
        messages.warning(request, chosen.error)
    rows = [row.as_json() for row in ranking_for(chosen.period, office_id=found.pk)]
    context = {
        "section": "ranking",
        "office": found,
        "chosen": chosen,
        "rows": display_rows(rows),
        "chart": chart_data(rows),
        **_publish_context(found.pk, chosen.period),
    }
    return render(request, "webui/supervision/ranking.html", context)


@login_required
@require_POST
def ranking_publish_view(request: HttpRequest) -> HttpResponse:
    """发布 the chosen period's ranking; the domain's refusal (not ended, already published) is shown as is."""
    found, reason = _live_refusal(request)
    if found is None:
        return _ranking_forbidden(request, reason)
    chosen = period_from_text(request.POST.get("period", ""))
    back = f"{reverse('supervision:ranking')}?period={chosen.period.value}"
    if chosen.error:
        messages.error(request, chosen.error)
        return redirect(back)
    try:
        snapshot = ranking_publish(
            period_start=chosen.period.start,
            period_end=chosen.period.end,
            actor=actor_of(request),
            office_id=found.pk,
            correction_reason=request.POST.get("correction_reason", "")[:2000],
        )
    except SupervisionError as error:
        messages.error(request, error.message)
        return redirect(back)
    text = _("已发布 %(period)s 的晾晒排名（第 %(version)s 版）。")
    messages.success(request, text % {"period": snapshot.period.label, "version": snapshot.version})
    return redirect("supervision:ranking_snapshot", snapshot_id=snapshot.pk)


@login_required
@require_GET
def snapshot_list(request: HttpRequest) -> HttpResponse:
    """The published rankings, newest period first; everyone signed in may read them."""
    context = {"section": "ranking", **paginate(ranking_snapshots(), request.GET, PAGE_SIZE)}
    return render(request, "webui/supervision/snapshot_list.html", context)


def _snapshot_page(request: HttpRequest, snapshot_id: int, verification: Any = None) -> HttpResponse:
    snapshot = get_object_or_404(RankingSnapshot.objects.select_related("office", "published_by"), pk=snapshot_id)
    context = {
        "section": "ranking",
        "snapshot": snapshot,
        "rows": display_rows(snapshot.rows),
        "chart": chart_data(snapshot.rows),
        "verification": verification,
    }
    return render(request, "webui/supervision/snapshot.html", context)


@login_required
@require_GET
def snapshot_page(request: HttpRequest, snapshot_id: int) -> HttpResponse:
    return _snapshot_page(request, snapshot_id)


@login_required
@require_POST
def snapshot_verify(request: HttpRequest, snapshot_id: int) -> HttpResponse:
    """校验: recompute the rows' hash and compare it with the stored one and the audit trail's."""
    get_object_or_404(RankingSnapshot.objects.only("pk"), pk=snapshot_id)
    return _snapshot_page(request, snapshot_id, ranking_verify(snapshot_id))


@login_required
@require_GET
def snapshot_download(request: HttpRequest, snapshot_id: int) -> HttpResponse:
    snapshot = get_object_or_404(RankingSnapshot, pk=snapshot_id)
    response = HttpResponse(ranking_snapshot_xlsx(snapshot), content_type=XLSX_TYPE)
    name = f"ranking-{snapshot.period.value}-v{snapshot.version}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
