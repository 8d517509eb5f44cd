"""Failure modes found in review: each is a behaviour an operator or a clerk would notice."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from handlers.registry import ServiceCall, handler
from processes.errors import EngineFailure, MessageNotCorrelated
from processes.models import AuditEvent, HumanTask, Incident, ServiceJob
from processes.services import jobs as job_services
from processes.services.inbox import human_task_complete, human_task_return
from processes.services.instances import instance_start, message_correlate
from processes.tasks import timers_fire_due
from tests import factories as f
from tests.bpmn.diagrams import chain, script_task, user_task
from tests.bpmn.test_runtime import MESSAGE, WAIT_10_MIN, WAIT_PAID

pytestmark = pytest.mark.django_db(transaction=True)

CALLS: list[str] = []


@handler("testing/ok")
def ok(call: ServiceCall) -> dict[str, bool]:
    """Records the call. Params: none. Result: {"ok": true}."""
    CALLS.append(call.idempotency_key)
    return {"ok": True}


SERVICE = (
    '<bpmn:serviceTask id="svc" name="svc"><bpmn:extensionElements>'
    '<spiffworkflow:serviceTaskOperator id="testing/ok" resultVariable="r">'
    "<spiffworkflow:parameters /></spiffworkflow:serviceTaskOperator>"
    "</bpmn:extensionElements></bpmn:serviceTask>"
)
CORRELATED = """<bpmn:message id="msg_paid" name="paid" />
  <bpmn:correlationProperty id="order_id" name="order_id">
    <bpmn:correlationPropertyRetrievalExpression messageRef="msg_paid">
      <bpmn:formalExpression>order_id</bpmn:formalExpression>
    </bpmn:correlationPropertyRetrievalExpression>
  </bpmn:correlationProperty>"""
WAIT_CORRELATED = (
    '<bpmn:intermediateCatchEvent id="wait_paid">'
    '<bpmn:messageEventDefinition id="wait_paid_def" messageRef="msg_paid" /></bpmn:intermediateCatchEvent>'
)


def open_task(instance):  # type: ignore[no-untyped-def]
    return HumanTask.objects.get(instance=instance, status="open")


def test_a_second_return_in_a_row_goes_one_step_further_back() -> None:
    clerk = f.user("clerk", roles=["a", "b", "c"], dept=f.department())
    f.deploy(chain("three", user_task("A", "a"), user_task("B", "b"), user_task("C", "c")))
    instance = instance_start(process_key="three", actor=f.actor(clerk), department_id=f.department().pk)
    human_task_complete(task_id=open_task(instance).pk, actor=f.actor(clerk))
    human_task_complete(task_id=open_task(instance).pk, actor=f.actor(clerk))
    human_task_return(task_id=open_task(instance).pk, actor=f.actor(clerk), opinion="退回 B")
    human_task_return(task_id=open_task(instance).pk, actor=f.actor(clerk), opinion="再退回 A")
    assert open_task(instance).element_id == "A" and not Incident.objects.exists()


def test_engine_failure_after_a_job_parks_the_job_with_its_incident() -> None:
    """The step after a successful handler fails: the job waits as failed, linked to one incident,
    and the sweeper does not run the handler again by itself."""
    CALLS.clear()
    f.deploy(chain("svc_then_bad", SERVICE, script_task("bad", "x = missing_var + 1")))
    instance_start(process_key="svc_then_bad", actor=f.actor(f.user("u")))
    job = ServiceJob.objects.get()
    assert job.status == "failed"
    incident = Incident.objects.get()
    assert incident.job_id == job.pk and incident.element_id == "bad"
    ServiceJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(days=1))
    assert job_services.jobs_sweep() == [] and len(CALLS) == 1


def test_a_failing_timer_opens_one_incident_not_one_per_poll() -> None:
    f.deploy(chain("timer_bad", WAIT_10_MIN, script_task("bad", "x = missing_var + 1")))
    instance = instance_start(process_key="timer_bad", actor=f.actor(f.user("u")))
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        for _ in range(5):
            timers_fire_due()
    assert Incident.objects.filter(instance=instance).count() == 1
    assert AuditEvent.objects.filter(action="incident_opened").count() == 1


def test_an_unresolved_department_scope_fails_closed() -> None:
    owner = f.user("owner", roles=["reviewer"], dept=f.department("330106", "西湖区"))
    f.deploy(chain("scoped", user_task("rev", "reviewer", 'tongban:departmentScope="dept_code"')))
    with pytest.raises(EngineFailure) as err:
        instance_start(process_key="scoped", actor=f.actor(owner), data={"dept_code": "33O106"})
    assert "33O106" in err.value.message and not HumanTask.objects.exists()


def test_an_expression_error_in_a_task_attribute_is_an_incident_not_a_500() -> None:
    user = f.user("u", roles=["clerk", "reviewer"], dept=f.department())
    f.deploy(chain("scope_err", user_task("a", "clerk"), user_task("b", "reviewer", 'tongban:departmentScope="nope"')))
    instance = instance_start(process_key="scope_err", actor=f.actor(user), department_id=f.department().pk)
    task = open_task(instance)
    client = Client()
    client.login(username="u", password="pass12345")
    response = client.post(f"/api/tasks/{task.pk}/complete/", {"data": {}}, content_type="application/json")
    assert response.status_code == 422
    task.refresh_from_db()
    assert task.status == "open" and Incident.objects.get().element_id == "b"


def test_a_correlation_key_that_cannot_be_computed_matches_no_message() -> None:
    user = f.user("u", roles=["clerk"], dept=f.department())
    f.deploy(chain("corr", WAIT_CORRELATED, user_task("ship"), before=CORRELATED))
    right = instance_start(process_key="corr", actor=f.actor(user), data={"order_id": 1})
    wrong = instance_start(process_key="corr", actor=f.actor(user), data={"orderId": 7})
    with pytest.raises(MessageNotCorrelated):
        message_correlate(name="paid", actor=f.actor(user), correlation={"order_id": 2}, payload={"order_id": 2})
    assert message_correlate(
        name="paid", actor=f.actor(user), correlation={"order_id": 1}, payload={"order_id": 1}
    ) == [right.pk]
    assert not HumanTask.objects.filter(instance=wrong).exists()


def test_only_staff_or_the_permission_may_send_messages() -> None:
    owner = f.user("owner", roles=["clerk"], dept=f.department())
    f.deploy(chain("paid", WAIT_PAID, user_task("ship"), before=MESSAGE))
    instance = instance_start(process_key="paid", actor=f.actor(owner), business_key="ORDER-1")
    f.user("nobody")
    client = Client()
    client.login(username="nobody", password="pass12345")
    body = {"name": "payment_received", "payload": {"amount": 0}}
    assert client.post("/api/messages/", body, content_type="application/json").status_code == 403
    assert not HumanTask.objects.filter(instance=instance).exists()
    f.user("ops", is_staff=True)
    client.login(username="ops", password="pass12345")
    response = client.post("/api/messages/", body, content_type="application/json")
    assert response.status_code == 200 and response.json()["instances"] == [instance.pk]
