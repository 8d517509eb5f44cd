"""流程设计 — task forms: what a form may say (one rule for the form editor and every deploy), and a draft's
forms saved and deleted by their designer with the draft's revision check."""

import json
from typing import Any

import pytest
from django.utils import translation

from processes.errors import NotFound, PermissionDenied, ValidationFailed
from processes.models import ProcessDraft
from processes.services.designer import DraftStale, draft_create, draft_deploy, draft_save, draft_validate
from processes.services.designer_forms import (
    FormSchemaInvalid,
    draft_form_delete,
    draft_form_get,
    draft_form_save,
    form_schema_problems,
    schema_problems,
)
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task
from tests.webui.test_task_forms import PURCHASE_FORM

pytestmark = pytest.mark.django_db

APPLY = chain("apply_flow", user_task("fill", "clerk", 'camunda:formKey="apply"'))
APPLY_FORM: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "申请表",
    "x-i18n": {"en": {"title": "Application"}},
    "type": "object",
    "required": ["copies"],
    "properties": {
        "copies": {"type": "integer", "title": "份数", "minimum": 1, "x-i18n": {"en": {"title": "Copies"}}},
        "level": {
            "type": "string",
            "title": "等级",
            "enum": ["low", "high"],
            "enumNames": ["低", "高"],
            "x-i18n": {"en": {"title": "Level", "enumNames": ["Low", "High"]}},
        },
    },
    "additionalProperties": False,
}


