"""Reads for the case page (案卷): one instance the actor may open, with its human tasks, service jobs,
attachments, timeline, subject, and the state of each diagram element it has reached.

A fixed number of queries whatever the case holds; nothing loads the workflow.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist

from .attachment_selectors import instance_attachments
from .errors import NotFound
from .models import Attachment, AuditEvent, HumanTask, JobStatus, ProcessInstance, ServiceJob, TaskStatus
from .ports import Actor
from .selectors import instance_history, instance_visible_to

COMPLETED, ACTIVE, OVERDUE = "completed", "active", "overdue"
_RANK = {COMPLETED: 1, ACTIVE: 2, OVERDUE: 3}  # an element met several times shows its most urgent state
_JOB_STATES: dict[str, str] = {
    JobStatus.DONE: COMPLETED,
    JobStatus.QUEUED: ACTIVE,
    JobStatus.RUNNING: ACTIVE,
    JobStatus.RETRYING: ACTIVE,
    JobStatus.FAILED: OVERDUE,
}
_FINISHED = (TaskStatus.COMPLETED, TaskStatus.RETURNED)


@dataclass(frozen=True)
class TimelineEntry:
    event: AuditEvent
    task_name: str  # the task or service job the event is about; "" for the instance itself


@dataclass(frozen=True)
class CaseSubject:
    """What the case is about: its type and id, and the object (None when it was deleted)."""

    kind: ContentType
    subject_id: str
    target: Any | None


@dataclass(frozen=True)
class Case:
    instance: ProcessInstance  # with definition, department, starter and subject type; without its state
    tasks: list[HumanTask]  # every human task, oldest first, with who completed it and its assignee
    jobs: list[ServiceJob]
    attachments: list[Attachment]
    states: dict[str, str]  # element id → COMPLETED | ACTIVE | OVERDUE
    steps: list[HumanTask]  # the finished human steps, in the order they were done
    timeline: list[TimelineEntry]
    subject: CaseSubject | None


def task_state(task: HumanTask, now: datetime) -> str | None:
    if task.status in _FINISHED:
        return COMPLETED
    if task.status == TaskStatus.OPEN:
        overdue = (task.due_at is not None and task.due_at < now) or task.escalation_level >= 3
        return OVERDUE if overdue else ACTIVE
    return None


def element_states(tasks: list[HumanTask], jobs: list[ServiceJob], now: datetime) -> dict[str, str]:
    states: dict[str, str] = {}
    found = [(t.element_id, task_state(t, now)) for t in tasks]
    found += [(j.element_id, _JOB_STATES.get(j.status)) for j in jobs]
    for element_id, state in found:
        if state and _RANK[state] > _RANK.get(states.get(element_id, ""), 0):
            states[element_id] = state
    return states


def finished_steps(tasks: list[HumanTask]) -> list[HumanTask]:
    done = [t for t in tasks if t.status in _FINISHED]
    done.sort(key=lambda t: (t.completed_at or t.created_at, t.pk))
    return done


def case_timeline(instance: ProcessInstance, tasks: list[HumanTask], jobs: list[ServiceJob]) -> list[TimelineEntry]:
    task_names = {t.pk: t.name for t in tasks}
    job_names = {j.pk: f"{j.element_id} ({j.operator})" for j in jobs}
    entries = []
    for event in instance_history(instance=instance):
        name = task_names.get(event.task_id or 0, "")
        if not name and isinstance(event.payload, dict) and "job_id" in event.payload:
            name = job_names.get(event.payload["job_id"], "")
        entries.append(TimelineEntry(event=event, task_name=name))
    return entries


def case_subject(instance: ProcessInstance) -> CaseSubject | None:
    """The case's subject object (one query), or None when the case is about nothing in particular."""
    kind = instance.subject_type
    if kind is None:
        return None
    try:
        target = instance.subject
    except (ObjectDoesNotExist, ValueError):
        target = None
    return CaseSubject(kind=kind, subject_id=str(instance.subject_id), target=target)


def case_for_actor(*, instance_id: int, actor: Actor, now: datetime) -> Case:
    """The case if the actor may open it (`instance_visible_to`); NotFound otherwise (no hint that it exists)."""
    instance = (
        instance_visible_to(actor)
        .select_related("definition", "department", "started_by", "subject_type")
        .defer("state")
        .filter(pk=instance_id)
        .first()
    )
    if instance is None:
        raise NotFound(f"流程实例 {instance_id} 不存在或无权查看 / instance {instance_id} not found")
    tasks = list(
        HumanTask.objects.filter(instance=instance)
        .select_related("completed_by", "assignee")
        .defer("documentation", "draft", "escalation_policy")
        .order_by("created_at", "id")
    )
    jobs = list(ServiceJob.objects.filter(instance=instance).only("id", "element_id", "operator", "status"))
    return Case(
        instance=instance,
        tasks=tasks,
        jobs=jobs,
        attachments=list(instance_attachments(instance_id=instance.pk)),
        states=element_states(tasks, jobs, now),
        steps=finished_steps(tasks),
        timeline=case_timeline(instance, tasks, jobs),
        subject=case_subject(instance),
    )
