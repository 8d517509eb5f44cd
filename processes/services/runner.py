"""The one path that changes an instance.

lock the row → load (cached spec + state) → apply one command → engine steps → sync the read
models (HumanTask, TimerSchedule, MessageSubscription, ServiceJob) → save → audit → commit →
enqueue jobs after commit.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .. import store
from ..engine import expressions
from ..engine.runtime import EngineError, TaskNotActive, Workflow
from ..engine.views import ThrownMessage
from ..errors import Conflict, EngineFailure, NotFound
from ..models import Incident, InstanceStatus, ProcessInstance
from ..ports import Actor
from .audit import AuditBuffer, audit_append
from .definitions import compiled_for
from .sync import sync_read_models

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class Step:
    """What one command is doing: the locked instance, its workflow, the actor, the audit buffer."""

    instance: ProcessInstance
    workflow: Workflow
    actor: Actor
    audit: AuditBuffer = field(default_factory=AuditBuffer)
    new_job_ids: list[int] = field(default_factory=list)
    thrown: list[ThrownMessage] = field(default_factory=list)
    # Set by 退回: the re-opened task goes back to whoever completed it, with the opinion.
    return_routing: dict[str, Any] | None = None
    # instance_start: nothing to read back (no read-model rows exist yet); the INSERT carries the state.
    new_instance: bool = False


def time_limit() -> float:
    return float(settings.TONGBAN["EXPRESSION_TIME_LIMIT"])


def load_workflow(instance: ProcessInstance) -> Workflow:
    return Workflow.load(compiled_for(instance.definition), instance.state, time_limit=time_limit())


def save(step: Step) -> None:
    """Sync read models, store the state, flush audit, and schedule after-commit work."""
    instance = step.instance
    if step.workflow.completed and instance.status == InstanceStatus.RUNNING:
        instance.status = InstanceStatus.COMPLETED
        instance.ended_at = timezone.now()
        step.audit.add("instance_completed", actor=step.actor.username, instance=instance)
    instance.state, instance.serializer_version = step.workflow.dump()
    if instance.pk is None:
        instance.save()  # instance_start: INSERT with the state; the read models need its id
        sync_read_models(step)
    else:
        sync_read_models(step)
        store.instance_save_state(instance)
    step.audit.flush()
    step.thrown.extend(step.workflow.thrown_messages())
    _after_commit(step)


def _after_commit(step: Step) -> None:
    from .. import tasks

    for job_id in step.new_job_ids:
        transaction.on_commit(partial(tasks.enqueue_job, job_id))
    for message in step.thrown:
        transaction.on_commit(
            partial(tasks.enqueue_message, message.name, message.correlation, message.payload, step.instance.pk)
        )


def apply(
    instance_id: int, actor: Actor, command: Callable[[Step], T], *, allow_suspended: bool = False, job: Any = None
) -> T:
    """Run `command` on the locked, loaded instance and persist everything in one transaction.

    An EngineError rolls the command back (nothing half-written) and is recorded as an Incident
    (linked to `job` when a job's result could not be applied).
    """
    try:
        with transaction.atomic():
            instance = _lock(instance_id)
            if instance.status != InstanceStatus.RUNNING and not (
                allow_suspended and instance.status == InstanceStatus.SUSPENDED
            ):
                raise Conflict(f"流程实例状态为 {instance.get_status_display()} / instance is {instance.status}")
            step = Step(instance=instance, workflow=load_workflow(instance), actor=actor)
            outcome = command(step)
            save(step)
            return outcome
    except TaskNotActive as exc:
        raise Conflict(f"任务已不在办理中 / {exc}") from exc
    except (EngineError, expressions.ExpressionError) as exc:
        element_id = getattr(exc, "element_id", "")
        incident_record(instance_id=instance_id, element_id=element_id, message=str(exc), actor=actor, job=job)
        raise EngineFailure(
            f"流程无法推进 / the process cannot advance at {element_id}: {exc}", detail={"element_id": element_id}
        ) from exc


def _lock(instance_id: int) -> ProcessInstance:
    instance = store.instance_lock(instance_id)
    if instance is None:
        raise NotFound(f"流程实例 {instance_id} 不存在 / instance {instance_id} not found")
    return instance


def incident_record(*, instance_id: int, element_id: str, message: str, actor: Actor, job: Any = None) -> Incident:
    """Open an incident, unless the same one is already open (a failing timer retried every few
    seconds must not fill the append-only trail)."""
    with transaction.atomic():
        existing = Incident.objects.filter(
            instance_id=instance_id, element_id=element_id, status=Incident.Status.OPEN, message=message
        ).first()
        if existing is not None:
            return existing
        incident = Incident.objects.create(instance_id=instance_id, element_id=element_id, message=message, job=job)
        instance = ProcessInstance.objects.select_related("definition").get(pk=instance_id)
        audit_append(
            "incident_opened",
            actor=actor.username,
            instance=instance,
            payload={"incident_id": incident.pk, "element_id": element_id, "message": message},
        )
    log.warning("incident %s on instance %s at %s: %s", incident.pk, instance_id, element_id, message)
    return incident
