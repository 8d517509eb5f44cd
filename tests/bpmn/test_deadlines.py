"""Deadlines drawn in BPMN: `tongban:slaWorkingDays` on user tasks and `tongban:workingDays` on
timer events land on the work calendar; `tongban:escalation` thresholds travel with the task."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from processes.engine.compile import DefinitionInvalid
from processes.models import HumanTask, TimerSchedule
from processes.services.definitions import definition_deploy
from processes.services.instances import instance_start
from processes.tasks import timers_fire_due
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task
from tests.calendar_fake import weekday_calendar

pytestmark = pytest.mark.django_db(transaction=True)
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Friday 2026-06-05 10:00 in Shanghai.
FRIDAY = datetime(2026, 6, 5, 10, 0, tzinfo=SHANGHAI)

SLA_TASK = user_task(
    "review",
    "reviewer",
    'tongban:slaWorkingDays="urgency == \'urgent\' and 3 or 15" tongban:escalation="blue=0.5;yellow=2"',
)
TIMED_TASK = (
    '<bpmn:userTask id="handle" name="承办" camunda:candidateGroups="reviewer" />'
    '<bpmn:boundaryEvent id="late" attachedToRef="handle" tongban:workingDays="2">'
    '<bpmn:timerEventDefinition id="late_def"><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>'
    "</bpmn:boundaryEvent>"
)


@pytest.fixture(autouse=True)
def fake_calendar():  # type: ignore[no-untyped-def]
    with weekday_calendar() as calendar:
        yield calendar


def test_sla_in_working_days_skips_the_weekend_and_carries_the_policy() -> None:
    f.deploy(chain("sla", SLA_TASK))
    clerk = f.user("clerk")
    with time_machine.travel(FRIDAY, tick=False):
        urgent = instance_start(process_key="sla", actor=f.actor(clerk), data={"urgency": "urgent"})
        normal = instance_start(process_key="sla", actor=f.actor(clerk), data={"urgency": "normal"})
    urgent_task = HumanTask.objects.get(instance=urgent)
    assert urgent_task.due_at == datetime(2026, 6, 10, 18, 0, tzinfo=SHANGHAI), "Fri + 3 working days = Wed"
    assert urgent_task.sla_started_at == FRIDAY
    assert urgent_task.escalation_policy == {"blue_share": 0.5, "yellow_working_days": 2.0}
    assert HumanTask.objects.get(instance=normal).due_at == datetime(2026, 6, 26, 18, 0, tzinfo=SHANGHAI)


def test_a_working_day_timer_fires_on_the_right_calendar_day() -> None:
    """The timer's own PT1H is replaced: 2 working days from Friday is Tuesday 18:00."""
    xml = chain("timed", TIMED_TASK).replace(
        '<bpmn:sequenceFlow id="f1" sourceRef="handle" targetRef="late" />',
        '<bpmn:sequenceFlow id="f1" sourceRef="handle" targetRef="end" />',
    )
    f.deploy(xml)
    with time_machine.travel(FRIDAY, tick=False):
        instance = instance_start(process_key="timed", actor=f.actor(f.user("clerk")))
    timer = TimerSchedule.objects.get(instance=instance)
    assert timer.due_at == datetime(2026, 6, 9, 18, 0, tzinfo=SHANGHAI)
    with time_machine.travel(datetime(2026, 6, 9, 17, 59, tzinfo=SHANGHAI), tick=False):
        assert timers_fire_due() == 0
    with time_machine.travel(datetime(2026, 6, 9, 18, 1, tzinfo=SHANGHAI), tick=False):
        assert timers_fire_due() == 1
    instance.refresh_from_db()
    assert instance.status == "completed", "the interrupting timer took the task's place"
    assert HumanTask.objects.get(instance=instance).status == "cancelled"


