"""Task forms with repeating groups: rows rendered from the JSON Schema, rows added by posting, blank rows
dropped, per-row errors next to the row's field, entered rows kept on error and restored from a draft."""

import json
import re
from typing import Any

import pytest
from django.http import QueryDict
from django.test import Client

from processes.models import HumanTask, TaskStatus
from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task
from webui.forms_jsonschema import build_fields, parse_post

pytestmark = pytest.mark.django_db(transaction=True)

PURCHASE_FORM: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["title", "items"],
    "properties": {
        "title": {"type": "string", "title": "事由", "maxLength": 100},
        "items": {
            "type": "array",
            "title": "采购明细",
            "minItems": 1,
            "maxItems": 5,
            "items": {
                "type": "object",
                "required": ["name", "qty"],
                "properties": {
                    "name": {"type": "string", "title": "品名", "maxLength": 50},
                    "qty": {"type": "integer", "title": "数量", "minimum": 1},
                    "unit": {"enum": ["个", "台", "套"], "title": "单位"},
                    "needed": {"type": "string", "format": "date", "title": "需用日期"},
                    "urgent": {"type": "boolean", "title": "加急"},
                    "note": {"type": "string", "x-widget": "textarea", "title": "备注"},
                },
                "additionalProperties": False,
            },
        },
        "quote": {"type": "string", "format": "attachment", "title": "报价单"},
        "evidence": {
            "type": "array",
            "title": "佐证材料",
            "maxItems": 3,
            "items": {"type": "string", "format": "attachment"},
        },
    },
    "additionalProperties": False,
}


def deploy_purchase(form: dict[str, Any] | None = None) -> None:
    """A one-step process: a clerk fills the purchase form (task `purchase_fill`)."""
    xml = chain("purchase", user_task("purchase_fill", "clerk", 'camunda:formKey="purchase"'))
    f.deploy(xml, extra={"forms/purchase.json": json.dumps(form or PURCHASE_FORM, ensure_ascii=False)})


def purchase_case(business_key: str = "PUR-1") -> tuple[HumanTask, Any]:
    """A clerk and an open purchase task in the clerk's department."""
    dept = f.department()
    clerk = f.user("clerk", roles=["clerk"], dept=dept)
    deploy_purchase()
    instance = instance_start(
        process_key="purchase", actor=f.actor(clerk), department_id=dept.pk, business_key=business_key
    )
    return HumanTask.objects.get(instance=instance, status=TaskStatus.OPEN), clerk


def page(task: HumanTask) -> str:
    return f"/workbench/tasks/{task.pk}/"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def field_block(html: str, html_id: str) -> str:
    """The markup of one field (its <div class="tb-field">), to check an error sits by that field."""
    at = html.index(f'id="{html_id}"')
    start = html.rindex('<div class="tb-field', 0, at)
    return html[start : html.index("</div>", at)]


@pytest.fixture
def case() -> tuple[HumanTask, Any]:
    return purchase_case()


def test_group_renders_a_blank_row_a_template_and_the_script(case) -> None:  # type: ignore[no-untyped-def]
    """A clerk sees the group with one blank row to fill (no JS needed), a <template> row, a hidden 添加一行
    button that repeat.js reveals, and the form takes files."""
    task, clerk = case
    html = client_for(clerk).get(page(task)).content.decode()
    assert 'data-tb-repeat="items"' in html and "采购明细" in html
    assert 'name="items-0-name"' in html and 'name="items-1-name"' not in html
    assert 'id="tb-field-items-0-qty" name="items-0-qty"' in html and 'step="1" min="1"' in html
    assert '<select id="tb-field-items-0-unit" name="items-0-unit"' in html
    assert 'type="date" id="tb-field-items-0-needed"' in html
    assert 'type="checkbox" id="tb-field-items-0-urgent" name="items-0-urgent"' in html
    assert '<textarea id="tb-field-items-0-note" name="items-0-note"' in html
    assert "<template data-tb-repeat-template>" in html and 'name="items-__prefix__-name"' in html
    assert "data-tb-repeat-add hidden>添加一行</button>" in html and "删除" in html
    assert "/static/webui/repeat.js" in html and 'enctype="multipart/form-data"' in html
    assert "onclick" not in html


