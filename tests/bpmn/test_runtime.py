"""Instance behaviour through the one locked path: timers, messages, suspend/resume, cancel,
退回/转办, loops, and expressions refused at run time."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from processes.engine import expressions
from processes.errors import Conflict, EngineFailure, MessageNotCorrelated
from processes.models import AuditEvent, HumanTask, Incident, ProcessDefinition, ProcessInstance, TimerSchedule
from processes.services.inbox import human_task_complete, human_task_delegate, human_task_return
from processes.services.instances import (
    instance_cancel,
    instance_resume,
    instance_start,
    instance_suspend,
    message_correlate,
)
from processes.tasks import timers_fire_due
from tests import factories as f
from tests.bpmn.diagrams import chain, script_task, user_task

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGE = '<bpmn:message id="msg_paid" name="payment_received" />'
WAIT_PAID = (
    '<bpmn:intermediateCatchEvent id="wait_paid"><bpmn:extensionElements>'
    "<spiffworkflow:messageVariable>payment</spiffworkflow:messageVariable></bpmn:extensionElements>"
    '<bpmn:messageEventDefinition id="wait_paid_def" messageRef="msg_paid" /></bpmn:intermediateCatchEvent>'
)
WAIT_10_MIN = (
    '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition id="wait_def">'
    "<bpmn:timeDuration>PT10M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
)


@pytest.fixture
def clerk():  # type: ignore[no-untyped-def]
    return f.user("clerk", roles=["clerk", "cataloguer", "reviewer"], dept=f.department())


def start(key: str, user, **kw):  # type: ignore[no-untyped-def]
    return instance_start(process_key=key, actor=f.actor(user), department_id=f.department().pk, **kw)


def open_task(instance):  # type: ignore[no-untyped-def]
    return HumanTask.objects.get(instance=instance, status="open")


def test_intermediate_timer_waits_then_fires(clerk) -> None:  # type: ignore[no-untyped-def]
    f.deploy(chain("timed", WAIT_10_MIN, user_task("after")))
    instance = start("timed", clerk)
    assert not HumanTask.objects.filter(instance=instance).exists()
    assert TimerSchedule.objects.get(instance=instance).element_id == "wait"
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        timers_fire_due()
    assert open_task(instance).element_id == "after"
    assert not TimerSchedule.objects.filter(instance=instance).exists()


def test_message_reaches_only_the_instance_with_the_business_key(clerk) -> None:  # type: ignore[no-untyped-def]
    f.deploy(chain("paid", WAIT_PAID, user_task("ship"), before=MESSAGE))
    first = start("paid", clerk, business_key="ORDER-1")
    second = start("paid", clerk, business_key="ORDER-2")
    with pytest.raises(MessageNotCorrelated):
        message_correlate(name="payment_received", actor=f.actor(clerk), correlation={"business_key": "ORDER-9"})
    with pytest.raises(MessageNotCorrelated):
        message_correlate(name="no_such_message", actor=f.actor(clerk))
    reached = message_correlate(
        name="payment_received", actor=f.actor(clerk), correlation={"business_key": "ORDER-2"}, payload={"amount": 12}
    )
    assert reached == [second.pk]
    ship = open_task(second)
    assert ship.element_id == "ship"
    assert not HumanTask.objects.filter(instance=first).exists()
    assert AuditEvent.objects.filter(instance_id=second.pk, action="message_received").count() == 1


def test_suspended_instance_accepts_nothing_until_resumed(clerk) -> None:  # type: ignore[no-untyped-def]
    f.deploy(chain("susp", user_task("a"), WAIT_10_MIN, user_task("b")))
    instance = start("susp", clerk)
    instance_suspend(instance_id=instance.pk, actor=f.actor(clerk))
    with pytest.raises(Conflict):
        human_task_complete(task_id=open_task(instance).pk, actor=f.actor(clerk))
    instance_resume(instance_id=instance.pk, actor=f.actor(clerk))
    human_task_complete(task_id=open_task(instance).pk, actor=f.actor(clerk))
    instance_suspend(instance_id=instance.pk, actor=f.actor(clerk))
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        assert timers_fire_due() == 0, "a suspended instance's timers wait"
        instance_resume(instance_id=instance.pk, actor=f.actor(clerk))
    assert open_task(instance).element_id == "b"


def test_cancel_closes_open_tasks_and_timers(clerk) -> None:  # type: ignore[no-untyped-def]
    f.deploy(chain("cancel_me", user_task("a")))
    instance = start("cancel_me", clerk)
    task = open_task(instance)
    instance_cancel(instance_id=instance.pk, actor=f.actor(clerk), reason="重复申请")
    instance.refresh_from_db()
    task.refresh_from_db()
    assert instance.status == "cancelled" and task.status == "cancelled"
    with pytest.raises(Conflict):
        human_task_complete(task_id=task.pk, actor=f.actor(clerk))


def test_return_sends_the_case_back_to_the_previous_actor_with_the_opinion(clerk) -> None:  # type: ignore[no-untyped-def]
    reviewer = f.user("rev", roles=["reviewer"], dept=f.department())
    f.deploy(chain("two_step", user_task("draft", "cataloguer"), user_task("review", "reviewer")))
    instance = start("two_step", clerk)
    human_task_complete(task_id=open_task(instance).pk, actor=f.actor(clerk), data={"title": "初稿"})
    review = open_task(instance)
    human_task_return(task_id=review.pk, actor=f.actor(reviewer), opinion="请补充共享条件")
    again = open_task(instance)
    assert again.element_id == "draft" and again.assignee_id == clerk.pk
    assert again.opinion == "请补充共享条件" and again.returned_from_id == review.pk
    assert again.draft == {"title": "初稿"}  # what was sent before, to correct rather than retype
    review.refresh_from_db()
    assert review.status == "returned"
    human_task_complete(task_id=again.pk, actor=f.actor(clerk), data={"title": "修改稿"})
    assert open_task(instance).element_id == "review"


def test_delegate_hands_the_task_to_another_person(clerk) -> None:  # type: ignore[no-untyped-def]
    """转办 to a colleague who holds the task's role in its department; they complete it."""
    colleague = f.user("colleague", roles=["clerk"], dept=f.department())
    f.deploy(chain("deleg", user_task("a")))
    instance = start("deleg", clerk)
    task = human_task_delegate(task_id=open_task(instance).pk, actor=f.actor(clerk), to_username="colleague")
    assert task.assignee_id == colleague.pk
    human_task_complete(task_id=task.pk, actor=f.actor(colleague))
    instance.refresh_from_db()
    assert instance.status == "completed"


