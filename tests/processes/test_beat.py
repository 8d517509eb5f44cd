"""A boundary timer fired by a real `celery beat` and a real `celery worker` (CI: PostgreSQL + Redis).

Nothing in this process fires the timer: the beat sends processes.tasks.timers_fire_due every second
(TONGBAN_TIMER_POLL_SECONDS=1, see tests/worker_support.py), the worker runs it against pytest-django's
test database, and the test only polls the database.
"""

import re

import pytest

from processes.models import AuditEvent, HumanTask, InstanceStatus, ProcessInstance, TaskStatus, TimerSchedule
from processes.services.instances import instance_start
from tests import factories as f
from tests import worker_support as ws
from tests.bpmn.diagrams import chain, user_task

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TIMER_SECONDS = 3
FIRE_TIMEOUT = 40
TIMER_TASK = "processes.tasks.timers_fire_due"

# handle ──(after PT3S, interrupting)──▶ escalated → end;  handle → end when completed in time.
BOUNDARY = (
    '<bpmn:boundaryEvent id="late" attachedToRef="handle" cancelActivity="true">'
    f'<bpmn:timerEventDefinition id="late_def"><bpmn:timeDuration>PT{TIMER_SECONDS}S</bpmn:timeDuration>'
    "</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
)


def timed_diagram() -> str:
    xml = chain("beat_timer", user_task("handle"), BOUNDARY, user_task("escalated", "supervisor"))
    normal_exit = '<bpmn:sequenceFlow id="f1" sourceRef="handle" targetRef="late" />'
    assert normal_exit in xml
    return xml.replace(normal_exit, '<bpmn:sequenceFlow id="f1" sourceRef="handle" targetRef="end" />')


def task_states(instance: ProcessInstance) -> dict[str, str]:
    return dict(HumanTask.objects.filter(instance=instance).values_list("element_id", "status"))


def fire_results(log: str) -> list[int]:
    """The return values of the worker's timers_fire_due runs, in order."""
    return [int(n) for n in re.findall(rf"Task {re.escape(TIMER_TASK)}\[[^\]]+\] succeeded in [0-9.]+s: (\d+)", log)]


def polls_after_firing(log: str) -> int:
    """How many timers_fire_due runs followed the one that fired a timer (-1: none fired yet)."""
    results = fire_results(log)
    return len(results) - results.index(1) - 1 if 1 in results else -1


def test_beat_and_worker_fire_an_interrupting_boundary_timer(workers: ws.Workers) -> None:
    beat = workers.start_beat(wait=False)  # starts while the worker boots
    worker = workers.start()
    workers.beat_ready(beat)

    f.deploy(timed_diagram())
    instance = instance_start(process_key="beat_timer", actor=f.actor(f.user("clerk")), business_key="BEAT-1")
    assert task_states(instance) == {"handle": TaskStatus.OPEN}
    [timer] = TimerSchedule.objects.filter(instance=instance)
    assert timer.element_id == "late"

    expected = {"handle": TaskStatus.CANCELLED, "escalated": TaskStatus.OPEN}
    try:
        ws.wait_for(lambda: task_states(instance) == expected, timeout=FIRE_TIMEOUT, what="the timer to fire")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; tasks: {task_states(instance)}\n{workers.logs()[-6000:]}") from None

    # Let the beat poll twice more: the fired timer must not fire again.
    ws.wait_for(lambda: polls_after_firing(worker.log()) >= 2, timeout=10, what="two more timer polls")

    instance.refresh_from_db()
    assert instance.status == InstanceStatus.RUNNING
    actions = list(AuditEvent.objects.filter(instance_id=instance.pk).values_list("action", flat=True))
    assert actions.count("timer_fired") == 1, actions
    assert not TimerSchedule.objects.filter(instance=instance).exists()
    # The beat sent the task, the worker (not this process) ran it and fired exactly one instance once.
    assert beat.sent(TIMER_TASK) >= 3, beat.log()
    assert "Sending due task fire-due-timers (processes.tasks.timers_fire_due)" in beat.log()
    assert fire_results(worker.log()).count(1) == 1, worker.log()

    # SIGTERM stops the beat cleanly (it saves its schedule and exits 0), leaving no process behind.
    beat.stop()
    assert beat.process.returncode == 0, beat.log()
    assert not ws.group_members(beat.pid)
