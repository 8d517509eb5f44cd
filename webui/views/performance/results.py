"""Scores: the ranking (total, rank, a bar chart), a unit's result on every node with 开启整改 on low
scores, 对标 (side-by-side table and radar chart) and the unit's report as XLSX or PDF."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from domain.performance import services as performance_services
from domain.performance.access import may_organise, may_see_result
from domain.performance.choices import UnitRole
from domain.performance.errors import PerformanceError
from domain.performance.models import AssessmentRound, IndicatorNode, RoundUnit, UnitScore
from domain.performance.reports import unit_report_pdf, unit_report_xlsx
from domain.performance.selectors import benchmark_comparison, round_ranking, system_tree, tree_flat
from domain.performance.services.rectification import rectification_below, under_line
from domain.supervision.errors import SupervisionError
from domain.supervision.rectification import rectification_refusal
from processes.ports import Actor

from .access import actor_of, forbidden
from .forms import RectifyForm

RANKING_SIZE = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_GET
def ranking(request: HttpRequest, round_id: int) -> HttpResponse:
    assessment = get_object_or_404(AssessmentRound.objects.select_related("system"), pk=round_id)
    if not may_organise(actor_of(request)):
        return forbidden(request)
    rows = list(round_ranking(round_id=assessment.pk)[:RANKING_SIZE])
    chart = {
        "names": [row.unit.department.name for row in rows],
        "totals": [float(row.total) for row in rows],
        "label": _("总分"),
    }
    context = {"round": assessment, "rows": rows, "chart": chart, "section": "rounds"}
    return render(request, "webui/performance/ranking.html", context)


def _unit(round_id: int, unit_id: int) -> RoundUnit:
    return get_object_or_404(RoundUnit.objects.select_related("department", "round"), pk=unit_id, round_id=round_id)


def rectify_refusal(actor: Actor, unit: RoundUnit) -> str:
    """Why 开启整改 would be refused for this actor and unit ("" when it can succeed): performance wants an
    organiser, supervision (which registers the 督查事项 in the asker's name) a 督查员 of its office."""
    refusal = rectification_refusal(actor, benchmark=unit.role == UnitRole.BENCHMARK)
    if not refusal and not may_organise(actor):
        return _("只有评估组织方可以进行此操作。")
    return refusal


def _result_rows(score: UnitScore, system_id: int) -> list[dict[str, Any]]:
    """Every node in tree order with its score, data and note; `low` under the rectification line."""
    below = rectification_below()
    rows = []
    for node in tree_flat(system_tree(system_id=system_id)):
        value = score.scores.get(str(node.id), "0")
        rows.append(
            {
                "node": node,
                "score": value,
                "value": score.values.get(str(node.id), ""),
                "note": score.notes.get(str(node.id), ""),
                "low": under_line(Decimal(value), node.weight, below),
            }
        )
    return rows


@login_required
@require_GET
def unit_result_page(request: HttpRequest, round_id: int, unit_id: int) -> HttpResponse:
    """The unit's scores per node in tree order; a node under the rectification line offers 开启整改."""
    unit = _unit(round_id, unit_id)
    actor = actor_of(request)
    if not may_see_result(actor, unit):
        return forbidden(request)
    score = UnitScore.objects.filter(unit=unit).first()
    refusal = rectify_refusal(actor, unit)
    rows = _result_rows(score, unit.round.system_id) if score else []
    context = {
        "round": unit.round,
        "unit": unit,
        "score": score,
        "rows": rows,
        # Said to the organiser where a node is low; the unit's own people are not the ones to ask.
        "rectify_refusal": refusal if may_organise(actor) and any(row["low"] for row in rows) else "",
        "may_rectify": may_organise(actor) and not refusal,
        "section": "rounds",
    }
    return render(request, "webui/performance/result.html", context)


@login_required
@require_POST
def rectify(request: HttpRequest, round_id: int, unit_id: int) -> HttpResponse:
    """开启整改 on one node: the service refuses a node above the line or one already in rectification."""
    unit = _unit(round_id, unit_id)
    actor = actor_of(request)
    if not may_organise(actor):
        return forbidden(request)
    form = RectifyForm(request.POST)
    if not form.is_valid() or not IndicatorNode.objects.filter(pk=form.cleaned_data["node"]).exists():
        messages.error(request, _("请选择指标。"))
    else:
        try:
            performance_services.rectification_open(
                round_id=unit.round_id,
                unit_id=unit.pk,
                node_id=form.cleaned_data["node"],
                actor=actor,
                note=form.cleaned_data["note"],
            )
        except (PerformanceError, SupervisionError) as exc:  # refused here, or by the supervision receiver
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已开启整改。"))
    return redirect("performance:result", round_id=unit.round_id, unit_id=unit.pk)


@login_required
@require_GET
def compare(request: HttpRequest, round_id: int, unit_id: int) -> HttpResponse:
    unit = _unit(round_id, unit_id)
    if not may_see_result(actor_of(request), unit):
        return forbidden(request)
    comparison = benchmark_comparison(round_id=unit.round_id, unit_id=unit.pk)
    chart = {
        "indicators": [{"name": name, "max": float(maximum)} for _pk, name, maximum in comparison.dimensions],
        "series": [{"name": row.name, "value": [float(v) for v in row.scores]} for row in comparison.rows]
        + [{"name": _("平均"), "value": [float(v) for v in comparison.average]}],
    }
    context = {"round": unit.round, "unit": unit, "comparison": comparison, "chart": chart, "section": "rounds"}
    return render(request, "webui/performance/compare.html", context)


def _report(request: HttpRequest, round_id: int, unit_id: int, kind: str) -> HttpResponse:
    unit = _unit(round_id, unit_id)
    if not may_see_result(actor_of(request), unit):
        return forbidden(request)
    if not UnitScore.objects.filter(unit=unit).exists():
        messages.error(request, _("该单位本轮尚未评分"))
        return redirect("performance:round", round_id=unit.round_id)
    if kind == "pdf":
        response = HttpResponse(
            unit_report_pdf(round_id=unit.round_id, unit_id=unit.pk), content_type="application/pdf"
        )
    else:
        response = HttpResponse(unit_report_xlsx(round_id=unit.round_id, unit_id=unit.pk), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="report-{unit.round_id}-{unit.department.code}.{kind}"'
    return response


@login_required
@require_GET
def report_xlsx(request: HttpRequest, round_id: int, unit_id: int) -> HttpResponse:
    return _report(request, round_id, unit_id, "xlsx")


@login_required
@require_GET
def report_pdf(request: HttpRequest, round_id: int, unit_id: int) -> HttpResponse:
    return _report(request, round_id, unit_id, "pdf")