def test_posted_rows_are_typed_and_blank_rows_dropped(case) -> None:  # type: ignore[no-untyped-def]
    """Rows come back in index order (gaps from removed rows are fine), typed per row; a row left blank —
    even one whose checkbox was never ticked — is not submitted."""
    task, clerk = case
    post = {
        "action": "complete",
        "title": "办公设备",
        "items-0-name": "笔记本电脑",
        "items-0-qty": "2",
        "items-0-unit": "台",
        "items-0-urgent": "on",
        "items-1-name": "",
        "items-1-qty": "",
        "items-1-unit": "",
        "items-7-name": "显示器",
        "items-7-qty": "3",
        "items-7-needed": "2026-12-01",
        "items-7-note": "27 寸",
        "items-3-name": " ",
        "items-3-qty": "",
    }
    response = client_for(clerk).post(page(task), post)
    assert response.status_code == 302
    done = HumanTask.objects.get(pk=task.pk)
    assert done.status == TaskStatus.COMPLETED
    assert done.submitted_data["items"] == [
        {"name": "笔记本电脑", "qty": 2, "unit": "台", "urgent": True},
        {"name": "显示器", "qty": 3, "needed": "2026-12-01", "urgent": False, "note": "27 寸"},
    ]


def test_row_errors_are_shown_by_the_rows_field_and_rows_kept(case) -> None:  # type: ignore[no-untyped-def]
    """An error in the second row (name missing, quantity 0) is shown by that row's fields, not the first
    row's; every entered value comes back; nothing advances."""
    task, clerk = case
    post = {
        "action": "complete",
        "title": "办公设备",
        "items-0-name": "笔记本电脑",
        "items-0-qty": "2",
        "items-1-name": "",
        "items-1-qty": "0",
        "items-1-note": "<b>急</b>",
    }
    response = client_for(clerk).post(page(task), post)
    html = response.content.decode()
    assert response.status_code == 400
    assert "此项为必填" in field_block(html, "tb-field-items-1-name")
    assert "不能小于 1" in field_block(html, "tb-field-items-1-qty")
    assert "tb-error" not in field_block(html, "tb-field-items-0-name")
    assert "tb-error" not in field_block(html, "tb-field-items-0-qty")
    assert 'name="items-0-name" value="笔记本电脑"' in html and 'name="items-1-qty" value="0"' in html
    assert ">&lt;b&gt;急&lt;/b&gt;</textarea>" in html and "<b>急</b>" not in html
    assert 'name="items-2-name" value=""' in html  # and a blank row to add one more
    assert HumanTask.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_too_few_rows_is_shown_on_the_group(case) -> None:  # type: ignore[no-untyped-def]
    """Only blank rows: the group says it needs at least one."""
    task, clerk = case
    response = client_for(clerk).post(page(task), {"action": "complete", "title": "x", "items-0-name": ""})
    html = response.content.decode()
    assert response.status_code == 400
    group = html[html.index('data-tb-repeat="items"') : html.index('class="tb-repeat-rows"')]
    assert "至少 1 项" in group


def test_draft_restores_rows(case) -> None:  # type: ignore[no-untyped-def]
    """A draft with two rows comes back as two filled rows plus a blank one."""
    task, clerk = case
    client = client_for(clerk)
    assert client.post(page(task), {"action": "claim"}).status_code == 302  # a draft needs the claim
    post = {"action": "draft", "items-0-name": "键盘", "items-0-qty": "5", "items-4-name": "鼠标", "items-5-name": ""}
    assert client.post(page(task), post).status_code == 302
    assert HumanTask.objects.get(pk=task.pk).draft["items"] == [
        {"name": "键盘", "qty": 5, "urgent": False},
        {"name": "鼠标", "urgent": False},
    ]
    html = client.get(page(task)).content.decode()
    assert 'name="items-0-name" value="键盘"' in html and 'name="items-0-qty" value="5"' in html
    assert 'name="items-1-name" value="鼠标"' in html and 'name="items-2-name" value=""' in html
    assert 'data-next-index="3"' in html


