"""专家评分 as a grid: every cell checked before anything is written; a bad cell is reported by unit, point and
reason and nothing of the grid is saved. Unchanged cells keep their expert; a cleared cell withdraws the
score; a cell someone else changed since the grid was loaded is refused, one left as loaded is not touched;
an expert does not score their own unit; a score is ASCII digits; a published round takes no more scores."""

from decimal import Decimal

import pytest

from domain.performance import services
from domain.performance.errors import NodeInvalid, NotPermitted, WrongStatus
from domain.performance.models import ManualScore
from domain.performance.services import ManualCell, ManualScoresInvalid
from processes.ports import Actor
from tests import factories

from .builders import ORGANISER, build_round, score_of, scored

pytestmark = pytest.mark.django_db


def _expert(name: str = "expert1") -> Actor:
    return factories.actor(factories.user(name, roles=["performance_expert"]))


def test_one_bad_cell_saves_nothing_and_every_bad_cell_is_named() -> None:
    """A good score for A, 25 (over the full 20) for B and a score without a comment for C: B and C are
    reported with their unit, point and reason; A is not saved either."""
    a = build_round(manual=False)
    p3 = a.nodes["P3"].pk
    cells = [
        ManualCell(a.units["A"].pk, p3, "18", "材料齐全", "", ""),
        ManualCell(a.units["B"].pk, p3, "25", "很好", "", ""),
        ManualCell(a.units["C"].pk, p3, "10", " ", "", ""),
    ]
    with pytest.raises(ManualScoresInvalid) as refused:
        services.manual_scores_enter(round_id=a.round.pk, cells=cells, actor=_expert())
    errors = {(e.unit_name, e.node_name): e.message for e in refused.value.errors}
    assert errors == {("B区数据局", "专家评价"): "得分应在 0 到 20 之间", ("C区数据局", "专家评价"): "请填写评分意见"}
    assert not ManualScore.objects.exists()


def test_a_good_grid_is_saved_unchanged_cells_keep_their_expert_and_a_cleared_cell_withdraws() -> None:
    a = scored(build_round())  # A 18, B 12.5, C 20 by "expert"; the round is being scored
    first = ManualScore.objects.get(unit=a.units["A"]).expert_id
    p3 = a.nodes["P3"].pk
    cells = [
        ManualCell(a.units["A"].pk, p3, "18", "材料齐全", "18", "材料齐全"),  # as stored
        ManualCell(a.units["B"].pk, p3, "13", "补充材料后上调", "12.5", "材料齐全"),
        ManualCell(a.units["C"].pk, p3, "", "", "20", "材料齐全"),
        ManualCell(a.units["D"].pk, p3, "7.5", "材料不全", "", ""),
    ]
    second = _expert("expert2")
    changed = services.manual_scores_enter(round_id=a.round.pk, cells=cells, actor=second)
    assert changed == 3
    stored = {m.unit_id: (m.score, m.expert_id) for m in ManualScore.objects.all()}
    assert stored == {
        a.units["A"].pk: (Decimal("18"), first),
        a.units["B"].pk: (Decimal("13"), second.user_id),
        a.units["D"].pk: (Decimal("7.5"), second.user_id),
    }


def test_a_cell_of_another_point_or_round_is_refused() -> None:
    """P1 is a formula point: a grid cell on it is a bad cell, not a silent score."""
    a = build_round(manual=False)
    cells = [ManualCell(a.units["A"].pk, a.nodes["P1"].pk, "5", "x", "", "")]
    with pytest.raises(ManualScoresInvalid) as refused:
        services.manual_scores_enter(round_id=a.round.pk, cells=cells, actor=ORGANISER)
    assert "专家评分的评分点" in refused.value.errors[0].message


def test_a_published_round_takes_no_more_scores() -> None:
    a = scored(build_round())
    services.round_publish(round_id=a.round.pk, actor=ORGANISER)
    cells = [ManualCell(a.units["D"].pk, a.nodes["P3"].pk, "5", "补评", "", "")]
    with pytest.raises(WrongStatus):
        services.manual_scores_enter(round_id=a.round.pk, cells=cells, actor=ORGANISER)
    assert not ManualScore.objects.filter(unit=a.units["D"]).exists()


def test_a_cell_left_as_loaded_keeps_what_another_expert_saved_meanwhile() -> None:
    """X loaded the grid with D empty and B at 12.5; Y then scored D 8 and B 13. X's save changing only A
    neither withdraws Y's D nor puts 12.5 back on B: both stay Y's."""
    a = build_round()
    p3, x, y = a.nodes["P3"].pk, _expert("x"), _expert("y")
    services.manual_scores_enter(
        round_id=a.round.pk,
        cells=[
            ManualCell(a.units["D"].pk, p3, "8", "补评", "", ""),
            ManualCell(a.units["B"].pk, p3, "13", "复核", "12.5", "材料齐全"),
        ],
        actor=y,
    )
    cells = [
        ManualCell(a.units["A"].pk, p3, "19", "复核后上调", "18", "材料齐全"),
        ManualCell(a.units["B"].pk, p3, "12.5", "材料齐全", "12.5", "材料齐全"),
        ManualCell(a.units["D"].pk, p3, "", "", "", ""),
    ]
    assert services.manual_scores_enter(round_id=a.round.pk, cells=cells, actor=x) == 1
    stored = {m.unit_id: (m.score, m.expert_id) for m in ManualScore.objects.all()}
    assert stored[a.units["A"].pk] == (Decimal("19"), x.user_id)
    assert stored[a.units["B"].pk] == (Decimal("13"), y.user_id)
    assert stored[a.units["D"].pk] == (Decimal("8"), y.user_id)


