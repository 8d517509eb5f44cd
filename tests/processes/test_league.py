"""晾晒: the league table numbers on a hand-checked fixture, ranking, and the XLSX download."""

from datetime import date, datetime
from io import BytesIO
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from processes.league import league_table, league_xlsx
from processes.models import HumanTask, TaskReminder
from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 10, month: int = 6) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=SH)


@pytest.fixture
def instance():  # type: ignore[no-untyped-def]
    from tests.calendar_fake import weekday_calendar

    f.deploy(chain("plain", user_task("t", "clerk")))
    with weekday_calendar():
        return instance_start(process_key="plain", actor=f.actor(f.user("u")))


def task(instance, dept, *, due: datetime | None, done: datetime | None, days: float | None = None) -> HumanTask:  # type: ignore[no-untyped-def]
    row = HumanTask.objects.create(
        instance=instance,
        spiff_task_id=uuid4(),
        element_id="t",
        name="t",
        process_key="plain",
        department=dept,
        due_at=due,
        status="completed" if done else "open",
        completed_at=done,
        handling_working_days=days,
    )
    HumanTask.objects.filter(pk=row.pk).update(created_at=at(1))
    return row


def test_league_numbers_and_ranking(instance) -> None:  # type: ignore[no-untyped-def]
    HumanTask.objects.all().delete()
    west = f.department("330106-A", "西湖区甲局")
    east = f.department("330106-B", "西湖区乙局")
    # 甲局: 3 done in June (one late), 1 done in May (ignored), 1 still open and overdue.
    task(instance, west, due=at(10), done=at(5), days=4)
    task(instance, west, due=at(10), done=at(12), days=9)
    task(instance, west, due=None, done=at(20), days=2)
    task(instance, west, due=at(10, month=5), done=at(9, month=5), days=1)
    task(instance, west, due=at(25), done=None)
    # 乙局: 2 done on time.
    late_reminded = task(instance, east, due=at(15), done=at(14), days=3)
    task(instance, east, due=at(15), done=at(3), days=1)
    TaskReminder.objects.create(task=late_reminded)
    TaskReminder.objects.filter(task=late_reminded).update(sent_at=at(13))

    table = league_table(month=date(2026, 6, 1))
    by_name = {row["department"]: row for row in table}
    assert by_name["西湖区甲局"] == {
        "department_id": west.pk,
        "department": "西湖区甲局",
        "completed": 3,
        "on_time": 1,  # of the 2 completed tasks that had a due time; the third had none
        "on_time_rate": 0.5,
        "overdue": 2,
        "avg_working_days": 5.0,
        "reminders": 0,
        "rank": 2,
    }
    assert by_name["西湖区乙局"] == {
        "department_id": east.pk,
        "department": "西湖区乙局",
        "completed": 2,
        "on_time": 2,
        "on_time_rate": 1.0,
        "overdue": 0,
        "avg_working_days": 2.0,
        "reminders": 1,
        "rank": 1,
    }

    sheet = load_workbook(BytesIO(league_xlsx(table, month=date(2026, 6, 1)))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("排名", "部门", "办结数")
    assert rows[1][:3] == (1, "西湖区乙局", 2) and rows[2][1] == "西湖区甲局"


def test_a_past_month_does_not_change_when_its_overdue_work_is_finished_later(instance) -> None:  # type: ignore[no-untyped-def]
    HumanTask.objects.all().delete()
    west = f.department("330106-A", "西湖区甲局")
    row = task(instance, west, due=at(20, month=5), done=None)
    HumanTask.objects.filter(pk=row.pk).update(created_at=at(4, month=5))
    may = league_table(month=date(2026, 5, 1))
    HumanTask.objects.filter(pk=row.pk).update(status="completed", completed_at=at(10, month=6))
    assert league_table(month=date(2026, 5, 1)) == may and may[0]["overdue"] == 1
