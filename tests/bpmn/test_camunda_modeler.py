"""A diagram saved by Camunda Modeler 5 deploys and runs unchanged: candidateGroups route the task,
dueDate/priority land on the inbox row, an external-task topic names the handler, ${initiator} assigns."""

from datetime import timedelta

import pytest
from django.utils import timezone

from processes.models import HumanTask, ServiceJob
from processes.selectors import inbox_for_actor
from processes.services.inbox import human_task_complete
from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn import handlers  # noqa: F401  (registers testing/check)

pytestmark = pytest.mark.django_db(transaction=True)


def test_camunda_attributes_route_and_schedule_the_task() -> None:
    dept = f.department()
    head = f.user("head", roles=["dept_head"], dept=dept)
    deputy = f.user("deputy", roles=["deputy_head"], dept=dept)
    other = f.user("other", roles=["reviewer"], dept=dept)
    applicant = f.user("applicant")
    definition = f.deploy("camunda_modeler")
    assert definition.key == "leave_request" and definition.name == "请假申请"

    instance = instance_start(
        process_key="leave_request", actor=f.actor(applicant), department_id=dept.pk, data={"amount": 3}
    )
    task = HumanTask.objects.get(instance=instance, status="open")
    assert task.candidate_roles == ["dept_head", "deputy_head"]
    assert task.priority == 80
    assert timedelta(days=3) - timedelta(minutes=1) < task.due_at - timezone.now() <= timedelta(days=3)
    assert [t.pk for t in inbox_for_actor(f.actor(head))] == [task.pk]
    assert [t.pk for t in inbox_for_actor(f.actor(deputy))] == [task.pk]
    assert list(inbox_for_actor(f.actor(other))) == []

    human_task_complete(task_id=task.pk, actor=f.actor(deputy))
    job = ServiceJob.objects.get(instance=instance)
    assert job.operator == "testing/check" and job.status == "done"
    assert job.params["amount"] == 3, "an external task receives the process variables"

    ack = HumanTask.objects.get(instance=instance, status="open")
    assert ack.assignee_id == applicant.pk, "camunda:assignee=${initiator} assigns the starter"
    assert [t.pk for t in inbox_for_actor(f.actor(applicant), scope="mine")] == [ack.pk]
    human_task_complete(task_id=ack.pk, actor=f.actor(applicant))
    instance.refresh_from_db()
    assert instance.status == "completed"


def test_department_scope_limits_candidates_to_that_department() -> None:
    city = f.department("330100", "杭州市")
    district = f.department("330106", "西湖区", parent=city)
    city_head = f.user("cityhead", roles=["dept_head"], dept=city)
    district_head = f.user("disthead", roles=["dept_head"], dept=district)
    f.deploy("camunda_modeler")
    instance_start(process_key="leave_request", actor=f.actor(district_head), department_id=district.pk)
    [task] = inbox_for_actor(f.actor(district_head))
    assert task.department_id == district.pk
    assert list(inbox_for_actor(f.actor(city_head))) == []


def test_candidate_users_see_the_task_without_any_role() -> None:
    from tests.bpmn.diagrams import chain

    f.user("zhangsan")
    f.user("lisi")
    f.deploy(chain("by_name", '<bpmn:userTask id="sign" name="会签" camunda:candidateUsers="zhangsan, wangwu" />'))
    instance_start(process_key="by_name", actor=f.actor(f.user("applicant")))
    [task] = inbox_for_actor(f.actor(get_user("zhangsan")), scope="group")
    assert task.candidate_users == ["zhangsan", "wangwu"]
    assert list(inbox_for_actor(f.actor(get_user("lisi")))) == []


def get_user(username: str):  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)