def test_the_completed_task_shows_rows_as_a_table(case) -> None:  # type: ignore[no-untyped-def]
    """After completing, the task page shows what was submitted: the rows in a table under their labels."""
    task, clerk = case
    client = client_for(clerk)
    client.post(page(task), {"action": "complete", "title": "T", "items-0-name": "<i>椅子</i>", "items-0-qty": "4"})
    html = client.get(page(task)).content.decode()
    assert "tb-group-table" in html and '<th scope="col">品名</th>' in html and "&lt;i&gt;椅子&lt;/i&gt;" in html
    assert "<i>椅子</i>" not in html and "data-tb-repeat" not in html


def test_renderer_group_rows_errors_and_max_items() -> None:
    """The renderer alone: rows from values, errors by `group.<row>.<field>`, no blank row at maxItems."""
    rows = [{"name": f"n{i}", "qty": i} for i in range(5)]
    errors = {"items.3.qty": ["bad"], "items.3": ["row"], "items": ["group"], "items.9.x": ["stray"]}
    (group,) = [x for x in build_fields(PURCHASE_FORM, {"items": rows}, errors) if x.name == "items"]
    assert group.widget == "group" and len(group.rows) == 5  # maxItems 5: no blank row
    assert group.errors == ["group"] and group.rows[3].errors == ["row"]
    assert [x.errors for x in group.rows[3].fields if x.name == "items-3-qty"] == [["bad"]]
    assert group.template is not None and group.template.fields[0].name == "items-__prefix__-name"
    assert group.columns == ["品名", "数量", "单位", "需用日期", "加急", "备注"]
    post = QueryDict(mutable=True)
    post.update({"items-2-qty": "x", "items-2-name": "a", "items-10-unit": "套", "unknown-0-name": "z"})
    assert parse_post(PURCHASE_FORM, post)["items"] == [
        {"name": "a", "qty": "x", "urgent": False},
        {"unit": "套", "urgent": False},
    ]


def test_the_group_and_attachments_read_in_english(case) -> None:  # type: ignore[no-untyped-def]
    """Switched to English, the group's buttons, hints and the attachments section are in English."""
    task, clerk = case
    html = f.in_english(client_for(clerk)).get(page(task)).content.decode()
    assert "Add a row" in html and "Remove" in html and "Rows left blank are not submitted." in html
    assert "At least 1 row(s)." in html and "No attachments yet." in html and "Upload a file" in html
    assert "添加一行" not in html


CHECKED_FORM: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["code", "count"],
    "properties": {
        "code": {"type": "string", "title": "统一编码", "pattern": "^[A-Z]{2}[0-9]{4}$"},
        "title": {"type": "string", "title": "标题", "maxLength": 10},
        "count": {"type": "integer", "title": "份数", "minimum": 1, "maximum": 99},
        "level": {"enum": [1, 2, 3], "title": "等级"},
        "issued": {"type": "string", "format": "date", "title": "出具日期"},
        "tags": {"type": "array", "items": {"enum": ["甲", "乙"]}, "title": "标签"},
        "items": PURCHASE_FORM["properties"]["items"],
    },
}
BAD_POST = {
    "action": "complete",
    "code": "ab12",
    "title": "一二三四五六七八九十十一",
    "count": "0",
    "level": "9",
    "issued": "2025-02-30",
    "items-0-name": "椅子",
    "items-0-qty": "0",
}


@pytest.fixture
def checked_case() -> tuple[HumanTask, Any]:
    """A clerk and an open task whose form has limits of every common kind."""
    dept = f.department()
    clerk = f.user("clerk", roles=["clerk"], dept=dept)
    deploy_purchase(CHECKED_FORM)
    instance = instance_start(process_key="purchase", actor=f.actor(clerk), department_id=dept.pk)
    return HumanTask.objects.get(instance=instance, status=TaskStatus.OPEN), clerk


