"""流程设计 › 表单: the form editor. A designer edits a task form as a field list (name, type, Chinese and
English labels, 必填, help, options, limits; groups one level deep) beside a preview drawn by the task page's
own renderer; saving checks the form and stores it in the draft. Owner only, CSRF on every POST, a fixed
number of queries, and it all works as plain form posts (htmx only swaps the results in)."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from processes.models import ProcessDraft
from processes.services.designer import draft_create, draft_save
from processes.services.designer_forms import draft_form_delete, draft_form_save
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task
from tests.processes.test_designer_forms import APPLY_FORM
from tests.webui.test_page_quality import EXTERNAL, _forms_without_token
from tests.webui.test_task_forms import PURCHASE_FORM
from webui.form_editor.schema import form_from_schema, form_schema, new_form

pytestmark = pytest.mark.django_db

APPLY = chain("apply_flow", user_task("fill", "clerk", 'camunda:formKey="apply"'))
EVIL = "<script>alert(1)</script>"


# bpmn/forms: the forms every draft can pick besides its own.
DEPLOYABLE_FORMS = list((Path(__file__).resolve().parents[2] / "bpmn" / "forms").glob("*.json"))


def client_for(user: Any, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


@pytest.fixture
def designer() -> Any:
    return f.user("designer", roles=["designer"])


@pytest.fixture
def draft(designer: Any) -> ProcessDraft:
    created = draft_create(actor=f.actor(designer))
    return draft_save(actor=f.actor(designer), draft_id=created.pk, bpmn_xml=APPLY, revision=created.revision)


def with_form(designer: Any, draft: ProcessDraft, schema: dict[str, Any], key: str = "apply") -> ProcessDraft:
    return draft_form_save(
        draft_id=draft.pk, actor=f.actor(designer), form_key=key, schema=schema, revision=draft.forms_revision
    )


def editor(draft: ProcessDraft, key: str = "apply") -> str:
    return f"/flows/designer/{draft.pk}/forms/{key}/"


def state(revision: int, *fields: dict[str, str], **form: str) -> dict[str, str]:
    """The editor form as the browser posts it: `fields` are {what: value} per field, numbered in order."""
    posted = {"revision": str(revision), "title": form.pop("title", ""), "title_en": form.pop("title_en", "")}
    posted["extra"] = new_form().extra  # the hidden keywords a new form starts with
    for n, spec in enumerate(fields):
        posted.update({f"f-{n}-{what}": value for what, value in spec.items()})
    posted.update(form)
    return posted


COPIES = {"name": "copies", "kind": "integer", "label": "份数", "label_en": "Copies", "required": "on", "minimum": "1"}
LEVEL = {
    "name": "level",
    "kind": "select",
    "label": "等级",
    "label_en": "Level",
    "o-0-value": "low",
    "o-0-label": "低",
    "o-0-label_en": "Low",
    "o-1-value": "high",
    "o-1-label": "高",
    "o-1-label_en": "High",
}


def field_block(html: str, path: str) -> str:
    """The editor's fieldset of one field (`path` "0", or "0.1" for a group's field)."""
    start = html.index(f'data-path="{path}"')
    start = html.rindex("<fieldset", 0, start)
    depth, at = 0, start
    for match in re.finditer(r"<(/?)fieldset\b", html[start:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            at = start + match.end()
            break
    return html[start:at]


def preview_of(html: str) -> str:
    return html.split('id="tb-fe-preview"', 1)[1].split('<details class="tb-fe-generated">', 1)[0]


# --- opening ---


def test_the_editor_opens_the_stored_form_as_a_field_list_beside_its_preview(designer: Any, draft: Any) -> None:
    """Each field's name, type, labels in both languages, 必填, limits and options are editable; the preview
    is the task page's own markup; the generated JSON Schema is shown and every POST form has its token."""
    draft = with_form(designer, draft, APPLY_FORM)
    response = client_for(designer).get(editor(draft))
    html = response.content.decode()
    assert response.status_code == 200
    copies = field_block(html, "0")
    assert 'name="f-0-name" value="copies"' in copies and '<option value="integer" selected>整数</option>' in copies
    assert 'name="f-0-label_en" value="Copies"' in copies and 'name="f-0-required" value="on" checked' in copies
    assert 'name="f-0-minimum" value="1"' in copies and 'name="f-0-pattern"' not in copies
    level = field_block(html, "1")
    assert 'name="f-1-o-1-value" value="high"' in level and 'name="f-1-o-1-label_en" value="High"' in level
    preview = preview_of(html)
    assert 'id="tb-field-copies"' in preview and 'min="1"' in preview and 'aria-required="true"' in preview
    assert '<option value="high">高</option>' in preview
    assert "&quot;enumNames&quot;" in html.split('id="tb-fe-schema"', 1)[1]
    assert f'hx-post="/flows/designer/{draft.pk}/forms/apply/preview/"' in html
    assert not _forms_without_token(html) and not EXTERNAL.findall(html)


