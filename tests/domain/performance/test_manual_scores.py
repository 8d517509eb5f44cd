"""专家评分 as a grid: every cell checked before anything is written; a bad cell is reported by unit, point and
reason and nothing of the grid is saved. Unchanged cells keep their expert; a cleared cell withdraws the
score; a published round takes no more scores."""

from decimal import Decimal

import pytest

from domain.performance import services
from domain.performance.errors import WrongStatus
from domain.performance.models import ManualScore
from domain.performance.services import ManualCell, ManualScoresInvalid
from processes.ports import Actor
from tests import factories

from .builders import ORGANISER, build_round, scored

pytestmark = pytest.mark.django_db


def _expert(name: str = "expert1") -> Actor:
    return factories.actor(factories.user(name, roles=["performance_expert"]))


def test_one_bad_cell_saves_nothing_and_every_bad_cell_is_named() -> None:
    """A good score for A, 25 (over the full 20) for B and a score without a comment for C: B and C are
    reported with their unit, point and reason; A is not saved either."""
    a = build_round(manual=False)
    p3 = a.nodes["P3"].pk
    cells = [
        ManualCell(a.units["A"].pk, p3, "18", "材料齐全"),
        ManualCell(a.units["B"].pk, p3, "25", "很好"),
        ManualCell(a.units["C"].pk, p3, "10", " "),
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
        ManualCell(a.units["A"].pk, p3, "18", "材料齐全"),  # as stored
        ManualCell(a.units["B"].pk, p3, "13", "补充材料后上调"),
        ManualCell(a.units["C"].pk, p3, "", ""),
        ManualCell(a.units["D"].pk, p3, "7.5", "材料不全"),
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
    cells = [ManualCell(a.units["A"].pk, a.nodes["P1"].pk, "5", "x")]
    with pytest.raises(ManualScoresInvalid) as refused:
        services.manual_scores_enter(round_id=a.round.pk, cells=cells, actor=ORGANISER)
    assert "专家评分的评分点" in refused.value.errors[0].message


def test_a_published_round_takes_no_more_scores() -> None:
    a = scored(build_round())
    services.round_publish(round_id=a.round.pk, actor=ORGANISER)
    cells = [ManualCell(a.units["D"].pk, a.nodes["P3"].pk, "5", "补评")]
    with pytest.raises(WrongStatus):
        services.manual_scores_enter(round_id=a.round.pk, cells=cells, actor=ORGANISER)
    assert not ManualScore.objects.filter(unit=a.units["D"]).exists()
