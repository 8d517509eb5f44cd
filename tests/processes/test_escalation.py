"""The escalation ladder: blue (提醒) at 2/3 of the SLA's working time, yellow (预警) within one
working day of the due time, red (逾期) at it; each level fires once, in order, to the right people,
and is audited; a second tick (a restarted beat) fires nothing new."""

import threading
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from rest_framework.test import APIClient

from domain.notifications.models import Notification
from processes import ports
from processes.models import AuditEvent, HumanTask
from processes.services.escalation import (
    Level,
    escalation_moments,
    escalation_next,
    escalation_reset,
    escalation_schedule,
    escalation_tick,
)
from processes.services.instances import instance_start
from processes.tasks import escalation_tick as escalation_tick_task
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task

pytestmark = pytest.mark.django_db(transaction=True)

TZ = ZoneInfo("Asia/Shanghai")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in March 2026 (the 2nd is a Monday), Beijing time."""
    return datetime(2026, 3, day, hour, minute, tzinfo=TZ)


class WeekdayCalendar:
    """Monday to Friday are working days, all day long; a deadline ends at 18:00 local time."""

    def add_working_days(self, start: datetime, days: int) -> ports.Due:
        day = start.astimezone(TZ).date()
        while days > 0:
            day += timedelta(days=1)
            days -= day.weekday() < 5
        return ports.Due(at=datetime.combine(day, time(18), tzinfo=TZ))

    def working_days_between(self, start: datetime, end: datetime) -> float:
        total, cursor, end = 0.0, start.astimezone(TZ), end.astimezone(TZ)
        while cursor < end:
            midnight = datetime.combine(cursor.date() + timedelta(days=1), time(0), tzinfo=TZ)
            segment_end = min(midnight, end)
            if cursor.weekday() < 5:
                total += (segment_end - cursor) / timedelta(days=1)
            cursor = segment_end
        return total


@pytest.fixture(autouse=True)
def weekday_calendar(monkeypatch: pytest.MonkeyPatch) -> WeekdayCalendar:
    """The fake replaces whatever calendar is registered; monkeypatch puts that one back."""
    fake = WeekdayCalendar()
    monkeypatch.setattr(ports, "_calendar", fake)
    return fake


@pytest.fixture
def org() -> dict[str, Any]:
    """A city bureau above a district bureau; clerks and a supervisor in the district, one in the city."""
    city = f.department("330100", "杭州市数据资源局")
    district = f.department("330106", "西湖区大数据局", parent=city)
    return {
        "city": city,
        "district": district,
        "clerk": f.user("clerk", roles=["clerk"], dept=district, email="clerk@xihu.gov.cn"),
        "clerk2": f.user("clerk2", roles=["clerk"], dept=district),
        "other_clerk": f.user("other_clerk", roles=["clerk"], dept=city),
        "supervisor": f.user("sup", roles=["supervisor"], dept=district, email="sup@xihu.gov.cn"),
        "city_supervisor": f.user("city_sup", roles=["supervisor"], dept=city, email="sup@hz.gov.cn"),
    }


def open_task(org: dict[str, Any], *, start: datetime, working_days: int = 3, **fields: Any) -> HumanTask:
    """A review task of a started instance, with an SLA of `working_days` from `start`, scheduled."""
    f.deploy(chain("esc", user_task("review", role="clerk")))
    with time_machine.travel(start, tick=False):
        instance = instance_start(process_key="esc", actor=f.actor(org["clerk"]), department_id=org["district"].pk)
    task = HumanTask.objects.get(instance=instance, status="open")
    task.sla_started_at = start
    task.due_at = ports.calendar().add_working_days(start, working_days).at
    task.escalation_level = 0
    for name, value in fields.items():
        setattr(task, name, value)
    escalation_schedule(task, start)
    task.save()
    return task


def tick_at(moment: datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return escalation_tick()


def escalations(task: HumanTask) -> list[dict[str, Any]]:
    events = AuditEvent.objects.filter(action="task_escalated", task_id=task.pk).order_by("id")
    return [event.payload for event in events]


def test_moments_of_a_three_day_sla(org: dict[str, Any]) -> None:
    """Monday 09:00 + 3 working days is due Thursday 18:00 (81 working hours): blue after 54 of them
    (Wednesday 15:00), yellow 24 working hours before the due time (Wednesday 18:00), red at it."""
    task = open_task(org, start=local(2, 9))
    moments = escalation_moments(task, local(2, 9))
    assert moments[Level.RED] == local(5, 18)
    assert moments[Level.BLUE] == local(4, 15)
    assert moments[Level.YELLOW] == local(4, 18)
    assert task.next_escalation_at == moments[Level.BLUE]
    assert escalation_next(task, local(2, 9)) == (Level.BLUE, moments[Level.BLUE])


def test_the_ladder_fires_each_level_once_in_order_to_the_right_people(org: dict[str, Any]) -> None:
    """Blue goes to every candidate in the department, yellow to its supervisors, red to the parent
    department's supervisors; a tick again at the same moment (a restarted beat) fires nothing."""
    task = open_task(org, start=local(2, 9))
    assert tick_at(local(4, 14, 58)) == 0

    assert tick_at(local(4, 15, 2)) == 1
    assert tick_at(local(4, 15, 2)) == 0
    task.refresh_from_db()
    assert task.escalation_level == Level.BLUE
    assert task.next_escalation_at == local(4, 18)

    assert tick_at(local(4, 18, 2)) == 1
    assert tick_at(local(5, 17, 59)) == 0
    assert tick_at(local(5, 18)) == 1
    assert tick_at(local(6, 9)) == 0
    task.refresh_from_db()
    assert task.escalation_level == Level.RED and task.next_escalation_at is None

    steps = escalations(task)
    assert [(step["level"], step["name"]) for step in steps] == [(1, "blue"), (2, "yellow"), (3, "red")]
    assert steps[0]["recipients"] == sorted([org["clerk"].pk, org["clerk2"].pk])
    assert steps[1]["recipients"] == [org["supervisor"].pk]
    assert steps[2]["recipients"] == [org["city_supervisor"].pk]
    assert set(Notification.objects.values_list("user__username", "kind")) == {
        ("clerk", "task_escalated_blue"),
        ("clerk2", "task_escalated_blue"),
        ("sup", "task_escalated_yellow"),
        ("city_sup", "task_escalated_red"),
    }