def test_a_new_key_opens_a_blank_form_and_a_deployed_one_its_copy(designer: Any, draft: Any) -> None:
    """新表单 starts with one empty field; a key only in bpmn/forms opens that form, to be saved into the draft."""
    client = client_for(designer)
    blank = client.get(editor(draft, "brand_new")).content.decode()
    assert 'name="f-0-name" value=""' in blank and 'name="f-1-name"' not in blank and "新表单" in blank
    review = client.get(editor(draft, "review")).content.decode()
    assert 'name="f-0-name" value="approved"' in review and "已部署的表单库" in review


def test_the_page_is_in_english_with_english_labels_in_the_preview(designer: Any, draft: Any) -> None:
    """With English chosen, the editor speaks English and the preview shows the English labels."""
    draft = with_form(designer, draft, APPLY_FORM)
    html = f.in_english(client_for(designer)).get(editor(draft)).content.decode()
    assert "Save form" in html and "English label" in html and "保存表单" not in html
    preview = preview_of(html)
    assert "Copies" in preview and '<option value="high">High</option>' in preview and "份数" not in preview


# --- the live preview ---


def test_the_preview_follows_the_posted_field_list(designer: Any, draft: Any) -> None:
    """Whatever the designer typed (not yet saved) comes back as the preview fragment, in the page's
    language, with what saving would refuse; the schema view is swapped out of band."""
    client = client_for(designer)
    url = f"{editor(draft)}preview/"
    posted = state(draft.forms_revision, COPIES, LEVEL, {"name": "when", "kind": "date", "label": "日期"})
    response = client.post(url, posted, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="tb-field-copies"' in html and 'type="date" id="tb-field-when"' in html
    assert '<option value="low">低</option>' in html and "保存前需要修正" not in html
    assert 'id="tb-fe-schema" class="tb-fe-pre" tabindex="0" hx-swap-oob="true"' in html
    english = f.in_english(client_for(designer)).post(url, posted).content.decode()
    assert "Copies" in english and '<option value="low">Low</option>' in english and "日期" in english
    broken = {**LEVEL, "o-0-value": "", "o-0-label": "", "o-0-label_en": "", "o-1-value": "", "o-1-label": ""}
    broken.pop("o-1-label_en")
    html = client.post(url, state(draft.forms_revision, {**COPIES, "minimum": "abc"}, broken)).content.decode()
    assert "保存前需要修正" in html and "minimum：请输入数字。" in html and "level：请至少提供一个选项。" in html


# --- changing the list ---


def test_buttons_add_move_and_delete_fields_and_options(designer: Any, draft: Any) -> None:
    """添加字段, 上移/下移, 删除字段, 添加选项/删除 and 添加子字段 each post the list and get it back changed
    (nothing saved); a select without options gets an empty option row, a new group an empty field row."""
    client = client_for(designer)
    url = editor(draft)
    two = state(draft.forms_revision, COPIES, LEVEL)

    html = client.post(url, {**two, "op": "add"}).content.decode()
    assert 'name="f-2-name" value=""' in html and 'data-dirty="1"' in html
    html = client.post(url, {**two, "op": "down:0"}).content.decode()
    assert 'name="f-0-name" value="level"' in html and 'name="f-1-name" value="copies"' in html
    html = client.post(url, {**two, "op": "delete:0"}).content.decode()
    assert 'name="f-0-name" value="level"' in html and "copies" not in html.split('id="tb-fe-form"', 1)[1]
    html = client.post(url, {**two, "op": "add_option:1"}).content.decode()
    assert 'name="f-1-o-2-value" value=""' in html
    html = client.post(url, {**two, "op": "delete_option:1:0"}).content.decode()
    assert 'name="f-1-o-0-value" value="high"' in html and 'name="f-1-o-1-value"' not in html
    html = client.post(url, {**two, "f-0-kind": "select", "op": "refresh"}).content.decode()
    assert 'name="f-0-o-0-value" value=""' in html
    group = {"name": "items", "kind": "group", "label": "明细"}
    html = client.post(url, {**state(draft.forms_revision, group), "op": "refresh"}).content.decode()
    sub = field_block(html, "0.0")
    assert 'name="f-0-s-0-name" value=""' in sub and 'value="group"' not in sub and 'value="attachment"' not in sub
    html = client.post(url, {**state(draft.forms_revision, group), "op": "add_sub:0"}).content.decode()
    assert 'name="f-0-s-0-name"' in html and 'name="f-0-s-1-name"' not in html  # blank row kept, one added
    assert ProcessDraft.objects.get(pk=draft.pk).forms == {}


def test_hand_written_json_round_trips_through_the_field_list(designer: Any, draft: Any) -> None:
    """高级：直接编辑 JSON: applying a schema fills the field list; the list gives the same schema back. JSON
    that is not a form is refused with the reason and the list stays as it was."""
    by_hand = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": [],
        "properties": {
            "mail": {"type": "string", "format": "email", "title": "邮箱", "default": "a@b.cn"},
            "level": {"type": "integer", "enum": [1, 2], "x-i18n": {"ja": {"title": "レベル"}}},
            "due": {"type": "string", "format": "date", "pattern": "^2"},
        },
    }
    for schema in (
        by_hand,
        APPLY_FORM,
        PURCHASE_FORM,
        *[json.loads(p.read_text()) for p in (f.BPMN_DIR / "forms").glob("*.json")],
    ):
        assert form_schema(form_from_schema(schema)) == schema
    client = client_for(designer)
    html = client.post(
        editor(draft), {**state(draft.forms_revision), "op": "apply_json", "json": json.dumps(APPLY_FORM)}
    )
    page = html.content.decode()
    assert 'name="f-1-o-0-label_en" value="Low"' in page and "已按 JSON 更新字段列表" in page
    refused = client.post(editor(draft), {**state(draft.forms_revision, COPIES), "op": "apply_json", "json": "{nope"})
    page = refused.content.decode()
    assert refused.status_code == 400 and "不是有效的 JSON" in page and 'name="f-0-name" value="copies"' in page
    bad = json.dumps({"type": "object", "properties": {"x": {"type": "object"}}})
    page = client.post(editor(draft), {**state(draft.forms_revision), "op": "apply_json", "json": bad}).content.decode()
    assert "不支持嵌套的对象字段" in page


