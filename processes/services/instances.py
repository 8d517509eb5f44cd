"""Start, cancel, suspend, resume, fire timers, correlate messages."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from ..engine.expressions import ExpressionError
from ..engine.runtime import UNRESOLVED, EngineError, Workflow
from ..errors import Conflict, EngineFailure, MessageNotCorrelated, ValidationFailed
from ..models import InstanceStatus, JobStatus, MessageSubscription, ProcessInstance, ServiceJob
from ..ports import Actor
from ..signals import instance_cancelled
from .definitions import compiled_for, definition_latest
from .jobs import jobs_resend
from .runner import Step, apply, save, time_limit


def instance_start(
    *,
    process_key: str,
    actor: Actor,
    business_key: str = "",
    data: dict[str, Any] | None = None,
    subject: models.Model | None = None,
    department_id: int | None = None,
) -> ProcessInstance:
    """Start the latest version of `process_key`; the instance stays pinned to that version."""
    if data is not None and not isinstance(data, dict):
        raise ValidationFailed("初始数据必须是 JSON 对象 / initial data must be an object")
    definition = definition_latest(process_key)
    compiled = compiled_for(definition)
    instance = ProcessInstance(  # inserted by save(step), with its state
        definition=definition,
        business_key=business_key,
        department_id=department_id,
        started_by_id=actor.user_id,
        subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
        subject_id=str(subject.pk) if subject is not None else "",
    )
    step_data = {**(data or {}), "business_key": business_key, "initiator": actor.username}
    try:
        with transaction.atomic():
            workflow = Workflow.start(compiled, step_data, time_limit=time_limit())
            step = Step(instance=instance, workflow=workflow, actor=actor, new_instance=True)
            step.audit.add(
                "instance_started",
                actor=actor.username,
                instance=instance,
                payload={"version": definition.version, "business_key": business_key, "data": data or {}},
            )
            save(step)
    except (EngineError, ExpressionError) as exc:
        # Nothing was stored: the caller hears why, at which element.
        element_id = getattr(exc, "element_id", "")
        raise EngineFailure(
            f"流程无法启动 / the process cannot start at {element_id}: {exc}", detail={"element_id": element_id}
        ) from exc
    return instance


def instance_cancel(*, instance_id: int, actor: Actor, reason: str = "") -> ProcessInstance:
    def command(step: Step) -> ProcessInstance:
        step.workflow.cancel()
        step.instance.status = InstanceStatus.CANCELLED
        step.instance.ended_at = timezone.now()
        ServiceJob.objects.filter(
            instance=step.instance, status__in=[JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.RETRYING]
        ).update(status=JobStatus.CANCELLED)
        step.audit.add("instance_cancelled", actor=actor.username, instance=step.instance, payload={"reason": reason})
        instance_cancelled.send(sender=ProcessInstance, instance=step.instance, actor=actor, reason=reason)
        return step.instance

    return apply(instance_id, actor, command, allow_suspended=True)


def _set_status(instance_id: int, actor: Actor, *, frm: str, to: str, action: str) -> ProcessInstance:
    from .audit import audit_append

    with transaction.atomic():
        instance = (
            ProcessInstance.objects.select_for_update(of=("self",)).select_related("definition").get(pk=instance_id)
        )
        if instance.status != frm:
            raise Conflict(f"流程实例状态为 {instance.get_status_display()} / instance is {instance.status}")
        instance.status = to
        instance.save(update_fields=["status", "updated_at"])
        audit_append(action, actor=actor.username, instance=instance)
    return instance


def instance_suspend(*, instance_id: int, actor: Actor) -> ProcessInstance:
    """A suspended instance accepts no task completion, timer or job result until it is resumed."""
    return _set_status(
        instance_id, actor, frm=InstanceStatus.RUNNING, to=InstanceStatus.SUSPENDED, action="instance_suspended"
    )


def instance_resume(*, instance_id: int, actor: Actor) -> ProcessInstance:
    instance = _set_status(
        instance_id, actor, frm=InstanceStatus.SUSPENDED, to=InstanceStatus.RUNNING, action="instance_resumed"
    )
    # Jobs that finished or came due while suspended were parked; run them now.
    jobs_resend(
        list(ServiceJob.objects.filter(instance=instance, status=JobStatus.QUEUED).values_list("pk", flat=True))
    )
    if instance.timers.filter(due_at__lte=timezone.now()).exists():
        instance_fire_timers(instance_id=instance.pk, actor=actor)
    return instance


def instance_fire_timers(*, instance_id: int, actor: Actor) -> ProcessInstance:
    def command(step: Step) -> ProcessInstance:
        before = {t.task_id for t in step.workflow.timers()}
        step.workflow.fire_timers()
        fired = before - {t.task_id for t in step.workflow.timers()}
        if fired:
            step.audit.add(
                "timer_fired", actor=actor.username, instance=step.instance, payload={"timers": sorted(fired)}
            )
        return step.instance

    return apply(instance_id, actor, command)


def _matches(subscription: MessageSubscription, correlation: dict[str, Any]) -> bool:
    wanted = subscription.correlation or {}
    if UNRESOLVED in wanted:
        return False
    if "business_key" in correlation and correlation["business_key"] != subscription.instance.business_key:
        return False
    return all(key in correlation and correlation[key] == value for key, value in wanted.items())


def message_correlate(
    *,
    name: str,
    actor: Actor,
    correlation: dict[str, Any] | None = None,
    payload: Any = None,
    source_instance_id: int | None = None,
) -> list[int]:
    """Deliver a message to every running instance waiting for it whose correlation values match.

    Returns the instance ids reached; no match is an error the caller sees.
    """
    correlation = correlation or {}
    subscriptions = MessageSubscription.objects.filter(name=name, instance__status=InstanceStatus.RUNNING)
    targets = sorted({s.instance_id for s in subscriptions.select_related("instance") if _matches(s, correlation)})
    targets = [t for t in targets if t != source_instance_id]
    if not targets:
        raise MessageNotCorrelated(
            f"没有流程实例在等待消息 '{name}' / no instance waits for message '{name}'",
            detail={"name": name, "correlation": correlation},
        )

    def command(step: Step) -> int:
        caught = step.workflow.deliver_message(name, payload if payload is not None else {})
        if caught:
            step.audit.add(
                "message_received",
                actor=actor.username,
                instance=step.instance,
                payload={"name": name, "correlation": correlation, "payload": payload},
            )
        return caught

    return [target for target in targets if apply(target, actor, command)]