@pytest.mark.parametrize(
    ("attribute", "fragment"),
    [
        ('tongban:escalation="blue=2"', "blue"),
        ('tongban:escalation="red=1"', "unknown"),
        ("tongban:slaWorkingDays=\"__import__('os')\"", "__import__"),
    ],
)
def test_bad_deadline_attributes_are_refused_at_deploy(attribute: str, fragment: str) -> None:
    with pytest.raises(DefinitionInvalid) as err:
        definition_deploy(bpmn_xml=chain("bad_sla", user_task("review", "reviewer", attribute)))
    assert any(fragment in p.message and p.element_id == "review" for p in err.value.problems)


def test_working_days_expression_is_checked_at_deploy() -> None:
    with pytest.raises(DefinitionInvalid) as err:
        definition_deploy(bpmn_xml=chain("bad_timer", TIMED_TASK.replace('"2"', "\"open('x')\"")))
    assert any(p.element_id == "late" for p in err.value.problems)


def test_provisional_year_is_marked_on_the_task() -> None:
    f.deploy(chain("sla", SLA_TASK))
    with time_machine.travel(datetime(2026, 12, 30, 10, 0, tzinfo=SHANGHAI), tick=False):
        instance = instance_start(process_key="sla", actor=f.actor(f.user("clerk")), data={"urgency": "urgent"})
    task = HumanTask.objects.get(instance=instance)
    assert task.due_at.astimezone(SHANGHAI).year == 2027 and task.due_provisional
    assert task.due_at - datetime(2026, 12, 30, 10, 0, tzinfo=SHANGHAI) > timedelta(days=3)


def test_a_bpmn_sla_task_climbs_the_ladder_once_per_level(fake_calendar, notifier) -> None:  # type: ignore[no-untyped-def]
    from processes.models import AuditEvent
    from processes.services.escalation import escalation_tick

    city = f.department("330100", "杭州市")
    district = f.department("330106", "西湖区", parent=city)
    clerk = f.user("clerk", roles=["reviewer"], dept=district)
    district_boss = f.user("dboss", roles=["supervisor"], dept=district)
    city_boss = f.user("cboss", roles=["supervisor"], dept=city)
    f.deploy(chain("sla", SLA_TASK))
    with time_machine.travel(FRIDAY, tick=False):
        instance = instance_start(
            process_key="sla",
            actor=f.actor(f.user("applicant")),
            department_id=district.pk,
            data={"urgency": "urgent"},
        )
    task = HumanTask.objects.get(instance=instance)
    assert task.next_escalation_at is not None and FRIDAY < task.next_escalation_at < task.due_at
    for hours in (1, 24 * 3, 24 * 6, 24 * 6):  # not yet; blue+yellow; red; a restarted beat: nothing
        with time_machine.travel(FRIDAY + timedelta(hours=hours), tick=False):
            escalation_tick()
    task.refresh_from_db()
    levels = list(AuditEvent.objects.filter(action="task_escalated").values_list("payload__level", flat=True))
    assert task.escalation_level == 3 and levels == [1, 2, 3]
    # Blue to the candidates, yellow to the department's supervisors, red to the next department up.
    assert [(m["kind"], m["user_ids"]) for m in notifier.sent] == [
        ("task_escalated_blue", [clerk.pk]),
        ("task_escalated_yellow", [district_boss.pk]),
        ("task_escalated_red", [city_boss.pk]),
    ]


def test_provisional_due_times_move_when_the_official_year_arrives(fake_calendar) -> None:  # type: ignore[no-untyped-def]
    from processes import ports
    from processes.models import AuditEvent
    from processes.services.deadlines import deadlines_recompute_provisional
    from tests.calendar_fake import WeekdayCalendar

    class Official2027(WeekdayCalendar):
        """The arrangement as published: 4 Jan 2027 is a holiday, and the year is official."""

        def add_working_days(self, start, days):  # type: ignore[no-untyped-def]
            due = super().add_working_days(start, days + 1)
            return ports.Due(at=due.at, provisional=False)

    f.deploy(chain("sla", SLA_TASK))
    with time_machine.travel(datetime(2026, 12, 30, 10, 0, tzinfo=SHANGHAI), tick=False):
        instance = instance_start(process_key="sla", actor=f.actor(f.user("clerk")), data={"urgency": "urgent"})
    task = HumanTask.objects.get(instance=instance)
    assert task.due_provisional and task.sla_working_days == 3
    ports.register_calendar(Official2027())
    assert deadlines_recompute_provisional(years=[2027]) == 1
    assert deadlines_recompute_provisional(years=[2027]) == 0, "nothing left to move"
    task.refresh_from_db()
    assert not task.due_provisional and task.due_at == datetime(2027, 1, 5, 18, 0, tzinfo=SHANGHAI)
    assert AuditEvent.objects.filter(action="task_due_recomputed", task_id=task.pk).count() == 1


