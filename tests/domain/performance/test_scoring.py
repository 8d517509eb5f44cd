"""Automatic scoring: scoring points, node totals, totals, ranks, missing data, expert scores."""

from decimal import Decimal

import pytest

from domain.performance import services
from domain.performance.errors import NodeInvalid, RoundFieldsMissing, WrongStatus
from domain.performance.models import UnitScore
from domain.performance.services.scoring import ranks_of
from tests import factories

from .builders import ORGANISER, build_round, build_system, departments, score_of, scored

pytestmark = pytest.mark.django_db


def test_hand_computed_round() -> None:
    """Every unit's scores match the hand computation; ties share a rank and the next rank is skipped.

    A: P1 45/60×30 = 22.50; P2 96 % ≥ 95 → 10; P3 expert 18; D1 = 50.50.
       P4 min(25, 40×0.5) = 20.00; P5 70 % ≥ 60 → 15; D2 = 35.00.            total 85.50 → rank 1
    B: P1 100/80×30 = 37.5, clamped to the full 30; P2 85 % ≥ 80 → 8; P3 12.5; D1 = 50.50.
       P4 31×0.5 = 15.50; P5 45 % ≥ 30 → 7.5; D2 = 23.00.                     total 73.50 → rank 2
    C: P1 10/30×30 = 9.999… → 10.00; P2 80 % (on the bound) → 8; P3 20; D1 = 38.00.
       P4 41×0.5 = 20.50; P5 60 % → 15; D2 = 35.50.                           total 73.50 → rank 2 (tie)
    D: submitted nothing, no expert score: every point 0.                     total 0.00  → rank 4
    E (benchmark): 30 + 10 + 0 (no expert score) = 40; 25 + 15 = 40;        total 80.00, not ranked
    """
    a = scored(build_round())
    results = {
        s.unit.department.name[0]: s for s in UnitScore.objects.filter(round=a.round).select_related("unit__department")
    }
    totals = {key: (results[key].total, results[key].rank) for key in ("A", "B", "C", "D")}
    assert totals == {
        "A": (Decimal("85.50"), 1),
        "B": (Decimal("73.50"), 2),
        "C": (Decimal("73.50"), 2),
        "D": (Decimal("0.00"), 4),
    }
    assert [score_of(a, "A", key) for key in ("P1", "P2", "P3", "I1", "I2", "D1", "P4", "P5", "D2")] == [
        Decimal(v) for v in ("22.50", "10.00", "18.00", "32.50", "18.00", "50.50", "20.00", "15.00", "35.00")
    ]
    assert [score_of(a, "B", key) for key in ("P1", "P2", "P4", "P5")] == [
        Decimal(v) for v in ("30.00", "8.00", "15.50", "7.50")
    ]
    assert [score_of(a, "C", key) for key in ("P1", "P2", "D1", "P4", "D2")] == [
        Decimal(v) for v in ("10.00", "8.00", "38.00", "20.50", "35.50")
    ]
    benchmark = UnitScore.objects.get(unit=a.units["E"])
    assert (benchmark.total, benchmark.rank) == (Decimal("80.00"), None)


def test_the_value_each_point_was_judged_on_is_kept() -> None:
    """Reports show the computed value behind a score: the formula result before clamping, the threshold value."""
    a = scored(build_round())
    values = UnitScore.objects.get(unit=a.units["B"]).values
    assert values[str(a.nodes["P1"].pk)] == "37.5"
    assert values[str(a.nodes["P2"].pk)] == "85"
    assert values[str(a.nodes["P3"].pk)] == "材料齐全"


def test_missing_data_scores_zero_with_a_note_naming_the_fields() -> None:
    """A unit that submitted nothing scores 0 on every point, and each note says which data is missing."""
    a = scored(build_round())
    result = UnitScore.objects.get(unit=a.units["D"])
    assert result.total == Decimal("0.00")
    assert "已共享目录数" in result.notes[str(a.nodes["P1"].pk)] and "目录总数" in result.notes[str(a.nodes["P1"].pk)]
    assert "共享及时率" in result.notes[str(a.nodes["P2"].pk)]
    assert "专家尚未评分" in result.notes[str(a.nodes["P3"].pk)]