def form(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


def paths(schema: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in schema_problems(schema):
        found.setdefault(problem.path, []).append(problem.message)
    return found


@pytest.fixture
def designer() -> Any:
    return f.user("designer", roles=["designer"])


def new_draft(user: Any, xml: str = APPLY) -> ProcessDraft:
    draft = draft_create(actor=f.actor(user))
    return draft_save(actor=f.actor(user), draft_id=draft.pk, bpmn_xml=xml, revision=draft.revision)


# --- what a form may say ---


def test_the_deployed_forms_and_the_renderers_shapes_pass() -> None:
    """Every form in bpmn/forms, and one with every widget the task page draws, have no problems."""
    for path in sorted((f.BPMN_DIR / "forms").glob("*.json")):
        assert form_schema_problems(json.loads(path.read_text("utf-8"))) == [], path.name
    assert form_schema_problems(PURCHASE_FORM) == []
    assert form_schema_problems(APPLY_FORM) == []


@pytest.mark.parametrize(
    ("schema", "path", "fragment"),
    [
        ([1, 2], "", "JSON 对象"),
        ({"type": "array"}, "", "object"),
        (form(amount={"type": "number", "minimum": "x"}), "amount", "不是有效的 JSON Schema"),
        (form(address={"type": "object"}), "address", "重复组"),
        (form(when={"type": "string", "format": "ipv4"}), "when", "ipv4"),
        (form(level={"enum": []}), "level", "至少提供一个选项"),
        (form(level={"enum": ["a", "a"]}), "level", "重复"),
        (form(level={"enum": ["a", "b"], "enumNames": ["甲"]}), "level", "enumNames"),
        (form(tags={"type": "array", "items": {"enum": []}}), "tags", "至少提供一个选项"),
        (form(tags={"type": "array", "items": {"type": "string"}}), "tags", "列表字段"),
        (form(code={"type": "string", "pattern": "(["}), "code", "正则表达式有误"),
        (form(count={"type": "integer", "minimum": 9, "maximum": 1}), "count", "minimum 不能大于 maximum"),
        (form(note={"type": "string", "minLength": 9, "maxLength": 1}), "note", "minLength 不能大于 maxLength"),
        (form(rows={"type": "array", "minItems": 3, "maxItems": 1, "items": {"enum": ["a"]}}), "rows", "minItems"),
        (form(**{"1st": {"type": "string"}}), "1st", "字段名"),
        (form(note={"type": "string", "x-widget": "editor"}), "note", "x-widget"),
        (form(note={"type": "string", "x-i18n": {"en": "Note"}}), "note", "x-i18n"),
        (form(level={"enum": ["a"], "x-i18n": {"en": {"enumNames": ["A", "B"]}}}), "level", "x-i18n"),
        ({**form(name={"type": "string"}), "required": ["name", "age"]}, "", "age"),
    ],
)
def test_each_thing_the_task_page_cannot_show_is_a_problem_of_its_field(schema: Any, path: str, fragment: str) -> None:
    """A form the renderer cannot draw is refused, each problem filed under the field it is about."""
    found = paths(schema)
    assert path in found, found
    assert any(fragment in message for message in found[path]), found


@pytest.mark.parametrize("pattern", ["(a+)+$", r"^(\w+\s?)*$", "(?:ab|c+)*", "((ab)*c)+", "(a*){2,}"])
def test_a_pattern_with_nested_quantifiers_is_refused(pattern: str) -> None:
    """A pattern runs on every submission: one whose matching can take exponential time on a near-miss
    input (a repeated group holding a repeat) is refused, saying why and how to write it instead."""
    found = paths(form(code={"type": "string", "pattern": pattern}))
    assert any("嵌套的重复" in message for message in found.get("code", [])), found


def test_a_long_pattern_is_refused_and_ordinary_ones_pass() -> None:
    """Patterns are at most 200 characters; the usual ones (codes, phone numbers, optional parts) pass."""
    found = paths(form(code={"type": "string", "pattern": "a" * 201}))
    assert any("过长" in message and "200" in message for message in found["code"]), found
    for ordinary in [r"^\d{6}$", r"^1[3-9]\d{9}$", r"^(\d{3}-)?\d{4}$", "[a+]+", r"\(a+\)+", "(a|b)+", r"(\d{3}-){2}"]:
        assert form_schema_problems(form(code={"type": "string", "pattern": ordinary})) == [], ordinary


def test_repeating_groups_are_one_level_deep_without_files() -> None:
    """Inside a repeating group: no group and no attachment; a row's required names must exist."""
    row = {
        "inner": {"type": "array", "items": {"type": "object", "properties": {"x": {"type": "string"}}}},
        "scan": {"type": "string", "format": "attachment"},
        "scans": {"type": "array", "items": {"type": "string", "format": "attachment"}},
    }
    schema = form(items={"type": "array", "items": {"type": "object", "required": ["qty"], "properties": row}})
    found = paths(schema)
    assert set(found) == {"items", "items.inner", "items.scan", "items.scans"}
    assert "qty" in found["items"][0]


def test_problems_are_worded_in_the_active_language() -> None:
    """The designer reads the problems in the page's language."""
    with translation.override("en"):
        assert form_schema_problems(form(level={"enum": []})) == ["level: Give at least one option."]


# --- the draft's forms ---


def test_saving_a_form_stores_it_in_the_draft_with_both_languages(designer: Any) -> None:
    """The form lands in the draft as forms/<key>.json (JSON text, Chinese as written); the forms revision
    goes up and the diagram's does not, so the modeler open beside it goes on autosaving."""
    draft = new_draft(designer)
    saved = draft_form_save(
        draft_id=draft.pk, actor=f.actor(designer), form_key="apply", schema=APPLY_FORM, revision=draft.forms_revision
    )
    assert (saved.forms_revision, saved.revision) == (draft.forms_revision + 1, draft.revision)
    stored = ProcessDraft.objects.get(pk=draft.pk)
    text = stored.forms["forms/apply.json"]
    assert "申请表" in text and json.loads(text) == APPLY_FORM
    autosaved = draft_save(actor=f.actor(designer), draft_id=draft.pk, bpmn_xml=APPLY, revision=draft.revision)
    assert autosaved.revision == draft.revision + 1 and autosaved.forms["forms/apply.json"] == text
    with pytest.raises(DraftStale):  # another form editor tab still on the old forms revision
        draft_form_save(
            draft_id=draft.pk,
            actor=f.actor(designer),
            form_key="apply",
            schema=APPLY_FORM,
            revision=draft.forms_revision,
        )


def test_forms_sent_with_a_diagram_save_make_an_open_form_editor_stale(designer: Any) -> None:
    """A client that PUTs forms with the diagram replaces them; the form editor opened before is then
    told on its save instead of overwriting them."""
    draft = new_draft(designer)
    replaced = draft_save(
        actor=f.actor(designer),
        draft_id=draft.pk,
        bpmn_xml=APPLY,
        revision=draft.revision,
        forms={"forms/apply.json": json.dumps(APPLY_FORM)},
    )
    assert replaced.forms_revision == draft.forms_revision + 1
    with pytest.raises(DraftStale) as stale:
        draft_form_save(
            draft_id=draft.pk,
            actor=f.actor(designer),
            form_key="apply",
            schema=APPLY_FORM,
            revision=draft.forms_revision,
        )
    assert stale.value.revision == replaced.forms_revision


def test_a_stale_revision_or_a_bad_form_stores_nothing(designer: Any) -> None:
    """Saving from an older revision is a conflict; a form with problems is refused with them by field."""
    draft = new_draft(designer)
    with pytest.raises(DraftStale) as stale:
        draft_form_save(
            draft_id=draft.pk,
            actor=f.actor(designer),
            form_key="apply",
            schema=APPLY_FORM,
            revision=draft.forms_revision - 1,
        )
    assert stale.value.revision == draft.forms_revision
    bad = form(level={"enum": []}, count={"type": "integer", "minimum": 5, "maximum": 1})
    with pytest.raises(FormSchemaInvalid) as invalid:
        draft_form_save(
            draft_id=draft.pk, actor=f.actor(designer), form_key="apply", schema=bad, revision=draft.forms_revision
        )
    assert set(invalid.value.detail) == {"level", "count"}
    with pytest.raises(ValidationFailed):
        draft_form_save(
            draft_id=draft.pk,
            actor=f.actor(designer),
            form_key="../x",
            schema=APPLY_FORM,
            revision=draft.forms_revision,
        )
    assert ProcessDraft.objects.get(pk=draft.pk).forms == {}


def test_only_the_drafts_designer_may_change_its_forms(designer: Any) -> None:
    """Another designer does not even find the draft; a clerk is not a designer at all."""
    draft = new_draft(designer)
    other, clerk = f.user("other", roles=["designer"]), f.user("clerk", roles=["clerk"])
    with pytest.raises(NotFound):
        draft_form_save(
            draft_id=draft.pk, actor=f.actor(other), form_key="apply", schema=APPLY_FORM, revision=draft.forms_revision
        )
    with pytest.raises(NotFound):
        draft_form_get(actor=f.actor(other), draft_id=draft.pk, form_key="apply")
    with pytest.raises(PermissionDenied):
        draft_form_save(
            draft_id=draft.pk, actor=f.actor(clerk), form_key="apply", schema=APPLY_FORM, revision=draft.forms_revision
        )


def test_opening_a_form_finds_the_drafts_then_the_deployed_one(designer: Any) -> None:
    """The editor opens the draft's form; a key only in bpmn/forms opens that one; any other key a new one."""
    draft = new_draft(designer)
    draft = draft_form_save(
        draft_id=draft.pk, actor=f.actor(designer), form_key="apply", schema=APPLY_FORM, revision=draft.forms_revision
    )
    own = draft_form_get(actor=f.actor(designer), draft_id=draft.pk, form_key="apply")
    deployed = draft_form_get(actor=f.actor(designer), draft_id=draft.pk, form_key="review")
    fresh = draft_form_get(actor=f.actor(designer), draft_id=draft.pk, form_key="brand_new")
    assert (own.source, own.schema) == ("draft", APPLY_FORM)
    assert deployed.source == "deployed" and deployed.schema and deployed.schema["title"] == "审核意见"
    assert (fresh.source, fresh.schema, fresh.text) == ("new", None, "")


def test_deleting_a_form_takes_it_out_of_the_draft(designer: Any) -> None:
    draft = new_draft(designer)
    draft = draft_form_save(
        draft_id=draft.pk, actor=f.actor(designer), form_key="apply", schema=APPLY_FORM, revision=draft.forms_revision
    )
    with pytest.raises(DraftStale):
        draft_form_delete(
            draft_id=draft.pk, actor=f.actor(designer), form_key="apply", revision=draft.forms_revision - 1
        )
    after = draft_form_delete(
        draft_id=draft.pk, actor=f.actor(designer), form_key="apply", revision=draft.forms_revision
    )
    assert after.forms == {} and (after.forms_revision, after.revision) == (draft.forms_revision + 1, draft.revision)
    with pytest.raises(NotFound):
        draft_form_delete(draft_id=draft.pk, actor=f.actor(designer), form_key="apply", revision=after.forms_revision)


# --- deploy uses the same rule ---


def test_deploy_refuses_a_form_the_editor_would_refuse(designer: Any) -> None:
    """A form that slipped into the draft some other way (the REST API) is caught by validate and deploy
    with the same words; the form saved by the editor deploys with the diagram."""
    f.role("clerk")
    bad = json.dumps(form(code={"type": "string", "pattern": "(["}))
    draft = new_draft(designer)
    draft = draft_save(
        actor=f.actor(designer),
        draft_id=draft.pk,
        bpmn_xml=APPLY,
        revision=draft.revision,
        forms={"forms/apply.json": bad},
    )
    result = draft_validate(actor=f.actor(designer), draft_id=draft.pk)
    assert not result.ok
    [error] = result.errors
    assert error.file_name == "forms/apply.json" and "code：" in error.message and "正则表达式有误" in error.message

    draft = draft_form_save(
        draft_id=draft.pk, actor=f.actor(designer), form_key="apply", schema=APPLY_FORM, revision=draft.forms_revision
    )
    deployed = draft_deploy(actor=f.actor(designer), draft_id=draft.pk).definition
    assert json.loads(deployed.extra_files["forms/apply.json"]) == APPLY_FORM