def test_the_celery_task_ticks(org: dict[str, Any]) -> None:
    """The beat job `processes.tasks.escalation_tick` runs the same tick."""
    task = open_task(org, start=local(2, 9))
    with time_machine.travel(local(4, 16), tick=False):
        assert escalation_tick_task.delay().get() == 1
    task.refresh_from_db()
    assert task.escalation_level == Level.BLUE


def test_a_task_found_overdue_climbs_every_level_in_one_tick(org: dict[str, Any]) -> None:
    """The beat was down: the first tick after the due time fires blue, yellow and red, in order, each
    audited once with the moment it was due, and every audience hears once."""
    task = open_task(org, start=local(2, 9))
    assert tick_at(local(9, 10)) == 3
    assert tick_at(local(9, 10)) == 0
    steps = escalations(task)
    assert [step["level"] for step in steps] == [1, 2, 3]
    assert datetime.fromisoformat(steps[2]["level_at"]) == local(5, 18)
    assert Notification.objects.filter(user=org["city_supervisor"], kind="task_escalated_red").count() == 1


def test_blue_goes_to_the_assignee_once_claimed(org: dict[str, Any]) -> None:
    task = open_task(org, start=local(2, 9), assignee=org["clerk2"])
    tick_at(local(4, 16))
    assert escalations(task)[0]["recipients"] == [org["clerk2"].pk]


def test_candidate_users_hear_blue_too(org: dict[str, Any]) -> None:
    """A user named as candidate (camunda:candidateUsers) is told as well as the role holders."""
    task = open_task(org, start=local(2, 9), candidate_users=["other_clerk"])
    tick_at(local(4, 16))
    assert escalations(task)[0]["recipients"] == sorted([org["clerk"].pk, org["clerk2"].pk, org["other_clerk"].pk])


def test_red_without_a_parent_department_goes_to_the_department_supervisors(org: dict[str, Any]) -> None:
    task = open_task(org, start=local(2, 9), escalation_level=Level.YELLOW, department=org["city"])
    tick_at(local(5, 18, 5))
    assert escalations(task) and escalations(task)[0]["recipients"] == [org["city_supervisor"].pk]


def test_yellow_of_a_task_due_on_monday_comes_on_friday_evening(org: dict[str, Any]) -> None:
    """Due Monday 18:00: one working day before is Friday 18:00, not Sunday 18:00."""
    task = open_task(org, start=local(2, 9), working_days=5)
    assert task.due_at == local(9, 18)
    assert escalation_moments(task, local(2, 9))[Level.YELLOW] == local(6, 18)


