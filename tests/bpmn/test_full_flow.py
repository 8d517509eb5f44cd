"""A diagram with lanes, a gateway, a service task with an error boundary and a boundary timer,
run end to end through the services (tests/fixtures/full_flow.bpmn)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from processes.models import AuditEvent, HumanTask, Incident, ServiceJob, TimerSchedule
from processes.ports import SYSTEM
from processes.selectors import inbox_for_actor
from processes.services.inbox import human_task_complete
from processes.services.instances import instance_start
from processes.services.jobs import incident_retry, incident_skip
from processes.tasks import timers_fire_due
from tests import factories as f
from tests.bpmn import handlers as test_handlers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people():  # type: ignore[no-untyped-def]
    dept = f.department()
    f.deploy("full_flow")
    return {
        "dept": dept,
        "cataloguer": f.user("cat", roles=["cataloguer"], dept=dept),
        "reviewer": f.user("rev", roles=["reviewer"], dept=dept),
        "supervisor": f.user("sup", roles=["supervisor"], dept=dept),
    }


def start(people, amount: int):  # type: ignore[no-untyped-def]
    instance = instance_start(
        process_key="full_flow", actor=f.actor(people["cataloguer"]), department_id=people["dept"].pk
    )
    [task] = inbox_for_actor(f.actor(people["cataloguer"]), scope="group")
    assert task.element_id == "prepare" and task.candidate_roles == ["cataloguer"], "lane name is the role"
    human_task_complete(task_id=task.pk, actor=f.actor(people["cataloguer"]), data={"amount": amount})
    instance.refresh_from_db()
    return instance


def open_task(instance):  # type: ignore[no-untyped-def]
    return HumanTask.objects.get(instance=instance, status="open")


def test_small_amount_takes_the_default_flow_and_ends(people) -> None:  # type: ignore[no-untyped-def]
    instance = start(people, 10)
    assert instance.status == "completed"
    assert ServiceJob.objects.get(instance=instance).result == {"checked": True, "amount": 10}


def test_big_amount_goes_to_the_reviewer_lane(people) -> None:  # type: ignore[no-untyped-def]
    instance = start(people, 5000)
    task = open_task(instance)
    assert task.element_id == "review" and task.candidate_roles == ["reviewer"]
    assert [t.pk for t in inbox_for_actor(f.actor(people["reviewer"]))] == [task.pk]
    assert list(inbox_for_actor(f.actor(people["cataloguer"]))) == []
    human_task_complete(task_id=task.pk, actor=f.actor(people["reviewer"]))
    instance.refresh_from_db()
    assert instance.status == "completed"
    assert not TimerSchedule.objects.filter(instance=instance).exists(), "the boundary timer is gone with its task"


def test_handler_error_with_matching_code_follows_the_error_boundary(people) -> None:  # type: ignore[no-untyped-def]
    instance = start(people, -5)
    task = open_task(instance)
    assert task.element_id == "fix"
    job = ServiceJob.objects.get(instance=instance)
    assert job.status == "failed" and not Incident.objects.exists()


def test_handler_error_without_boundary_opens_an_incident_that_can_be_skipped(people) -> None:  # type: ignore[no-untyped-def]
    instance = start(people, 666)
    incident = Incident.objects.get(instance=instance)
    assert incident.element_id == "check" and "refused" in incident.message
    assert instance.status == "running" and not HumanTask.objects.filter(instance=instance, status="open").exists()
    incident_skip(incident_id=incident.pk, actor=SYSTEM, result={"checked": False})
    instance.refresh_from_db()
    assert instance.status == "completed"  # amount 666 < 1000 → default flow
    incident.refresh_from_db()
    assert incident.status == "skipped"


def test_incident_retry_runs_the_job_again(people) -> None:  # type: ignore[no-untyped-def]
    instance = start(people, 666)
    incident = Incident.objects.get(instance=instance)
    calls_before = len(test_handlers.CALLS)
    # The remote side was fixed meanwhile (here: the stored parameters, which the retry re-reads).
    ServiceJob.objects.filter(instance=instance).update(params={"amount": 7})
    incident_retry(incident_id=incident.pk, actor=SYSTEM)
    instance.refresh_from_db()
    assert instance.status == "completed" and len(test_handlers.CALLS) == calls_before + 1
    assert ServiceJob.objects.get(instance=instance).status == "done"


def test_boundary_timer_interrupts_review_and_escalates(people) -> None:  # type: ignore[no-untyped-def]
    instance = start(people, 5000)
    timer = TimerSchedule.objects.get(instance=instance)
    assert timer.element_id == "review_timeout"
    assert timedelta(minutes=59) < timer.due_at - timezone.now() <= timedelta(hours=1)
    assert timers_fire_due() == 0, "nothing is due yet"
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1), tick=False):
        assert timers_fire_due() == 1
    review = HumanTask.objects.get(instance=instance, element_id="review")
    assert review.status == "cancelled"
    escalation = open_task(instance)
    assert escalation.element_id == "escalate" and escalation.candidate_roles == ["supervisor"]
    assert escalation.form_key == "review", "spiff formJsonSchemaFilename property is read as the form"
    assert AuditEvent.objects.filter(instance_id=instance.pk, action="timer_fired").count() == 1
    human_task_complete(
        task_id=escalation.pk, actor=f.actor(people["supervisor"]), data={"approved": True, "opinion": "已督办"}
    )
    instance.refresh_from_db()
    assert instance.status == "completed"
