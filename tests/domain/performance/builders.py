"""The hand-computed assessment used across 绩效通 tests.

System “数据共享开放评估” (weights = full scores, dimensions sum to 100):

    D1 数据共享 60
        I1 共享率 40
            P1 共享率得分 30   formula   shared_count / total_count * 30
            P2 共享及时率 10   threshold timely_rate: ≥95 → 100 %, ≥80 → 80 %, else 0
        I2 共享质量 20
            P3 专家评价   20   manual
    D2 数据开放 40
        I3 开放数据集 40
            P4 开放数量   25   formula   min(max_score, open_sets * 0.5)
            P5 开放比例   15   threshold open_rate: ≥60 → 100 %, ≥30 → 50 %, else 0

Units: A, B, C, D assessed; E (上海, outside the assessed set) a benchmark.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.performance import services
from domain.performance.models import AssessmentRound, IndicatorNode, IndicatorSystem, RoundUnit
from processes.ports import Actor
from tests import factories

# Whoever runs the rounds in these tests: an organiser by role (the services check it), with no user row.
ORGANISER = Actor(user_id=None, username="organiser", memberships=frozenset({(0, "performance_organiser")}))

THRESHOLDS_TIMELY = [{"at_least": "95", "ratio": "1"}, {"at_least": "80", "ratio": "0.8"}]
THRESHOLDS_OPEN = [{"at_least": "30", "ratio": "0.5"}, {"at_least": "60", "ratio": "1"}]

FIELDS = [
    ("total_count", "目录总数", "number", True),
    ("shared_count", "已共享目录数", "number", True),
    ("timely_rate", "共享及时率", "percent", True),
    ("open_sets", "开放数据集数", "number", True),
    ("open_rate", "开放比例", "percent", False),
]

VALUES = {
    "A": {"total_count": 60, "shared_count": 45, "timely_rate": "96%", "open_sets": 40, "open_rate": 70},
    "B": {"total_count": 80, "shared_count": 100, "timely_rate": 85, "open_sets": 31, "open_rate": "45"},
    "C": {"total_count": 30, "shared_count": 10, "timely_rate": 80, "open_sets": 41, "open_rate": 60},
    "E": {"total_count": 50, "shared_count": 50, "timely_rate": 99, "open_sets": 100, "open_rate": 90},
}
MANUAL = {"A": "18", "B": "12.5", "C": "20"}


@dataclass
class Assessment:
    system: IndicatorSystem
    nodes: dict[str, IndicatorNode]
    round: AssessmentRound
    units: dict[str, RoundUnit]


def build_system(
    name: str = "数据共享开放评估", *, publish: bool = True
) -> tuple[IndicatorSystem, dict[str, IndicatorNode]]:
    system = services.system_create(name=name, year=2026, actor=ORGANISER)
    n: dict[str, IndicatorNode] = {}

    def add(key: str, parent: str | None, label: str, weight: str, **rule: Any) -> None:
        n[key] = services.node_add(
            system_id=system.pk,
            parent_id=n[parent].pk if parent else None,
            name=label,
            weight=weight,
            code=key,
            **rule,
            actor=ORGANISER,
        )

    add("D1", None, "数据共享", "60")
    add("I1", "D1", "共享率", "40")
    add("P1", "I1", "共享率得分", "30", rule="formula", expression="shared_count / total_count * 30")
    add("P2", "I1", "共享及时率", "10", rule="threshold", expression="timely_rate", thresholds=THRESHOLDS_TIMELY)
    add("I2", "D1", "共享质量", "20")
    add("P3", "I2", "专家评价", "20", rule="manual")
    add("D2", None, "数据开放", "40")
    add("I3", "D2", "开放数据集", "40")
    add("P4", "I3", "开放数量", "25", rule="formula", expression="min(max_score, open_sets * 0.5)")
    add("P5", "I3", "开放比例", "15", rule="threshold", expression="open_rate", thresholds=THRESHOLDS_OPEN)
    if publish:
        system = services.system_publish(system_id=system.pk, actor=ORGANISER)
    return system, n


def departments() -> dict[str, Any]:
    province = factories.department("330000", "浙江省")
    units = {key: factories.department(f"3301{i:02d}", f"{key}区数据局", province) for i, key in enumerate("ABCD", 1)}
    units["E"] = factories.department("310000", "上海市大数据中心")
    return units


def build_round(*, submit: bool = True, manual: bool = True) -> Assessment:
    system, nodes = build_system()
    depts = departments()
    assessment = services.round_create(
        actor=ORGANISER,
        system_id=system.pk,
        name="2026 年度数据共享开放评估",
        period="2026年度",
        unit_ids=[depts[k].pk for k in "ABCD"],
        benchmark_ids=[depts["E"].pk],
    )
    for name, label, kind, required in FIELDS:
        services.round_field_add(
            actor=ORGANISER, round_id=assessment.pk, name=name, label=label, kind=kind, required=required
        )
    units = {k: RoundUnit.objects.get(round=assessment, department=d) for k, d in depts.items()}
    if submit:
        for key, values in VALUES.items():
            services.values_submit(actor=ORGANISER, unit_id=units[key].pk, values=values)
    if manual:
        expert = factories.actor(factories.user("expert", roles=["performance_expert"]))
        for key, score in MANUAL.items():
            services.manual_score_enter(
                unit_id=units[key].pk, node_id=nodes["P3"].pk, score=score, comment="材料齐全", actor=expert
            )
    return Assessment(system, nodes, assessment, units)


def scored(assessment: Assessment) -> Assessment:
    services.round_collection_close(actor=ORGANISER, round_id=assessment.round.pk)
    services.round_score(actor=ORGANISER, round_id=assessment.round.pk)
    return assessment


def score_of(assessment: Assessment, unit: str, node: str) -> Decimal:
    result = assessment.units[unit].__class__.objects.get(pk=assessment.units[unit].pk).score
    return Decimal(result.scores[str(assessment.nodes[node].pk)])