def test_an_optional_field_left_empty_scores_zero_only_where_it_is_used() -> None:
    """Only the point that reads the missing optional value drops to 0; the others score normally."""
    a = build_round()
    values = {k: v for k, v in {"total_count": 60, "shared_count": 45, "timely_rate": 96, "open_sets": 40}.items()}
    services.values_submit(actor=ORGANISER, unit_id=a.units["A"].pk, values=values)
    scored(a)
    result = UnitScore.objects.get(unit=a.units["A"])
    assert result.total == Decimal("70.50")  # 85.50 without P5's 15
    assert "开放比例" in result.notes[str(a.nodes["P5"].pk)]
    assert str(a.nodes["P1"].pk) not in result.notes


def test_a_formula_that_fails_scores_zero_with_the_reason() -> None:
    """Division by zero (total_count = 0) is not a crash of the round: the point scores 0 and says why."""
    a = build_round()
    services.values_submit(
        actor=ORGANISER,
        unit_id=a.units["A"].pk,
        values={"total_count": 0, "shared_count": 0, "timely_rate": 96, "open_sets": 40},
    )
    scored(a)
    result = UnitScore.objects.get(unit=a.units["A"])
    assert Decimal(result.scores[str(a.nodes["P1"].pk)]) == 0
    assert "无法计算" in result.notes[str(a.nodes["P1"].pk)]


def test_rescoring_replaces_the_previous_scores() -> None:
    """A corrected expert score changes the result on rescoring; there is still one result per unit."""
    a = scored(build_round())
    expert = factories.actor(factories.user("expert2", roles=["performance_expert"]))
    services.manual_score_enter(
        unit_id=a.units["D"].pk, node_id=a.nodes["P3"].pk, score="20", comment="补评", actor=expert
    )
    services.round_score(actor=ORGANISER, round_id=a.round.pk)
    assert UnitScore.objects.filter(round=a.round).count() == 5
    assert UnitScore.objects.get(unit=a.units["D"]).total == Decimal("20.00")
    assert UnitScore.objects.get(unit=a.units["D"]).rank == 4


def test_ranks_are_competition_ranks() -> None:
    """Equal totals share a rank and the following rank is skipped (1, 2, 2, 4); order of input is kept."""
    totals = [Decimal(v) for v in ("70", "90", "80", "80", "90", "10")]
    assert ranks_of(totals) == [5, 1, 3, 3, 1, 6]


def test_manual_score_must_be_within_the_full_score_and_have_a_comment() -> None:
    """An expert cannot give more than the point's full score, a negative score, or no comment."""
    a = build_round(manual=False)
    expert = factories.actor(factories.user("expert3", roles=["performance_expert"]))
    for score, comment in (("20.01", "好"), ("-1", "差"), ("10", " ")):
        with pytest.raises(NodeInvalid):
            services.manual_score_enter(
                unit_id=a.units["A"].pk, node_id=a.nodes["P3"].pk, score=score, comment=comment, actor=expert
            )
    with pytest.raises(NodeInvalid):  # P1 is a formula point
        services.manual_score_enter(
            unit_id=a.units["A"].pk, node_id=a.nodes["P1"].pk, score="1", comment="x", actor=expert
        )


def test_scoring_refuses_formulas_reading_data_the_round_does_not_collect() -> None:
    """A formula variable with no data field in the round is named before anything is scored."""
    system, nodes = build_system()
    depts = departments()
    assessment = services.round_create(
        actor=ORGANISER, system_id=system.pk, name="缺字段", period="2026", unit_ids=[depts["A"].pk]
    )
    services.round_field_add(actor=ORGANISER, round_id=assessment.pk, name="total_count", label="目录总数")
    services.round_collection_close(actor=ORGANISER, round_id=assessment.pk)
    with pytest.raises(RoundFieldsMissing) as caught:
        services.round_score(actor=ORGANISER, round_id=assessment.pk)
    named = {problem.node_name: problem.message for problem in caught.value.problems}
    assert "shared_count" in named["共享率得分"] and "open_sets" in named["开放数量"]
    assert not UnitScore.objects.filter(round=assessment).exists()


def test_scoring_waits_for_collection_to_close_and_stops_once_published() -> None:
    """Scoring needs the collection closed; a published round is not rescored."""
    a = build_round()
    with pytest.raises(WrongStatus):
        services.round_score(actor=ORGANISER, round_id=a.round.pk)
    scored(a)
    services.round_publish(actor=ORGANISER, round_id=a.round.pk)
    with pytest.raises(WrongStatus):
        services.round_score(actor=ORGANISER, round_id=a.round.pk)