def test_a_short_sla_reaches_blue_and_yellow_together_not_yellow_first(org: dict[str, Any]) -> None:
    """With one working day the task is "due within a day" from the start; yellow waits for blue."""
    task = open_task(org, start=local(2, 9), working_days=1)
    moments = escalation_moments(task, local(2, 9))
    assert moments[Level.YELLOW] == moments[Level.BLUE] > local(2, 9)


def test_the_diagram_policy_overrides_the_defaults(org: dict[str, Any]) -> None:
    """`tongban:escalation` may switch blue off (null) and widen the yellow window; {} means defaults."""
    task = open_task(org, start=local(2, 9), escalation_policy={"blue_share": None, "yellowWorkingDays": 2})
    moments = escalation_moments(task, local(2, 9))
    assert Level.BLUE not in moments
    assert moments[Level.YELLOW] == local(3, 18)
    assert tick_at(local(3, 19)) == 1
    assert [step["name"] for step in escalations(task)] == ["yellow"]


def test_schedule_and_reset_set_fields_without_saving(org: dict[str, Any]) -> None:
    """An extension approved on Thursday morning (yellow fired) moves the due time from Thursday to
    Friday 18:00: reset lowers the level to what the new due time implies (blue, used up on Thursday
    07:00), so yellow can fire again on Thursday evening; blue is not repeated."""
    task = open_task(org, start=local(2, 9))
    tick_at(local(5, 10))
    task.refresh_from_db()
    assert task.escalation_level == Level.YELLOW

    task.due_at = ports.calendar().add_working_days(task.due_at, 1).at
    escalation_reset(task, local(5, 10))
    assert task.escalation_level == Level.BLUE
    yellow = escalation_moments(task, local(5, 10))[Level.YELLOW]
    assert task.next_escalation_at == yellow
    assert yellow == local(5, 18)
    assert HumanTask.objects.get(pk=task.pk).escalation_level == Level.YELLOW  # not saved
    task.save()
    assert tick_at(local(5, 18, 5)) == 1
    assert tick_at(local(6, 18, 5)) == 1
    assert [step["name"] for step in escalations(task)] == ["blue", "yellow", "yellow", "red"]


def test_closed_tasks_and_tasks_without_a_due_time_are_left_alone(org: dict[str, Any]) -> None:
    task = open_task(org, start=local(2, 9))
    HumanTask.objects.filter(pk=task.pk).update(status="completed")
    assert tick_at(local(9, 9)) == 0
    task.due_at = None
    assert escalation_schedule(task, local(2, 9)).next_escalation_at is None
    assert escalation_next(task, local(2, 9)) is None


def test_the_in_app_notification_shows_in_the_bell_and_the_email_is_sent(org: dict[str, Any]) -> None:
    """Blue reaches the clerk in the notification centre and by email (clerk2 has no address)."""
    open_task(org, start=local(2, 9))
    mail.outbox.clear()
    tick_at(local(4, 16))
    client = APIClient()
    client.force_authenticate(org["clerk"])
    page = client.get("/api/notifications/").json()
    assert page["unread_count"] == 1
    assert "review" in page["results"][0]["title"]
    assert [message.to for message in mail.outbox] == [["clerk@xihu.gov.cn"]]


def test_a_broken_task_does_not_block_the_others(org: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """A task whose escalation fails is postponed; the rest of the batch escalates."""
    first = open_task(org, start=local(2, 9))
    second = open_task(org, start=local(2, 10))
    real = ports.directory()

    class Broken:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def users_with_role(self, *, department_id: int, role_code: str) -> list[int]:
            if role_code == "clerk" and not getattr(self, "failed", False):
                self.failed = True
                raise RuntimeError("directory unavailable")
            return real.users_with_role(department_id=department_id, role_code=role_code)

    monkeypatch.setattr(ports, "_directory", Broken())
    assert tick_at(local(4, 17)) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.escalation_level, second.escalation_level) == (0, 1)
    assert first.next_escalation_at == local(4, 17) + timedelta(minutes=15)


@pytest.mark.postgres
def test_a_row_locked_by_another_tick_is_skipped_not_fired_twice(org: dict[str, Any]) -> None:
    """SKIP LOCKED: while one tick holds a task, another passes it by; the level fires once."""
    task = open_task(org, start=local(2, 9))
    locked, release = threading.Event(), threading.Event()

    def other_tick_holding_the_row() -> None:
        with transaction.atomic():
            HumanTask.objects.select_for_update().get(pk=task.pk)
            locked.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=other_tick_holding_the_row)
    holder.start()
    assert locked.wait(10)
    try:
        assert tick_at(local(4, 16)) == 0
    finally:
        release.set()
        holder.join()
    assert tick_at(local(4, 16)) == 1
    assert len(escalations(task)) == 1