def test_a_cell_changed_by_another_expert_since_loading_is_refused_and_nothing_is_saved() -> None:
    """Y withdrew C and changed B after X loaded the grid; X's changes to B and C (and a good change to A)
    are refused, B and C named as changed by someone else, and nothing of X's grid is saved."""
    a = build_round()
    p3, x, y = a.nodes["P3"].pk, _expert("x"), _expert("y")
    services.manual_scores_enter(
        round_id=a.round.pk,
        cells=[
            ManualCell(a.units["B"].pk, p3, "13", "复核", "12.5", "材料齐全"),
            ManualCell(a.units["C"].pk, p3, "", "", "20", "材料齐全"),
        ],
        actor=y,
    )
    cells = [
        ManualCell(a.units["A"].pk, p3, "19", "复核后上调", "18", "材料齐全"),
        ManualCell(a.units["B"].pk, p3, "14", "再复核", "12.5", "材料齐全"),
        ManualCell(a.units["C"].pk, p3, "15", "下调", "20", "材料齐全"),
        ManualCell(a.units["D"].pk, p3, "5", "补评", "", ""),
    ]
    with pytest.raises(ManualScoresInvalid) as refused:
        services.manual_scores_enter(round_id=a.round.pk, cells=cells, actor=x)
    errors = {e.unit_name: e.message for e in refused.value.errors}
    assert errors == {"B区数据局": "已被他人修改，请刷新后再保存。", "C区数据局": "已被他人修改，请刷新后再保存。"}
    stored = {m.unit_id: (m.score, m.expert_id) for m in ManualScore.objects.all()}
    assert stored[a.units["A"].pk][0] == Decimal("18") and stored[a.units["B"].pk] == (Decimal("13"), y.user_id)
    assert a.units["C"].pk not in stored and a.units["D"].pk not in stored


def test_an_expert_does_not_score_their_own_unit_but_the_organiser_may() -> None:
    """An expert of A区数据局 is refused on A (alone and in a grid, with the reason) and scores B; an
    organiser of A区数据局 scores A."""
    a = build_round(manual=False)
    p3, department = a.nodes["P3"].pk, a.units["A"].department
    insider = factories.actor(factories.user("insider", roles=["performance_expert"], dept=department))
    with pytest.raises(NotPermitted, match="回避"):
        services.manual_score_enter(unit_id=a.units["A"].pk, node_id=p3, score="20", comment="满分", actor=insider)
    cells = [
        ManualCell(a.units["A"].pk, p3, "20", "满分", "", ""),
        ManualCell(a.units["B"].pk, p3, "9", "一般", "", ""),
    ]
    with pytest.raises(ManualScoresInvalid) as refused:
        services.manual_scores_enter(round_id=a.round.pk, cells=cells, actor=insider)
    assert [(e.unit_name, e.message) for e in refused.value.errors] == [
        ("A区数据局", "评审专家不能为本单位评分（回避）。")
    ]
    assert services.manual_scores_enter(round_id=a.round.pk, cells=cells[1:], actor=insider) == 1
    organiser = factories.actor(factories.user("own_org", roles=["performance_organiser"], dept=department))
    services.manual_score_enter(unit_id=a.units["A"].pk, node_id=p3, score="20", comment="满分", actor=organiser)
    assert ManualScore.objects.get(unit=a.units["A"]).score == 20


@pytest.mark.parametrize("typed", ["1_0", "١٢", "１２", "1e1", "0x1", "NaN", "5."])
def test_a_score_is_plain_ascii_digits(typed: str) -> None:
    """Decimal() would take "1_0" as 10 and Arabic-Indic or full-width digits as numbers; a score is written
    in ASCII digits with an optional decimal part, and anything else is not a number."""
    a = build_round(manual=False)
    with pytest.raises(NodeInvalid, match="不是数值"):
        services.manual_score_enter(
            unit_id=a.units["A"].pk, node_id=a.nodes["P3"].pk, score=typed, comment="x", actor=_expert()
        )
    assert not ManualScore.objects.exists()


def test_a_benchmark_unit_is_scored_by_experts_like_the_others() -> None:
    """E (对标) scored 16 on P3 keeps 16 on P3 after scoring, not 0."""
    a = build_round()
    services.manual_scores_enter(
        round_id=a.round.pk,
        cells=[ManualCell(a.units["E"].pk, a.nodes["P3"].pk, "16", "对标参考", "", "")],
        actor=_expert(),
    )
    assert score_of(scored(a), "E", "P3") == 16


def test_withdrawing_what_another_expert_already_withdrew_is_not_a_conflict() -> None:
    """Both grids showed C's 20; the first expert cleared it; the second clears it too: nothing to refuse,
    nothing written. Entering a score that is already stored does not ask for a rescore either."""
    a = scored(build_round())
    p3 = a.nodes["P3"].pk
    clear = [ManualCell(a.units["C"].pk, p3, "", "", "20", "材料齐全")]
    assert services.manual_scores_enter(round_id=a.round.pk, cells=clear, actor=_expert("x")) == 1
    assert services.manual_scores_enter(round_id=a.round.pk, cells=clear, actor=_expert("y")) == 0
    assert not ManualScore.objects.filter(unit=a.units["C"]).exists()
    a.round.refresh_from_db()
    changed_at = a.round.manual_changed_at
    services.manual_score_enter(unit_id=a.units["A"].pk, node_id=p3, score="18", comment="材料齐全", actor=ORGANISER)
    a.round.refresh_from_db()
    assert a.round.manual_changed_at == changed_at
