"""The general approval diagram (bpmn/approval.bpmn), end to end through the services."""

import pytest

from domain.approvals.models import DecisionRecord
from processes.errors import Conflict, PermissionDenied, ValidationFailed
from processes.models import AuditEvent, HumanTask, ServiceJob
from processes.selectors import inbox_for_actor
from processes.services.inbox import human_task_claim, human_task_complete
from processes.services.instances import instance_start
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup():  # type: ignore[no-untyped-def]
    dept = f.department()
    clerk = f.user("clerk", roles=["reviewer"], dept=dept)
    outsider = f.user("outsider", roles=["cataloguer"], dept=dept)
    applicant = f.user("applicant")
    f.deploy("approval")
    return dept, clerk, outsider, applicant


def test_approved_request_records_decision_and_completes(setup) -> None:  # type: ignore[no-untyped-def]
    """A reviewer sees the task in the group inbox, completes it, the service job writes one row."""
    dept, clerk, outsider, applicant = setup
    instance = instance_start(
        process_key="approval",
        actor=f.actor(applicant),
        business_key="REQ-1",
        data={"title": "申请"},
        department_id=dept.pk,
    )
    assert list(inbox_for_actor(f.actor(outsider))) == []
    [task] = inbox_for_actor(f.actor(clerk), scope="group")
    assert task.name == "审核" and task.form_key == "review" and task.priority == 60
    human_task_complete(task_id=task.pk, actor=f.actor(clerk), data={"approved": True, "opinion": "同意"})
    instance.refresh_from_db()
    assert instance.status == "completed"
    assert DecisionRecord.objects.get(business_key="REQ-1").approved is True
    assert ServiceJob.objects.get(instance=instance).status == "done"
    actions = list(AuditEvent.objects.filter(instance_id=instance.pk).values_list("action", flat=True))
    assert actions[0] == "instance_started" and "task_completed" in actions and actions[-1] == "instance_completed"


def test_invalid_form_data_is_refused_and_nothing_advances(setup) -> None:  # type: ignore[no-untyped-def]
    dept, clerk, _outsider, applicant = setup
    instance_start(process_key="approval", actor=f.actor(applicant), department_id=dept.pk)
    task = HumanTask.objects.get()
    with pytest.raises(ValidationFailed) as err:
        human_task_complete(task_id=task.pk, actor=f.actor(clerk), data={"approved": "yes"})
    assert set(err.value.detail) == {"approved", "opinion"}
    task.refresh_from_db()
    assert task.status == "open" and DecisionRecord.objects.count() == 0


def test_second_completion_is_a_conflict(setup) -> None:  # type: ignore[no-untyped-def]
    dept, clerk, _outsider, applicant = setup
    instance_start(process_key="approval", actor=f.actor(applicant), department_id=dept.pk)
    task = HumanTask.objects.get()
    human_task_complete(task_id=task.pk, actor=f.actor(clerk), data={"approved": False, "opinion": "不同意"})
    with pytest.raises(Conflict):
        human_task_complete(task_id=task.pk, actor=f.actor(clerk), data={"approved": True, "opinion": "x"})
    assert DecisionRecord.objects.count() == 0


def test_outsider_cannot_claim(setup) -> None:  # type: ignore[no-untyped-def]
    dept, clerk, outsider, applicant = setup
    instance_start(process_key="approval", actor=f.actor(applicant), department_id=dept.pk)
    task = HumanTask.objects.get()
    with pytest.raises(PermissionDenied):
        human_task_claim(task_id=task.pk, actor=f.actor(outsider))
    human_task_claim(task_id=task.pk, actor=f.actor(clerk))
    task.refresh_from_db()
    assert task.assignee_id == clerk.pk


def test_an_instance_remembers_the_domain_object_it_is_about(setup) -> None:  # type: ignore[no-untyped-def]
    dept, _clerk, _outsider, applicant = setup
    instance = instance_start(process_key="approval", actor=f.actor(applicant), subject=dept, department_id=dept.pk)
    instance.refresh_from_db()
    assert instance.subject == dept and instance.subject_id == str(dept.pk)