def test_errors_read_in_chinese_by_each_field(checked_case) -> None:  # type: ignore[no-untyped-def]
    """Each wrong value gets a Chinese sentence naming the limit, next to its own field; no English from
    the validator shows anywhere on the page."""
    task, clerk = checked_case
    response = client_for(clerk).post(page(task), BAD_POST)
    html = response.content.decode()
    assert response.status_code == 400
    assert "格式不正确" in field_block(html, "tb-field-code")
    assert "不能超过 10 个字符" in field_block(html, "tb-field-title")
    assert "不能小于 1" in field_block(html, "tb-field-count")
    assert "请从以下选项中选择：1 / 2 / 3" in field_block(html, "tb-field-level")
    assert "请输入有效的日期，如 2025-01-31" in field_block(html, "tb-field-issued")
    assert "不能小于 1" in field_block(html, "tb-field-items-0-qty")
    for english in (
        "is less than",
        "does not match",
        "is too long",
        "is not one of",
        "is not a",
        "a required property",
    ):
        assert english not in html, english
    assert HumanTask.objects.get(pk=task.pk).status == TaskStatus.OPEN

    missing = client_for(clerk).post(page(task), {"action": "complete", "count": "abc"}).content.decode()
    assert "此项为必填" in field_block(missing, "tb-field-code")
    assert "必须是整数" in field_block(missing, "tb-field-count")


def test_errors_read_in_english_after_switching(checked_case) -> None:  # type: ignore[no-untyped-def]
    """With English chosen, the same mistakes are explained in English, limits included."""
    task, clerk = checked_case
    html = f.in_english(client_for(clerk)).post(page(task), BAD_POST).content.decode()
    assert "The format is not valid" in field_block(html, "tb-field-code")
    assert "Must be at most 10 characters" in field_block(html, "tb-field-title")
    assert "Must be at least 1" in field_block(html, "tb-field-count")
    assert "Choose one of: 1 / 2 / 3" in field_block(html, "tb-field-level")
    assert "Enter a valid date, e.g. 2025-01-31" in field_block(html, "tb-field-issued")
    assert "不能小于" not in html and "格式不正确" not in html
    missing = f.in_english(client_for(clerk)).post(page(task), {"action": "complete"}).content.decode()
    assert "This field is required" in field_block(missing, "tb-field-code")


def test_each_error_is_tied_to_its_input(checked_case) -> None:  # type: ignore[no-untyped-def]
    """A screen reader hears the error with the field: the input is marked invalid and described by the
    error's element; fields without errors carry neither."""
    task, clerk = checked_case
    html = client_for(clerk).post(page(task), {**BAD_POST, "tags": "丙", "items-0-name": "", "items-0-qty": ""})
    html = html.content.decode()
    for html_id in ("tb-field-code", "tb-field-count", "tb-field-level", "tb-field-title"):
        block = field_block(html, html_id)
        assert f'id="{html_id}"' in block and 'aria-invalid="true"' in block
        assert f'aria-describedby="{html_id}-error-1"' in block
        assert f'<p class="tb-error" id="{html_id}-error-1" role="alert">' in block
    tags = field_block(html, "tb-field-tags-error-1")
    assert '<fieldset aria-describedby="tb-field-tags-error-1">' in tags and 'aria-invalid="true"' in tags
    # The only row was left blank, so the group itself needs a row: the group is described by that error.
    assert 'data-tb-repeat="items"' in html and 'aria-describedby="tb-field-items-error-1"' in html
    assert '<p class="tb-error" id="tb-field-items-error-1" role="alert">至少 1 项</p>' in html

    clean = client_for(clerk).get(page(task)).content.decode()
    assert not re.search(r"<(?:input|select|textarea|fieldset)\b[^>]*aria-invalid", clean)
    assert "aria-describedby" not in clean


def test_renderer_gives_row_errors_their_own_ids() -> None:
    """A row's own errors get ids under the row, which the row's fieldset names."""
    errors = {"items.0": ["行有误"], "items.0.qty": ["不能小于 1"]}
    (group,) = [x for x in build_fields(PURCHASE_FORM, {"items": [{"qty": 0}]}, errors) if x.name == "items"]
    row = group.rows[0]
    assert row.error_items == [("tb-row-items-0-error-1", "行有误")] and row.error_ids == "tb-row-items-0-error-1"
    qty = next(x for x in row.fields if x.name == "items-0-qty")
    assert qty.error_ids == "tb-field-items-0-qty-error-1"
