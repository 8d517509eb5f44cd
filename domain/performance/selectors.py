"""绩效通 reads: the indicator tree, a round's ranking, one unit's result, and 对标 comparison."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from .choices import NodeKind, UnitRole
from .models import AssessmentRound, IndicatorNode, RoundUnit, UnitScore


@dataclass
class TreeNode:
    id: int
    kind: str
    code: str
    name: str
    weight: Decimal
    rule: str
    depth: int
    children: list["TreeNode"] = field(default_factory=list)


def system_tree(*, system_id: int) -> list[TreeNode]:
    """The dimensions of the system, each with its indicators and their scoring points, in order."""
    by_parent: dict[int | None, list[IndicatorNode]] = {}
    for node in IndicatorNode.objects.filter(system_id=system_id).order_by("order", "pk"):
        by_parent.setdefault(node.parent_id, []).append(node)

    def build(parent: int | None, depth: int) -> list[TreeNode]:
        return [
            TreeNode(n.pk, n.kind, n.code, n.name, n.weight, n.rule, depth, build(n.pk, depth + 1))
            for n in by_parent.get(parent, [])
        ]

    return build(None, 0)


def tree_flat(tree: list[TreeNode]) -> list[TreeNode]:
    """The tree in reading order (a node, then everything below it)."""
    flat: list[TreeNode] = []
    for node in tree:
        flat.append(node)
        flat.extend(tree_flat(node.children))
    return flat


def round_ranking(*, round_id: int) -> QuerySet[UnitScore]:
    """Assessed units' results by rank (ties share a rank), department loaded."""
    return (
        UnitScore.objects.filter(round_id=round_id, unit__role=UnitRole.ASSESSED)
        .select_related("unit__department")
        .order_by("rank", "unit__department__code")
    )


@dataclass(frozen=True)
class ResultRow:
    depth: int
    kind: str
    code: str
    name: str
    value: str
    score: Decimal
    max_score: Decimal
    note: str


@dataclass(frozen=True)
class UnitResult:
    round_name: str
    period: str
    system_name: str
    unit_name: str
    unit_code: str
    is_benchmark: bool
    total: Decimal
    rank: int | None
    ranked_units: int
    rows: list[ResultRow]


def unit_result(*, round_id: int, unit_id: int) -> UnitResult:
    """One unit's scores on every node in tree order; raises UnitScore.DoesNotExist before scoring."""
    result = UnitScore.objects.select_related("unit__department", "round__system").get(
        round_id=round_id, unit_id=unit_id
    )
    assessment = result.round
    rows = [
        ResultRow(
            node.depth,
            node.kind,
            node.code,
            node.name,
            result.values.get(str(node.id), ""),
            Decimal(result.scores.get(str(node.id), "0")),
            node.weight,
            result.notes.get(str(node.id), ""),
        )
        for node in tree_flat(system_tree(system_id=assessment.system_id))
    ]
    return UnitResult(
        round_name=assessment.name,
        period=assessment.period,
        system_name=str(assessment.system),
        unit_name=result.unit.department.name,
        unit_code=result.unit.department.code,
        is_benchmark=result.unit.role == UnitRole.BENCHMARK,
        total=result.total,
        rank=result.rank,
        ranked_units=UnitScore.objects.filter(round=assessment, rank__isnull=False).count(),
        rows=rows,
    )


@dataclass(frozen=True)
class ComparisonRow:
    unit_id: int
    name: str
    is_benchmark: bool
    scores: list[Decimal]  # one per dimension, in `Comparison.dimensions` order
    total: Decimal


@dataclass(frozen=True)
class Comparison:
    """对标: a unit and the round's benchmark units, dimension by dimension (a table, a radar chart)."""

    dimensions: list[tuple[int, str, Decimal]]  # (node id, name, full score)
    rows: list[ComparisonRow]  # the unit first, then the benchmarks by code
    average: list[Decimal]  # per dimension, over all assessed units


def benchmark_comparison(*, round_id: int, unit_id: int) -> Comparison:
    assessment = AssessmentRound.objects.get(pk=round_id)
    dimensions = [
        (n.pk, n.name, n.weight)
        for n in IndicatorNode.objects.filter(system_id=assessment.system_id, kind=NodeKind.DIMENSION).order_by(
            "order", "pk"
        )
    ]
    units = RoundUnit.objects.filter(round=assessment).filter(pk=unit_id) | RoundUnit.objects.filter(
        round=assessment, role=UnitRole.BENCHMARK
    )
    results = {s.unit_id: s for s in UnitScore.objects.filter(unit__in=units).select_related("unit__department")}
    ordered = sorted(results.values(), key=lambda s: (s.unit_id != unit_id, s.unit.department.code))

    def per_dimension(score: UnitScore) -> list[Decimal]:
        return [Decimal(score.scores.get(str(pk), "0")) for pk, _name, _max in dimensions]

    rows = [
        ComparisonRow(s.unit_id, s.unit.department.name, s.unit.role == UnitRole.BENCHMARK, per_dimension(s), s.total)
        for s in ordered
    ]
    assessed = list(UnitScore.objects.filter(round=assessment, unit__role=UnitRole.ASSESSED).only("scores"))
    sums = [sum((Decimal(s.scores.get(str(pk), "0")) for s in assessed), Decimal(0)) for pk, _n, _m in dimensions]
    average = [(total / len(assessed)).quantize(Decimal("0.01")) if assessed else Decimal(0) for total in sums]
    return Comparison(dimensions, rows, average)