def test_endless_automatic_loop_fails_loudly_instead_of_stalling(clerk) -> None:  # type: ignore[no-untyped-def]
    loop = (
        chain("looping", script_task("init", "n = 0"))
        .replace(
            '<bpmn:endEvent id="end" />',
            '<bpmn:scriptTask id="inc" name="inc"><bpmn:script>n = n + 1</bpmn:script></bpmn:scriptTask>'
            '<bpmn:exclusiveGateway id="gw" default="back" /><bpmn:endEvent id="end" />'
            '<bpmn:sequenceFlow id="to_inc" sourceRef="init" targetRef="inc" />'
            '<bpmn:sequenceFlow id="to_gw" sourceRef="inc" targetRef="gw" />'
            '<bpmn:sequenceFlow id="back" sourceRef="gw" targetRef="inc" />'
            '<bpmn:sequenceFlow id="out" sourceRef="gw" targetRef="end">'
            "<bpmn:conditionExpression>n &gt;= 5000</bpmn:conditionExpression></bpmn:sequenceFlow>",
        )
        .replace('<bpmn:sequenceFlow id="f1" sourceRef="init" targetRef="end" />', "")
    )
    f.deploy(loop)
    with pytest.raises(EngineFailure) as err:
        start("looping", clerk)
    assert "loop" in err.value.message
    assert not ProcessInstance.objects.exists(), "nothing half-written"


def test_runtime_refuses_dangerous_expressions_even_if_a_definition_slipped_past_deploy(clerk) -> None:  # type: ignore[no-untyped-def]
    good = f.deploy(chain("sneaky", script_task("s", "x = 1"), user_task("a")))
    # Simulate a row written around the validator (an old import, a manual DB edit).
    ProcessDefinition.objects.filter(pk=good.pk).update(
        bpmn_xml=good.bpmn_xml.replace("x = 1", "x = open('/etc/passwd')")
    )
    with pytest.raises(EngineFailure) as err:
        start("sneaky", clerk)
    assert "open" in err.value.message and err.value.detail == {"element_id": "s"}


def test_script_that_never_ends_hits_the_time_limit_and_opens_an_incident(clerk, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TONGBAN = {**settings.TONGBAN, "EXPRESSION_TIME_LIMIT": 0.2}
    f.deploy(chain("spin", user_task("a"), script_task("spin_forever", "while True:\n    x = 1")))
    instance = start("spin", clerk)
    task = open_task(instance)
    with pytest.raises(EngineFailure) as err:
        human_task_complete(task_id=task.pk, actor=f.actor(clerk))
    assert "time limit" in err.value.message
    task.refresh_from_db()
    assert task.status == "open", "the completion was rolled back"
    assert Incident.objects.get(instance=instance).element_id == "spin_forever"


@pytest.mark.parametrize(
    "source, fragment",
    [
        ("__import__('os')", "__import__"),
        ("().__class__.__mro__[1].__subclasses__()", "__class__"),
        ("open('/etc/passwd')", "open"),
    ],
)
def test_evaluator_refuses_escapes(source: str, fragment: str) -> None:
    with pytest.raises(expressions.ExpressionError) as err:
        expressions.evaluate(source, {})
    assert fragment in str(err.value)


def test_evaluator_stops_an_infinite_loop() -> None:
    with pytest.raises(expressions.ExpressionTimeout):
        expressions.execute("while True:\n    pass", {}, time_limit=0.1)
    with pytest.raises(expressions.ExpressionTimeout):
        expressions.evaluate("[x for x in iter(int, 1)]", {}, time_limit=0.1)
