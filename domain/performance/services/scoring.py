"""Automatic scoring (自动评分): every unit's scoring points, node totals, total and rank (expert scores
are entered in manual.py and read here)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from processes.ports import Actor

from ..access import ensure_organiser
from ..choices import NodeKind, RoundStatus, RuleKind, UnitRole
from ..errors import NodeProblem, RoundFieldsMissing
from ..models import AssessmentRound, DataField, IndicatorNode, ManualScore, RoundUnit, UnitScore
from ..rules import LeafRule, batch_source, leaf_rule, leaf_scores, manual_result
from ..values import typed_context
from .rounds import round_for_update

_DEPTH = {NodeKind.DIMENSION: 0, NodeKind.INDICATOR: 1, NodeKind.POINT: 2}


@dataclass
class _Plan:
    """The system prepared once per round: leaf rules, and inner nodes deepest first for summing."""

    computed: list[LeafRule]  # formula and threshold points
    batch: str  # all of them as one expression (rules.batch_source)
    manual: list[int]  # manual points' node ids
    inner: list[tuple[int, list[int]]]  # (node id, child ids), children before parents
    top: list[int]
    kinds: dict[str, str]  # field name → kind
    labels: dict[str, str]  # field name → label


def _plan(assessment: AssessmentRound) -> _Plan:
    nodes = list(IndicatorNode.objects.filter(system_id=assessment.system_id).order_by("order", "pk"))
    fields = list(DataField.objects.filter(round=assessment))
    kinds = {f.name: f.kind for f in fields}
    children: dict[int | None, list[int]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node.pk)
    rules, missing = [], []
    for node in nodes:
        if node.kind != NodeKind.POINT:
            continue
        rule = leaf_rule(
            node_id=node.pk, kind=node.rule, weight=node.weight, expression=node.expression, thresholds=node.thresholds
        )
        unknown = sorted(set(rule.fields) - set(kinds))
        if unknown:
            missing.append(NodeProblem(node.pk, node.name, _("未采集：%(names)s") % {"names": "、".join(unknown)}))
        rules.append(rule)
    if missing:
        raise RoundFieldsMissing(missing)
    inner = sorted((n for n in nodes if n.kind != NodeKind.POINT), key=lambda n: -_DEPTH[NodeKind(n.kind)])
    computed = [rule for rule in rules if rule.kind != RuleKind.MANUAL]
    return _Plan(
        computed,
        batch_source(computed),
        [rule.node_id for rule in rules if rule.kind == RuleKind.MANUAL],
        [(n.pk, children.get(n.pk, [])) for n in inner],
        children.get(None, []),
        kinds,
        {f.name: f.label for f in fields},
    )


def _unit_score(plan: _Plan, unit: RoundUnit, manual: dict[int, tuple[Decimal, str]]) -> UnitScore:
    context = typed_context(plan.kinds, unit.values)
    scores: dict[int, Decimal] = {}
    values: dict[str, str] = {}
    notes: dict[str, str] = {}
    results = zip(plan.computed, leaf_scores(plan.computed, plan.batch, context, plan.labels), strict=True)
    pairs = [(rule.node_id, result) for rule, result in results]
    for node_id in plan.manual:
        entered = manual.get(node_id)
        pairs.append((node_id, manual_result(entered[0] if entered else None, entered[1] if entered else "")))
    for node_id, result in pairs:
        scores[node_id] = result.score
        if result.value:
            values[str(node_id)] = result.value
        if result.note:
            notes[str(node_id)] = result.note
    for node_id, child_ids in plan.inner:
        scores[node_id] = sum((scores[c] for c in child_ids), Decimal(0))
    total = sum((scores[d] for d in plan.top), Decimal(0))
    return UnitScore(
        round_id=unit.round_id,
        unit=unit,
        total=total,
        scores={str(k): str(v) for k, v in scores.items()},
        values=values,
        notes=notes,
    )


def ranks_of(totals: list[Decimal]) -> list[int]:
    """Competition ranks (1, 2, 2, 4) of `totals`, in the given order."""
    ordered = sorted(totals, reverse=True)
    first_place: dict[Decimal, int] = {}
    for place, total in enumerate(ordered, start=1):
        first_place.setdefault(total, place)
    return [first_place[total] for total in totals]


@transaction.atomic
def round_score(*, round_id: int, actor: Actor) -> list[UnitScore]:
    """Score every unit of the round (benchmarks too, unranked); replaces any previous scores.

    Missing data and missing expert scores count 0, each with a note saying why. The organiser only.
    """
    ensure_organiser(actor)
    assessment = round_for_update(round_id, RoundStatus.SCORING)
    plan = _plan(assessment)
    manual: dict[int, dict[int, tuple[Decimal, str]]] = {}
    for unit_id, node_id, score, comment in ManualScore.objects.filter(unit__round=assessment).values_list(
        "unit_id", "node_id", "score", "comment"
    ):
        manual.setdefault(unit_id, {})[node_id] = (score, comment)
    units = list(RoundUnit.objects.filter(round=assessment).only("pk", "round_id", "role", "values"))
    results = [_unit_score(plan, unit, manual.get(unit.pk, {})) for unit in units]
    assessed = [r for r in results if r.unit.role == UnitRole.ASSESSED]
    for result, rank in zip(assessed, ranks_of([r.total for r in assessed]), strict=True):
        result.rank = rank
    UnitScore.objects.filter(round=assessment).delete()
    UnitScore.objects.bulk_create(results, batch_size=500)
    assessment.scored_at = timezone.now()
    assessment.save(update_fields=["scored_at"])
    return results