# --- saving ---


def test_saving_stores_the_form_in_the_draft_with_both_languages(designer: Any, draft: Any) -> None:
    """保存表单 turns the list into JSON Schema (Chinese in title/enumNames, English in x-i18n), stores it in
    the draft, bumps the revision and comes back to the editor saying so."""
    client = client_for(designer)
    posted = {**state(draft.forms_revision, COPIES, LEVEL, title="申请表", title_en="Application"), "op": "save"}
    response = client.post(editor(draft), posted)
    assert response.status_code == 302 and response["Location"] == editor(draft)
    stored = ProcessDraft.objects.get(pk=draft.pk)
    assert stored.forms_revision == draft.forms_revision + 1
    schema = json.loads(stored.forms["forms/apply.json"])
    assert schema["title"] == "申请表" and schema["x-i18n"] == {"en": {"title": "Application"}}
    assert schema["required"] == ["copies"] and schema["additionalProperties"] is False
    assert schema["properties"]["copies"] == {
        "type": "integer",
        "title": "份数",
        "x-i18n": {"en": {"title": "Copies"}},
        "minimum": 1,
    }
    level = schema["properties"]["level"]
    assert level["enum"] == ["low", "high"] and level["enumNames"] == ["低", "高"]
    assert level["x-i18n"] == {"en": {"title": "Level", "enumNames": ["Low", "High"]}}
    again = client.get(editor(draft)).content.decode()
    assert "表单 apply 已保存到草稿。" in again and f'name="revision" value="{stored.forms_revision}"' in again