MODELLED = (
    '<bpmn:userTask id="handle" name="承办" camunda:candidateGroups="reviewer" tongban:slaWorkingDays="3" />'
    '<bpmn:boundaryEvent id="nudge" attachedToRef="handle" cancelActivity="false" tongban:workingDays="1">'
    '<bpmn:timerEventDefinition id="nudge_def" /></bpmn:boundaryEvent>'
    '<bpmn:userTask id="remind" name="提醒承办人" camunda:candidateGroups="supervisor" />'
    '<bpmn:endEvent id="nudge_end" />'
    '<bpmn:sequenceFlow id="n1" sourceRef="nudge" targetRef="remind" />'
    '<bpmn:sequenceFlow id="n2" sourceRef="remind" targetRef="nudge_end" />'
)


def test_modelled_escalation_and_the_ladder_work_together(fake_calendar) -> None:  # type: ignore[no-untyped-def]
    """A non-interrupting working-day timer opens a reminder task while the original task stays open
    and keeps its SLA and ladder."""
    xml = chain("modelled", MODELLED.split("<bpmn:boundaryEvent")[0]).replace(
        "</bpmn:process>", "<bpmn:boundaryEvent" + MODELLED.split("<bpmn:boundaryEvent", 1)[1] + "</bpmn:process>"
    )
    f.deploy(xml)
    with time_machine.travel(FRIDAY, tick=False):
        instance = instance_start(process_key="modelled", actor=f.actor(f.user("clerk")))
    handle = HumanTask.objects.get(instance=instance, element_id="handle")
    assert handle.due_at == datetime(2026, 6, 10, 18, 0, tzinfo=SHANGHAI) and handle.next_escalation_at is not None
    assert TimerSchedule.objects.get(instance=instance).due_at == datetime(2026, 6, 8, 18, 0, tzinfo=SHANGHAI)
    with time_machine.travel(datetime(2026, 6, 8, 18, 1, tzinfo=SHANGHAI), tick=False):
        assert timers_fire_due() == 1
    open_tasks = dict(HumanTask.objects.filter(instance=instance, status="open").values_list("element_id", "pk"))
    assert set(open_tasks) == {"handle", "remind"} and open_tasks["handle"] == handle.pk


@pytest.mark.parametrize(
    ("due", "ok"), [("P1W", True), ("P1M", True), ("P3D", True), ("2025-02-30", False), ("tomorrow", False)]
)
def test_due_date_literals_are_checked_at_deploy(due: str, ok: bool) -> None:
    xml = chain(f"due_{ok}", user_task("review", "reviewer", f'camunda:dueDate="{due}"'))
    if ok:
        definition_deploy(bpmn_xml=xml)
        return
    with pytest.raises(DefinitionInvalid) as err:
        definition_deploy(bpmn_xml=xml)
    assert any(p.element_id == "review" and "dueDate" in p.message for p in err.value.problems)


def test_a_bad_computed_due_date_is_an_engine_failure_not_a_500() -> None:
    from processes.errors import EngineFailure

    f.deploy(chain("due_expr", user_task("review", "reviewer", 'camunda:dueDate="${deadline}"')))
    with pytest.raises(EngineFailure):
        instance_start(process_key="due_expr", actor=f.actor(f.user("clerk")), data={"deadline": "2025-02-30"})
