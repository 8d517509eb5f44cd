"""工作台 — 案卷 (case page): one process instance's diagram with its progress, timeline, submitted data and
attachments.

The diagram is drawn in the browser by bpmn-js's NavigatedViewer (a static vendor file); the page embeds
the definition's XML and each element's state ("completed" | "active" | "overdue") with `json_script`.
Each step's data is shown as the task page shows it, through the step's form: labels, repeating groups as
tables, attachments as download links; keys the form does not describe are shown as text.
A fixed number of queries whatever the instance holds (the forms come from the parsed-definition cache).
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from processes.attachment_selectors import instance_attachments
from processes.models import (
    AuditEvent,
    HumanTask,
    JobStatus,
    ProcessDefinition,
    ProcessInstance,
    ServiceJob,
    TaskStatus,
)
from processes.ports import directory
from processes.selectors import instance_history, visible_tasks
from processes.services.definitions import form_schema
from webui.forms_jsonschema import AttachmentItem, FormField, build_fields, properties
from webui.views.attachments import attachment_items

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
    fields: list[FormField]  # the submitted values of the step's form, read-only
    other: list[tuple[str, str]]  # submitted keys the form does not describe (all of them without a form)


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


def _step(definition: ProcessDefinition, task: HumanTask, items: dict[str, AttachmentItem]) -> Step:
    submitted = task.submitted_data if isinstance(task.submitted_data, dict) else {}
    schema = form_schema(definition, task.form_key) if task.form_key else None
    described = properties(schema)
    # Only what was submitted: a field left out would otherwise show its schema default as if entered.
    fields = [f for f in build_fields(schema, submitted, attachments=items, editable=False) if f.name in submitted]
    other = [(str(k), _display(v)) for k, v in submitted.items() if k not in described]
    return Step(task=task, fields=fields, other=other)


def _steps(definition: ProcessDefinition, tasks: list[HumanTask], items: dict[str, AttachmentItem]) -> list[Step]:
    done = [t for t in tasks if t.status in (TaskStatus.COMPLETED, TaskStatus.RETURNED)]
    done.sort(key=lambda t: (t.completed_at or t.created_at, t.pk))
    return [_step(definition, t, items) for t in done]


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


@dataclass(frozen=True)
class Subject:
    text: str
    url: str = ""


def _subject(instance: ProcessInstance, user: Any) -> Subject | None:
    """What the case is about, and where to see it: the object's own page (`get_absolute_url`), else its
    admin page for staff, else text only. One query (the object), however the page is filled."""
    kind = instance.subject_type
    if kind is None:
        return None
    label = f"{kind.name} #{instance.subject_id}"
    try:
        target = instance.subject
    except (ObjectDoesNotExist, ValueError):
        target = None
    if target is None:
        return Subject(text=f"{label}（{_('已删除')}）")
    text = f"{label} {target}"
    if hasattr(target, "get_absolute_url"):
        return Subject(text=text, url=str(target.get_absolute_url()))
    if user.is_staff:
        try:
            return Subject(text=text, url=reverse(f"admin:{kind.app_label}_{kind.model}_change", args=[target.pk]))
        except NoReverseMatch:
            pass
    return Subject(text=text)


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
    attachments = list(instance_attachments(instance_id=instance.pk))
    bpmn_xml = instance.definition.bpmn_xml
    context = {
        "instance": instance,
        "bpmn_xml": bpmn_xml,
        "has_layout": has_layout(bpmn_xml),
        "states": element_states(tasks, jobs, timezone.now()),
        "timeline": _timeline(instance, tasks, jobs),
        "steps": _steps(instance.definition, tasks, attachment_items(attachments)),
        "attachments": attachments,
        "subject": _subject(instance, request.user),
    }
    return render(request, "webui/case/page.html", context)