def test_saving_a_bad_form_shows_each_error_by_its_field(designer: Any, draft: Any) -> None:
    """Nothing is stored; each error sits in the fieldset of the field it is about, typed values kept."""
    client = client_for(designer)
    fields = (
        {**COPIES, "minimum": "abc"},
        {"name": "level", "kind": "select", "label": "等级"},
        {"name": "code", "kind": "text", "label": "编码", "pattern": "(["},
        {"name": "copies", "kind": "text", "label": "重复"},
        {"name": "", "kind": "text", "label": "没有名字"},
    )
    response = client.post(editor(draft), {**state(draft.forms_revision, *fields), "op": "save"})
    html = response.content.decode()
    assert response.status_code == 400 and "表单有误，请按提示修改。" in html
    assert "minimum：请输入数字。" in field_block(html, "0") and 'value="abc"' in field_block(html, "0")
    assert field_block(html, "3").count("字段名“copies”重复。") == 1 and "请填写字段名。" in field_block(html, "4")
    assert ProcessDraft.objects.get(pk=draft.pk).forms == {}
    # With the names fixed, the schema's own problems come back by field too.
    named = (COPIES, fields[1], fields[2])
    html = client.post(editor(draft), {**state(draft.forms_revision, *named), "op": "save"}).content.decode()
    assert "请至少提供一个选项。" in field_block(html, "1") and "正则表达式有误" in field_block(html, "2")
    assert 'aria-invalid="true"' in field_block(html, "1") and "请至少提供一个选项" not in field_block(html, "0")
    assert ProcessDraft.objects.get(pk=draft.pk).forms == {}


def test_a_save_from_a_stale_page_is_refused_and_may_be_repeated(designer: Any, draft: Any) -> None:
    """When the draft's forms were saved elsewhere (another editor tab) since the page opened, the save
    answers 409 keeping the edits; the page now carries the current forms revision, so saving again on
    purpose stores the form."""
    client = client_for(designer)
    with_form(designer, draft, APPLY_FORM, key="other")
    response = client.post(editor(draft), {**state(draft.forms_revision, COPIES), "op": "save"})
    html = response.content.decode()
    assert response.status_code == 409 and "表单已在别处保存" in html and 'value="copies"' in html
    assert f'name="revision" value="{draft.forms_revision + 1}"' in html
    again = client.post(editor(draft), {**state(draft.forms_revision + 1, COPIES), "op": "save"})
    assert again.status_code == 302 and "forms/apply.json" in ProcessDraft.objects.get(pk=draft.pk).forms


def test_the_modeler_autosaving_beside_the_editor_does_not_make_either_stale(designer: Any, draft: Any) -> None:
    """The modeler and the form editor open side by side: the diagram's autosave does not refuse the form's
    save, and the form's save does not refuse the modeler's next autosave (which used to stop it)."""
    client = client_for(designer)
    page = client.get(editor(draft)).content.decode()
    assert f'name="revision" value="{draft.forms_revision}"' in page
    autosaved = draft_save(actor=f.actor(designer), draft_id=draft.pk, bpmn_xml=APPLY, revision=draft.revision)
    saved = client.post(editor(draft), {**state(draft.forms_revision, COPIES), "op": "save"})
    assert saved.status_code == 302
    next_autosave = draft_save(actor=f.actor(designer), draft_id=draft.pk, bpmn_xml=APPLY, revision=autosaved.revision)
    assert next_autosave.revision == autosaved.revision + 1 and "forms/apply.json" in next_autosave.forms


def test_the_editor_pages_are_never_cached(designer: Any, draft: Any) -> None:
    """Back in the browser reloads the editor (and the forms list) rather than showing a copy holding an
    old forms revision, whose save would then be refused."""
    client = client_for(designer)
    for url in (editor(draft), f"/flows/designer/{draft.pk}/forms/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"], url


def test_user_text_is_escaped_in_the_editor_and_the_preview(designer: Any, draft: Any) -> None:
    client = client_for(designer)
    evil = {"name": "note", "kind": "text", "label": EVIL, "label_en": EVIL, "help": EVIL}
    html = client.post(editor(draft), {**state(draft.forms_revision, evil), "op": "refresh"}).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in preview_of(html)


# --- the list of forms ---


