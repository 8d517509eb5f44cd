"""工作台 — 案卷 (case page): one process instance's diagram with its progress, timeline, submitted data and
attachments.

Who may open it, and what it holds, come from processes.selectors_case (a fixed number of queries whatever
the instance holds; the forms come from the parsed-definition cache). The diagram is drawn in the browser
by bpmn-js's NavigatedViewer (a static vendor file); the page embeds the definition's XML and each
element's state ("completed" | "active" | "overdue") with `json_script`. Each step's data is shown as the
task page shows it, through the step's form: labels, repeating groups as tables, attachments as download
links; keys the form does not describe are shown as text.
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from processes.errors import NotFound
from processes.models import HumanTask, ProcessDefinition
from processes.ports import directory
from processes.selectors_case import CaseSubject, case_for_actor
from processes.services.definitions import form_schema
from webui.forms_jsonschema import AttachmentItem, FormField, build_fields, properties
from webui.views.attachments import attachment_items

_DIAGRAM_RE = re.compile(r"<(?:[\w.-]+:)?BPMNDiagram\b")


@dataclass(frozen=True)
class Step:
    task: HumanTask
    fields: list[FormField]  # the submitted values of the step's form, read-only
    other: list[tuple[str, str]]  # submitted keys the form does not describe (all of them without a form)


@dataclass(frozen=True)
class Subject:
    text: str
    url: str = ""


def has_layout(bpmn_xml: str) -> bool:
    """Only diagrams with BPMNDI (shapes and edges) can be drawn."""
    return bool(_DIAGRAM_RE.search(bpmn_xml))


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


def _subject(subject: CaseSubject | None, user: Any) -> Subject | None:
    """What the case is about, and where to see it: the object's own page (`get_absolute_url`), else its
    admin page for staff, else text only."""
    if subject is None:
        return None
    label = f"{subject.kind.name} #{subject.subject_id}"
    target = subject.target
    if target is None:
        return Subject(text=f"{label}（{_('已删除')}）")
    text = f"{label} {target}"
    if hasattr(target, "get_absolute_url"):
        return Subject(text=text, url=str(target.get_absolute_url()))
    if user.is_staff:
        try:
            kind = subject.kind
            return Subject(text=text, url=reverse(f"admin:{kind.app_label}_{kind.model}_change", args=[target.pk]))
        except NoReverseMatch:
            pass
    return Subject(text=text)


@login_required
@require_GET
def case_page(request: HttpRequest, instance_id: int) -> HttpResponse:
    try:
        case = case_for_actor(instance_id=instance_id, actor=directory().actor_for(request.user), now=timezone.now())
    except NotFound as error:
        raise Http404(error.message) from error
    instance = case.instance
    items = attachment_items(case.attachments)
    bpmn_xml = instance.definition.bpmn_xml
    context = {
        "instance": instance,
        "bpmn_xml": bpmn_xml,
        "has_layout": has_layout(bpmn_xml),
        "states": case.states,
        "timeline": case.timeline,
        "steps": [_step(instance.definition, task, items) for task in case.steps],
        "attachments": case.attachments,
        "subject": _subject(case.subject, request.user),
    }
    return render(request, "webui/case/page.html", context)
