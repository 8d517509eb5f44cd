"""专家评分: one page per round, a grid of units (assessed, then 对标 benchmarks, which are scored too) × manual
scoring points; each cell holds a score (0 … the point's full score) and a comment. A plain form: saving checks
every cell and stores all or none. Each cell also posts what it showed when loaded (hidden orig-* fields), so
a save touches only the cells this expert changed; an expert's own unit is shown read-only (回避)."""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from domain.performance import services as performance_services
from domain.performance.access import may_organise, may_score_manually, own_unit_refusal
from domain.performance.choices import RoundStatus
from domain.performance.errors import PerformanceError
from domain.performance.models import AssessmentRound, IndicatorNode, ManualScore, RoundUnit
from domain.performance.rules import plain
from domain.performance.services import CellError, ManualCell, ManualScoresInvalid
from domain.performance.services.manual import OPEN_STATUSES
from processes.ports import Actor

from .access import actor_of, forbidden


@dataclass
class Cell:
    node: IndicatorNode
    score: str
    comment: str
    orig_score: str
    orig_comment: str
    error: str = ""


def _name(kind: str, unit_id: int, node_id: int) -> str:
    return f"{kind}-{unit_id}-{node_id}"


def _cells_posted(data: QueryDict, units: list[RoundUnit], points: list[IndicatorNode]) -> list[ManualCell]:
    """The cells the form sent (a cell missing from the request is left as it is)."""
    return [
        ManualCell(
            u.pk,
            n.pk,
            data.get(_name("score", u.pk, n.pk), ""),
            data.get(_name("comment", u.pk, n.pk), ""),
            data.get(_name("orig-score", u.pk, n.pk), ""),
            data.get(_name("orig-comment", u.pk, n.pk), ""),
        )
        for u in units
        for n in points
        if _name("score", u.pk, n.pk) in data
    ]


def _cell(unit: RoundUnit, node: IndicatorNode, entry: ManualScore | None, posted: Any) -> Cell:
    """What is stored; after a refused save, what was typed and what the page had shown before it."""
    score, comment = (plain(entry.score), entry.comment) if entry else ("", "")
    if posted is None or _name("score", unit.pk, node.pk) not in posted:
        return Cell(node, score, comment, score, comment)
    return Cell(
        node,
        posted.get(_name("score", unit.pk, node.pk), ""),
        posted.get(_name("comment", unit.pk, node.pk), ""),
        posted.get(_name("orig-score", unit.pk, node.pk), ""),
        posted.get(_name("orig-comment", unit.pk, node.pk), ""),
    )


def _rows(
    units: list[RoundUnit],
    points: list[IndicatorNode],
    stored: dict[tuple[int, int], ManualScore],
    posted: Any,
    actor: Actor,
) -> list[dict[str, Any]]:
    """One row per unit; `refusal` says why a row is read-only for this actor (their own unit)."""
    rows = []
    for unit in units:
        refusal = own_unit_refusal(actor, unit)
        cells = [_cell(unit, node, stored.get((unit.pk, node.pk)), None if refusal else posted) for node in points]
        rows.append({"unit": unit, "cells": cells, "refusal": refusal})
    return rows


def _mark(rows: list[dict[str, Any]], errors: list[CellError]) -> None:
    by_cell = {(e.unit_id, e.node_id): e.message for e in errors}
    for row in rows:
        for cell in row["cells"]:
            cell.error = by_cell.get((row["unit"].pk, cell.node.pk), "")


def _saved(request: HttpRequest, count: int) -> None:
    text = ngettext("已保存 %(count)s 项专家评分。", "已保存 %(count)s 项专家评分。", count) % {"count": count}
    messages.success(request, text)


@login_required
@require_http_methods(["GET", "POST"])
def manual_scores(request: HttpRequest, round_id: int) -> HttpResponse:
    assessment = get_object_or_404(AssessmentRound.objects.select_related("system"), pk=round_id)
    actor = actor_of(request)
    if not may_score_manually(actor):
        return forbidden(request, _("只有评估组织方或评审专家可以录入专家评分。"))
    points = performance_services.manual_points(system_id=assessment.system_id)
    # Benchmarks too: scoring counts a missing expert score as 0 for them as for the assessed units.
    units = list(
        RoundUnit.objects.filter(round=assessment).select_related("department").order_by("role", "department__code")
    )
    editable = assessment.status in OPEN_STATUSES
    errors: list[CellError] = []
    if request.method == "POST":
        try:
            count = performance_services.manual_scores_enter(
                round_id=assessment.pk, cells=_cells_posted(request.POST, units, points), actor=actor
            )
        except ManualScoresInvalid as exc:
            errors = exc.errors
        except PerformanceError as exc:
            messages.error(request, exc.message)
            return redirect("performance:manual_scores", round_id=assessment.pk)
        else:
            _saved(request, count)
            return redirect("performance:manual_scores", round_id=assessment.pk)
    stored = {(m.unit_id, m.node_id): m for m in ManualScore.objects.filter(unit__round=assessment)}
    rows = _rows(units, points, stored, request.POST if errors else None, actor)
    _mark(rows, errors)
    scored_at = assessment.scored_at
    context = {
        "round": assessment,
        "columns": [{"node": node, "max": plain(node.weight)} for node in points],
        "rows": rows,
        "errors": errors,
        "editable": editable,
        "may_rescore": may_organise(actor) and assessment.status == RoundStatus.SCORING,
        "changed_since_scoring": (
            scored_at is not None
            and assessment.manual_changed_at is not None
            and assessment.manual_changed_at > scored_at
        ),
        "may_organise": may_organise(actor),
        "section": "rounds",
    }
    return render(request, "webui/performance/manual.html", context, status=400 if errors else 200)