def test_the_forms_page_lists_the_drafts_forms_and_starts_a_new_one(designer: Any, draft: Any) -> None:
    """The draft's forms and the deployable ones, each with 编辑; 新建表单 opens the editor for a valid key."""
    draft = with_form(designer, draft, APPLY_FORM)
    client = client_for(designer)
    url = f"/flows/designer/{draft.pk}/forms/"
    html = client.get(url).content.decode()
    assert 'data-form="apply"' in html and 'data-form="review"' in html and "本草稿" in html
    assert f'href="{editor(draft)}"' in html and not _forms_without_token(html)
    response = client.get(url, {"key": "new_form"})
    assert response.status_code == 302 and response["Location"] == editor(draft, "new_form")
    refused = client.get(url, {"key": "../etc"})
    assert refused.status_code == 400 and "表单标识只能包含" in refused.content.decode()
    one = _queries(client, "get", url)
    for n in range(5):
        draft = with_form(designer, draft, APPLY_FORM, f"more{n}")
    listed = client.get(url).content.decode().count("data-form=")
    assert _queries(client, "get", url) == one and listed == 6 + len(DEPLOYABLE_FORMS)
    for n in range(5):
        draft = draft_form_delete(
            draft_id=draft.pk, actor=f.actor(designer), form_key=f"more{n}", revision=draft.forms_revision
        )
    deleted = client.post(f"{editor(draft)}delete/", {"revision": draft.forms_revision})
    assert deleted.status_code == 302 and ProcessDraft.objects.get(pk=draft.pk).forms == {}


# --- who may ---


def test_only_the_drafts_designer_may_open_it(designer: Any, draft: Any) -> None:
    """Another designer gets a 404 (nothing is revealed), a clerk the designer-only 403, a stranger the login."""
    other, clerk = f.user("other", roles=["designer"]), f.user("clerk", roles=["clerk"])
    urls = [editor(draft), f"{editor(draft)}preview/", f"/flows/designer/{draft.pk}/forms/"]
    for url in urls:
        assert client_for(other).get(url).status_code in (404, 405), url
        assert client_for(clerk).get(url).status_code in (403, 405), url
        assert Client().get(url).status_code == 302, url
    assert (
        client_for(other).post(editor(draft), {**state(draft.forms_revision, COPIES), "op": "save"}).status_code == 404
    )
    assert client_for(other).post(f"{editor(draft)}preview/", state(draft.forms_revision, COPIES)).status_code == 404
    assert ProcessDraft.objects.get(pk=draft.pk).forms == {}


def test_posts_without_the_csrf_token_are_refused(designer: Any, draft: Any) -> None:
    client = client_for(designer, csrf=True)
    for url in (editor(draft), f"{editor(draft)}preview/", f"{editor(draft)}delete/"):
        assert client.post(url, {**state(draft.forms_revision, COPIES), "op": "save"}).status_code == 403, url
    assert ProcessDraft.objects.get(pk=draft.pk).forms == {}


def _queries(client: Client, method: str, url: str, data: dict[str, str] | None = None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url) if method == "get" else client.post(url, data or {})
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_queries_do_not_grow_with_fields(designer: Any, draft: Any) -> None:
    """One field or twenty (with options), opened, previewed or changed: the same queries."""
    client = client_for(designer)
    client.get(editor(draft))  # warm up: the session
    many = [{**LEVEL, "name": f"level{n}"} for n in range(20)]
    one_form = {"type": "object", "properties": {"copies": {"type": "integer"}}}
    many_form = form_schema(form_from_schema({"type": "object", "properties": {}}))
    many_form["properties"] = {f"f{n}": {"type": "string", "enum": ["a", "b"]} for n in range(20)}
    draft = with_form(designer, draft, one_form, "one")
    draft = with_form(designer, draft, many_form, "many")
    assert _queries(client, "get", editor(draft, "one")) == _queries(client, "get", editor(draft, "many"))
    preview = f"{editor(draft)}preview/"
    assert _queries(client, "post", preview, state(draft.forms_revision, COPIES)) == _queries(
        client, "post", preview, state(draft.forms_revision, *many)
    )
    one, twenty = ({**state(draft.forms_revision, *fields), "op": "add"} for fields in ([COPIES], many))
    assert _queries(client, "post", editor(draft), one) == _queries(client, "post", editor(draft), twenty)
