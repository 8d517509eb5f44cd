"""Reads for 流程设计 (the process designer): who may design, my drafts, one draft, and what a diagram
may name — the forms, the directory's roles and the registered service-task handlers."""

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from handlers.registry import HandlerDoc, handler_docs

from .errors import NotFound, PermissionDenied
from .form_labels import english_active, label
from .models import ProcessDraft
from .ports import Actor, directory
from .services.definitions import FORM_PREFIX, form_files_on_disk

NOT_A_DESIGNER = "仅流程设计人员可以设计流程 / only process designers may design processes"


@dataclass(frozen=True)
class FormRow:
    """A task form a user task may name: from the draft, or deployable beside every diagram (bpmn/forms)."""

    key: str
    title: str
    source: str  # "draft" | "deployed"


def designer_may_edit(actor: Actor) -> bool:
    """Staff, or holders of the designer role (settings.TONGBAN["DESIGNER_ROLE"]) in any department."""
    if actor.user_id is None:
        return False
    return actor.is_staff or actor.is_superuser or settings.TONGBAN["DESIGNER_ROLE"] in actor.role_codes


def ensure_designer(actor: Actor) -> None:
    if not designer_may_edit(actor):
        raise PermissionDenied(NOT_A_DESIGNER)


def drafts_of(*, actor: Actor) -> QuerySet[ProcessDraft]:
    """The actor's own drafts, newest first, without the diagram and forms (a list never needs them)."""
    ensure_designer(actor)
    return (
        ProcessDraft.objects.filter(owner_id=actor.user_id)
        .select_related("base")
        .defer("bpmn_xml", "forms", "base__bpmn_xml", "base__extra_files", "base__note")
        .order_by("-updated_at", "-id")
    )


def draft_visible(*, actor: Actor) -> QuerySet[ProcessDraft]:
    """Drafts the actor may open: their own; staff may open anyone's (to help, or to clean up)."""
    ensure_designer(actor)
    rows = ProcessDraft.objects.all()
    return rows if actor.is_staff or actor.is_superuser else rows.filter(owner_id=actor.user_id)


def draft_get(*, actor: Actor, draft_id: int) -> ProcessDraft:
    """One draft with its diagram and forms; NotFound when it is not the actor's (nothing is revealed)."""
    draft = (
        draft_visible(actor=actor)
        .select_related("base")
        .defer("base__bpmn_xml", "base__extra_files", "base__note")
        .filter(pk=draft_id)
        .first()
    )
    if draft is None:
        raise NotFound(f"草稿 {draft_id} 不存在 / draft {draft_id} not found")
    return draft


def designer_forms(*, actor: Actor, draft_id: int | None = None) -> list[FormRow]:
    """The forms a user task may name, as deploy will see them: the draft's own, then those in bpmn/forms
    (a draft's form of the same key replaces the one on disk). Ordered by key."""
    ensure_designer(actor)
    rows: dict[str, FormRow] = {}
    for name, text in form_files_on_disk().items():
        key = form_key_of(name)
        rows[key] = FormRow(key, form_title(text), "deployed")
    if draft_id is not None:
        draft = draft_get(actor=actor, draft_id=draft_id)
        for name, text in draft.forms.items():
            if name.startswith(FORM_PREFIX) and name.endswith(".json"):
                key = form_key_of(name)
                rows[key] = FormRow(key, form_title(text), "draft")
    return [rows[key] for key in sorted(rows)]


def form_key_of(file_name: str) -> str:
    return file_name.removeprefix(FORM_PREFIX).removesuffix(".json")


def form_title(text: str) -> str:
    """The schema's title in the page's language, as the task form shows its labels (processes.form_labels:
    `x-i18n.en.title` in English, else the Chinese; a {"zh": …, "en": …} title gives the one asked for);
    "" if it has none."""
    try:
        schema: Any = json.loads(text)
        title: Any = schema.get("title", "")
    except (ValueError, AttributeError):
        return ""
    english = english_active()
    if isinstance(title, dict):
        found = title.get("en") if english else None
        return str(found or title.get("zh") or title.get("zh-hans") or next(iter(title.values()), ""))
    return label(schema, "title", english=english)


def designer_roles(*, actor: Actor) -> list[tuple[str, str]]:
    """(code, name) of every role in the directory, for the candidate-groups picker."""
    ensure_designer(actor)
    return directory().roles()


def designer_handlers(*, actor: Actor) -> list[HandlerDoc]:
    """Every registered service-task operator with its documented parameters and result."""
    ensure_designer(actor)
    return handler_docs()
