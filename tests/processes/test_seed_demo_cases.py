"""manage.py seed_demo_cases (run by `make run` after seed_demo and deploy_bpmn): every demo login finds a
lived-in web UI — tasks to claim and to finish, one overdue, one at 预警, a draft, a finished case, a 退回, a
material list with a scan, a 催办 and an extension request — and a second run adds nothing."""

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from processes.models import (
    Attachment,
    AuditEvent,
    ExtensionRequest,
    HumanTask,
    InstanceStatus,
    JobStatus,
    ProcessInstance,
    ServiceJob,
    TaskReminder,
    TaskStatus,
)
from processes.ports import Actor, directory
from processes.selectors import inbox_for_actor, inbox_tab_tasks
from processes.services.escalation import Level
from processes.services.supervision import supervised_department_ids, tasks_supervised

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def seeded() -> str:
    """What `make run` does before it serves: the directory, the diagrams, then the cases."""
    call_command("seed_demo", stdout=StringIO())
    call_command("deploy_bpmn", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo_cases", stdout=out)
    return out.getvalue()


def actor(username: str) -> Actor:
    return directory().actor_for(get_user_model().objects.get(username=username))


def test_reviewer_has_tasks_of_their_own_and_tasks_to_claim(seeded: str) -> None:
    """reviewer1's 我的待办 holds an overdue task, one at 预警 (yellow) and one with a draft; 待签收 holds more,
    and 已办 the finished review. The summary says whom to log in as."""
    reviewer, now = actor("reviewer1"), timezone.now()
    mine = list(inbox_for_actor(reviewer, scope="mine"))
    assert len(mine) >= 3
    assert inbox_for_actor(reviewer, scope="group").count() >= 3
    assert [t for t in mine if t.due_at is not None and t.due_at < now and t.escalation_level == Level.RED]
    assert [t for t in mine if t.due_at is not None and t.due_at > now and t.escalation_level == Level.YELLOW]
    assert [t for t in mine if t.draft]
    assert inbox_tab_tasks(reviewer, tab="done").exists()
    assert "reviewer1" in seeded and "supervisor1" in seeded and "/accounts/login/" in seeded


def test_the_approved_case_is_finished_by_its_service_task(seeded: str) -> None:
    """An approved case has run to its end: the service task recorded the decision, so the case page's
    timeline shows the whole history."""
    job = ServiceJob.objects.get(operator="approvals/decision_record")
    assert job.status == JobStatus.DONE
    assert job.instance.status == InstanceStatus.COMPLETED
    actions = set(AuditEvent.objects.filter(instance_id=job.instance_id).values_list("action", flat=True))
    assert {"instance_started", "task_claimed", "task_completed", "job_done", "instance_completed"} <= actions


def test_supervisor_sees_the_overdue_task_the_reminder_and_an_extension_to_decide(seeded: str) -> None:
    """supervisor1's 督办 lists show the overdue task (already 催办: reviewer1 was told) and an extension
    request waiting for a decision."""
    supervisor, reviewer = actor("supervisor1"), actor("reviewer1")
    overdue = list(tasks_supervised(supervisor, kind="overdue"))
    assert overdue and all(t.assignee_id == reviewer.user_id for t in overdue)
    assert tasks_supervised(supervisor, kind="at_risk").count() >= 2
    reminder = TaskReminder.objects.get(task__in=overdue)
    assert reminder.sent_by_id == supervisor.user_id and reminder.recipients == [reviewer.user_id]
    pending = ExtensionRequest.objects.get(status=ExtensionRequest.Status.PENDING)
    assert pending.task.department_id in supervised_department_ids(supervisor)
    assert pending.requested_by_id == reviewer.user_id


def test_material_cases_show_a_repeating_group_a_scan_and_a_return(seeded: str) -> None:
    """The 材料报送 cases carry a material list of several rows with a PDF scan; one came back to clerk1
    (退回) with the reviewer's opinion, another waits for clerk2 as a draft."""
    filled = HumanTask.objects.filter(process_key="material_submission", element_id="fill", status=TaskStatus.COMPLETED)
    data = filled.values_list("submitted_data", flat=True)[0]
    assert isinstance(data, dict)
    assert len(data["materials"]) == 3
    scan = Attachment.objects.get(pk=int(data["scans"][0].removeprefix("att:")))
    assert scan.file.read().startswith(b"%PDF-1.4") and scan.content_type == "application/pdf"
    returned = HumanTask.objects.get(status=TaskStatus.OPEN, assignee_id=actor("clerk1").user_id)
    assert returned.returned_from_id is not None and returned.opinion
    clerk2_task = inbox_for_actor(actor("clerk2"), scope="mine").get()
    assert clerk2_task.draft["materials"]


def test_a_second_run_adds_nothing(seeded: str) -> None:
    """`make run` runs the command every time: the second run adds nothing and says so."""
    before = (ProcessInstance.objects.count(), HumanTask.objects.count(), AuditEvent.objects.count())
    out = StringIO()
    call_command("seed_demo_cases", stdout=out)
    assert "nothing added" in out.getvalue()
    assert (ProcessInstance.objects.count(), HumanTask.objects.count(), AuditEvent.objects.count()) == before


def test_without_the_demo_directory_it_says_what_to_run_first() -> None:
    """Before seed_demo there is nobody to start a case: the command stops, names the step, adds nothing."""
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_demo_cases", stdout=StringIO())
    assert not ProcessInstance.objects.exists()
