"""督办: supervisors see at-risk and overdue work in their department subtree, send rate-limited
reminders, reassign, and decide extension requests that move the due time and reset the ladder."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from processes.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from processes.models import AuditEvent, HumanTask
from processes.selectors import inbox_for_actor
from processes.services.instances import instance_start
from processes.services.supervision import (
    extension_decide,
    extension_request,
    task_remind,
    tasks_reassign,
    tasks_supervised,
)
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task
from tests.calendar_fake import weekday_calendar

pytestmark = pytest.mark.django_db(transaction=True)
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def world(notifier):  # type: ignore[no-untyped-def]
    city = f.department("330100", "杭州市")
    district = f.department("330106", "西湖区", parent=city)
    other = f.department("330108", "滨江区", parent=city)
    people = {
        "clerk": f.user("clerk", roles=["reviewer"], dept=district),
        "clerk2": f.user("clerk2", roles=["reviewer"], dept=district),
        "boss": f.user("boss", roles=["supervisor"], dept=city),
        "stranger": f.user("stranger", roles=["supervisor"], dept=other),
    }
    f.deploy(chain("sla", user_task("review", "reviewer", 'tongban:slaWorkingDays="3"')))
    with weekday_calendar(), time_machine.travel(MONDAY, tick=False):
        instance = instance_start(process_key="sla", actor=f.actor(people["clerk"]), department_id=district.pk)
    return {**people, "district": district, "task": HumanTask.objects.get(instance=instance), "notifier": notifier}


def test_lists_cover_the_subtree_only(world) -> None:  # type: ignore[no-untyped-def]
    task = world["task"]
    HumanTask.objects.filter(pk=task.pk).update(escalation_level=2)
    assert [t.pk for t in tasks_supervised(f.actor(world["boss"]))] == [task.pk]
    assert list(tasks_supervised(f.actor(world["stranger"]))) == []
    with time_machine.travel(MONDAY + timedelta(days=10), tick=False):
        assert [t.pk for t in tasks_supervised(f.actor(world["boss"]), kind="overdue")] == [task.pk]
    assert list(tasks_supervised(f.actor(world["boss"]), level=3)) == []


def test_reminder_reaches_the_candidates_and_is_rate_limited(world) -> None:  # type: ignore[no-untyped-def]
    boss, task = f.actor(world["boss"]), world["task"]
    with pytest.raises(NotFound):  # outside the subtree: answered as a missing task, nothing revealed
        task_remind(task_id=task.pk, actor=f.actor(world["stranger"]), message="快办")
    with time_machine.travel(MONDAY + timedelta(hours=2), tick=False):
        reminder = task_remind(task_id=task.pk, actor=boss, message="请尽快审核")
    assert sorted(reminder.recipients) == sorted([world["clerk"].pk, world["clerk2"].pk])
    assert world["notifier"].sent[-1]["kind"] == "reminder"
    with time_machine.travel(MONDAY + timedelta(hours=2, minutes=30), tick=False), pytest.raises(Conflict) as err:
        task_remind(task_id=task.pk, actor=boss, message="再催")
    assert err.value.detail == {"retry_after_minutes": 30}
    with time_machine.travel(MONDAY + timedelta(hours=3, minutes=1), tick=False):
        task_remind(task_id=task.pk, actor=boss, message="再催")
    assert AuditEvent.objects.filter(action="task_reminded").count() == 2


def test_reassign_to_a_person_or_a_role(world) -> None:  # type: ignore[no-untyped-def]
    boss, task = f.actor(world["boss"]), world["task"]
    f.user("expert", roles=["reviewer"], dept=world["district"])
    f.user("outsider", roles=["reviewer"], dept=f.department("330200", "宁波市"))
    with pytest.raises(PermissionDenied):
        tasks_reassign(task_ids=[task.pk], actor=boss, to_username="outsider")
    with pytest.raises(ValidationFailed):
        tasks_reassign(task_ids=[task.pk], actor=boss, to_role="no-such-role")
    tasks_reassign(task_ids=[task.pk], actor=boss, to_username="expert")
    task.refresh_from_db()
    assert task.assignee.username == "expert"
    tasks_reassign(task_ids=[task.pk], actor=boss, to_role="supervisor")
    task.refresh_from_db()
    assert task.assignee_id is None and task.candidate_roles == ["supervisor"]
    assert list(inbox_for_actor(f.actor(world["clerk"]))) == []


def test_an_approved_extension_moves_the_due_time_and_resets_the_ladder(world) -> None:  # type: ignore[no-untyped-def]
    task = world["task"]
    assert task.due_at == datetime(2026, 6, 4, 18, 0, tzinfo=SHANGHAI)
    HumanTask.objects.filter(pk=task.pk).update(escalation_level=2)
    with weekday_calendar(), time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        request = extension_request(task_id=task.pk, actor=f.actor(world["clerk"]), working_days=2, reason="材料未齐")
        with pytest.raises(Conflict):
            extension_request(task_id=task.pk, actor=f.actor(world["clerk"]), working_days=1, reason="again")
        extension_decide(request_id=request.pk, actor=f.actor(world["boss"]), approve=True, note="同意")
    task.refresh_from_db()
    assert task.due_at == datetime(2026, 6, 8, 18, 0, tzinfo=SHANGHAI), "Thu + 2 working days = next Mon"
    assert task.escalation_level == 0 and task.next_escalation_at is not None
    assert task.next_escalation_at < task.due_at


def test_extension_must_be_asked_before_the_due_time(world) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(MONDAY + timedelta(days=5), tick=False), pytest.raises(Conflict):
        extension_request(task_id=world["task"].pk, actor=f.actor(world["clerk"]), working_days=2, reason="晚了")


def test_nobody_approves_their_own_extension_or_one_for_a_finished_task(world) -> None:  # type: ignore[no-untyped-def]
    boss_as_handler = world["boss"]
    task = world["task"]
    HumanTask.objects.filter(pk=task.pk).update(assignee=boss_as_handler)
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        own = extension_request(task_id=task.pk, actor=f.actor(boss_as_handler), working_days=1, reason="忙")
        with pytest.raises(PermissionDenied):
            extension_decide(request_id=own.pk, actor=f.actor(boss_as_handler), approve=True)
        HumanTask.objects.filter(pk=task.pk).update(status="completed")
        with pytest.raises(Conflict):
            extension_decide(request_id=own.pk, actor=f.actor(f.user("root", is_superuser=True)), approve=True)
