"""manage.py seed_demo_supervision (run by `make run` after seed_demo_cases): office1 finds 督查事项 in 立项,
办理中 with an open problem, 已办结 on time and red 逾期; the month's 晾晒 has a row; 绩效通 has a scored round
with ranks and a benchmark; a second run adds nothing. Without the diagram only the 立项 item is made."""

from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from domain.performance.models import AssessmentRound, ManualScore, UnitScore
from domain.supervision.models import Milestone, Notice, Problem, ProgressReport, SupervisionItem
from domain.supervision.selectors import item_list, unit_performance
from processes.models import HumanTask
from processes.services.escalation import Level
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def seed() -> str:
    out = StringIO()
    call_command("seed_demo_supervision", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded() -> str:
    """What `make run` does: the directory, the supervision diagram, then this command."""
    call_command("seed_demo", stdout=StringIO())
    f.deploy("supervision_task")
    return seed()


def by_reference() -> dict[str, Any]:
    return {row.item.source_reference: row for row in item_list()}


def test_office_finds_items_in_every_state(seeded: str) -> None:
    """One item in 立项 with a milestone; one in 办理 where handler1 signed and reported a problem (问题清单);
    one completed on time with its 通报; one red, its 办理 task overdue at the top of the ladder."""
    rows = by_reference()
    assert {ref: row.item.status for ref, row in rows.items()} == {
        "DEMO-DB-01": "in_progress",
        "DEMO-DB-02": "completed",
        "DEMO-DB-03": "registered",
        "DEMO-DB-04": "in_progress",
    }
    assert len({row.item.source for row in rows.values()}) == 4
    assert Milestone.objects.get().item.source_reference == "DEMO-DB-03"

    problem = Problem.objects.get()
    assert (problem.item.source_reference, problem.status, problem.unit.department.code) == (
        "DEMO-DB-01",
        "open",
        "330106-SCJG",
    )
    handler1 = get_user_model().objects.get(username="handler1")
    assert ProgressReport.objects.get(kind="progress").submitted_by == handler1
    units = {u.department.code: u.status for u in rows["DEMO-DB-01"].item.units.all()}
    assert units == {"330106-SCJG": "handling", "330106-MZ": "assigned"}, "handler2 has yet to sign"

    assert rows["DEMO-DB-02"].item.units.get().on_time is True
    assert Notice.objects.get().item.source_reference == "DEMO-DB-02"

    assert rows["DEMO-DB-04"].colour == "red" and rows["DEMO-DB-04"].overdue
    task = HumanTask.objects.get(status="open", element_id="handle", department__code="330106-MZ")
    assert task.due_at is not None and task.due_at < timezone.now() and task.escalation_level == Level.RED
    assert "office1" in seeded and "/supervision/items/" in seeded and "/performance/rounds/" in seeded


def test_this_months_ranking_shows_the_on_time_unit(seeded: str) -> None:
    """督查晾晒 for the month under way: 市场监管局 finished one item on time."""
    now = timezone.localtime()
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    rows = {row.department_code: row for row in unit_performance(start=start, end=now + timedelta(days=1))}
    assert rows["330106-SCJG"].on_time == 1


def test_assessment_is_scored_with_ranks_and_a_benchmark(seeded: str) -> None:
    """A round of the published system over three units and 杭州市 as 对标: every unit has data and
    expert1's score, and perf1's scoring ranked the three (the benchmark scored, unranked)."""
    assessment = AssessmentRound.objects.get()
    assert assessment.system.status == "published" and assessment.scored_at is not None
    scores = {s.unit.department.code: (s.rank, s.total) for s in UnitScore.objects.filter(round=assessment)}
    assert sorted(rank for rank, _total in scores.values() if rank is not None) == [1, 2, 3]
    assert scores["330100"][0] is None and scores["330100"][1] > 0, "the benchmark is scored, not ranked"
    assert scores["330106-DSJ"][1] > scores["330106-SCJG"][1] > scores["330106-MZ"][1]
    assert all(unit.values for unit in assessment.units.all())
    experts = set(ManualScore.objects.values_list("expert__username", flat=True))
    assert experts == {"expert1"} and ManualScore.objects.count() == 4


def test_a_second_run_adds_nothing(seeded: str) -> None:
    counts = (SupervisionItem.objects.count(), HumanTask.objects.count(), AssessmentRound.objects.count())
    again = seed()
    assert "nothing added" in again
    assert (SupervisionItem.objects.count(), HumanTask.objects.count(), AssessmentRound.objects.count()) == counts


def test_without_the_diagram_only_the_registered_item_then_the_rest() -> None:
    """Before deploy_bpmn: a clear message and the item in 立项; deployed later, a run adds the others."""
    call_command("seed_demo", stdout=StringIO())
    first = seed()
    assert "not deployed" in first
    assert list(SupervisionItem.objects.values_list("source_reference", flat=True)) == ["DEMO-DB-03"]
    f.deploy("supervision_task")
    seed()
    assert SupervisionItem.objects.count() == 4 and AssessmentRound.objects.count() == 1
