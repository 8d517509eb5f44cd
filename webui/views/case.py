"""工作台 — 案卷 (case page): one process instance's diagram with its progress, timeline and submitted data.

The diagram is drawn in the browser by bpmn-js's NavigatedViewer (a static vendor file); the page embeds
the definition's XML and each element's state ("completed" | "active" | "overdue") with `json_script`.
A fixed number of queries whatever the instance holds.
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from processes.models import AuditEvent, HumanTask, JobStatus, ProcessInstance, ServiceJob, TaskStatus
from processes.ports import directory
from processes.selectors import instance_history, visible_tasks

COMPLETED, ACTIVE, OVERDUE = "completed", "active", "overdue"
_RANK = {COMPLETED: 1, ACTIVE: 2, OVERDUE: 3}  # an element met several times shows its most urgent state
_JOB_STATES: dict[str, str] = {
    JobStatus.DONE: COMPLETED,
    JobStatus.QUEUED: ACTIVE,
    JobStatus.RUNNING: ACTIVE,
    JobStatus.RETRYING: ACTIVE,
    JobStatus.FAILED: OVERDUE,
}
_DIAGRAM_RE = re.compile(r"<(?:[\w.-]+:)?BPMNDiagram\b")


@dataclass(frozen=True)
class TimelineEntry:
    event: AuditEvent
    task_name: str


@dataclass(frozen=True)
class Step:
    task: HumanTask
    fields: list[tuple[str, str]]


def has_layout(bpmn_xml: str) -> bool:
    """Only diagrams with BPMNDI (shapes and edges) can be drawn."""
    return bool(_DIAGRAM_RE.search(bpmn_xml))


def task_state(task: HumanTask, now: datetime) -> str | None:
    if task.status in (TaskStatus.COMPLETED, TaskStatus.RETURNED):
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


def _display(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _steps(tasks: list[HumanTask]) -> list[Step]:
    done = [t for t in tasks if t.status in (TaskStatus.COMPLETED, TaskStatus.RETURNED)]
    done.sort(key=lambda t: (t.completed_at or t.created_at, t.pk))
    return [Step(task=t, fields=[(str(k), _display(v)) for k, v in (t.submitted_data or {}).items()]) for t in done]


def _timeline(instance: ProcessInstance, tasks: list[HumanTask], jobs: list[ServiceJob]) -> list[TimelineEntry]:
    task_names = {t.pk: t.name for t in tasks}
    job_names = {j.pk: f"{j.element_id} ({j.operator})" for j in jobs}
    entries = []
    for event in instance_history(instance=instance):
        name = task_names.get(event.task_id or 0, "")
        if not name and isinstance(event.payload, dict) and "job_id" in event.payload:
            name = job_names.get(event.payload["job_id"], "")
        entries.append(TimelineEntry(event=event, task_name=name))
    return entries


def _subject(instance: ProcessInstance) -> str:
    """What the case is about, as text: "app.model #id" (the subject's own page is not known here)."""
    kind = instance.subject_type
    return f"{kind.app_label}.{kind.model} #{instance.subject_id}" if kind is not None else ""


def _may_see(request: HttpRequest, instance: ProcessInstance) -> bool:
    user = request.user
    if user.is_staff or user.is_superuser or instance.started_by_id == user.pk:
        return True
    return visible_tasks(directory().actor_for(user)).filter(instance=instance).exists()


@login_required
@require_GET
def case_page(request: HttpRequest, instance_id: int) -> HttpResponse:
    instance = (
        ProcessInstance.objects.select_related("definition", "department", "started_by", "subject_type")
        .defer("state")
        .filter(pk=instance_id)
        .first()
    )
    if instance is None or not _may_see(request, instance):
        raise Http404
    tasks = list(
        HumanTask.objects.filter(instance=instance)
        .select_related("completed_by", "assignee")
        .defer("documentation", "draft", "escalation_policy")
        .order_by("created_at", "id")
    )
    jobs = list(ServiceJob.objects.filter(instance=instance).only("id", "element_id", "operator", "status"))
    bpmn_xml = instance.definition.bpmn_xml
    context = {
        "instance": instance,
        "bpmn_xml": bpmn_xml,
        "has_layout": has_layout(bpmn_xml),
        "states": element_states(tasks, jobs, timezone.now()),
        "timeline": _timeline(instance, tasks, jobs),
        "steps": _steps(tasks),
        "subject": _subject(instance),
    }
    return render(request, "webui/case/page.html", context)
