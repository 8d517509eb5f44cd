"""Task forms in two languages: Chinese in `title`/`description`/`enumNames`, English in `x-i18n`. A person
who chose English sees the English labels (the Chinese where a form has no English), and what they submit —
and so what validates — is the same in both languages."""

import json
from typing import Any

import pytest
from django.http import QueryDict
from django.utils import translation

from processes.models import HumanTask, TaskStatus
from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task
from tests.webui.test_task_forms import client_for, field_block
from webui.forms_jsonschema import build_fields, parse_post

pytestmark = pytest.mark.django_db(transaction=True)

FORM: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["copies", "level"],
    "properties": {
        "copies": {
            "type": "integer",
            "title": "份数",
            "description": "纸质材料的份数",
            "minimum": 1,
            "x-i18n": {"en": {"title": "Copies", "description": "Number of paper copies"}},
        },
        "level": {
            "type": "string",
            "title": "等级",
            "enum": ["low", "high"],
            "enumNames": ["低", "高"],
            "x-i18n": {"en": {"title": "Level", "enumNames": ["Low", "High"]}},
        },
        "tags": {
            "type": "array",
            "title": "标签",
            "items": {"type": "string", "enum": ["a", "b"]},
            "enumNames": ["甲", "乙"],
            "x-i18n": {"en": {"enumNames": ["Alpha", ""]}},
        },
        "remark": {"type": "string", "title": "备注"},
        "rows": {
            "type": "array",
            "title": "明细",
            "x-i18n": {"en": {"title": "Lines"}},
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string", "title": "品名", "x-i18n": {"en": {"title": "Item"}}}},
            },
        },
    },
    "additionalProperties": False,
}


def fields(language: str, values: dict[str, Any] | None = None) -> dict[str, Any]:
    with translation.override(language):
        return {field.name: field for field in build_fields(FORM, values)}


def test_english_labels_help_and_options_when_english_is_chosen() -> None:
    """Titles, help texts, option labels and a group's columns come from x-i18n.en in English."""
    shown = fields("en", {"level": "high", "tags": ["a"]})
    assert (shown["copies"].label, shown["copies"].help) == ("Copies", "Number of paper copies")
    assert [(c.value, c.label, c.selected) for c in shown["level"].choices] == [
        ("low", "Low", False),
        ("high", "High", True),
    ]
    assert shown["rows"].label == "Lines" and shown["rows"].columns == ["Item"]
    assert shown["rows"].rows[0].fields[0].label == "Item"


def test_chinese_labels_otherwise_and_chinese_where_english_is_missing() -> None:
    """In Chinese the Chinese labels (option labels from enumNames); in English, a label without English
    falls back to the Chinese one, an option without a label to its value."""
    chinese = fields("zh-hans")
    assert chinese["copies"].label == "份数" and chinese["copies"].help == "纸质材料的份数"
    assert [c.label for c in chinese["level"].choices] == ["低", "高"]
    assert [c.label for c in chinese["tags"].choices] == ["甲", "乙"]
    english = fields("en")
    assert english["remark"].label == "备注" and english["tags"].label == "标签"
    assert [c.label for c in english["tags"].choices] == ["Alpha", "乙"]
    plain = {"type": "object", "properties": {"kind": {"enum": ["x", "y"]}}}
    with translation.override("en"):
        assert [c.label for c in build_fields(plain)[0].choices] == ["x", "y"]


def test_what_is_posted_is_the_same_in_both_languages() -> None:
    """The options post their values, not their labels, so parsing and validation do not change."""
    post = QueryDict("copies=2&level=high&tags=a&tags=b")
    results = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            results.append(parse_post(FORM, post))
    assert results[0] == results[1] == {"copies": 2, "level": "high", "tags": ["a", "b"], "rows": []}


def deploy_and_open(business_key: str) -> tuple[HumanTask, Any]:
    dept = f.department()
    clerk = f.user("clerk", roles=["clerk"], dept=dept)
    xml = chain("bilingual", user_task("fill", "clerk", 'camunda:formKey="bilingual"'))
    f.deploy(xml, extra={"forms/bilingual.json": json.dumps(FORM, ensure_ascii=False)})
    instance = instance_start(
        process_key="bilingual", actor=f.actor(clerk), department_id=dept.pk, business_key=business_key
    )
    return HumanTask.objects.get(instance=instance, status=TaskStatus.OPEN), clerk


def test_the_task_page_in_english_shows_the_english_form_and_validates_the_same() -> None:
    """A clerk who chose English sees Copies/Level/High; a wrong post gets its errors by the English field;
    the right one completes the task with the option's value."""
    task, clerk = deploy_and_open("BI-1")
    client = f.in_english(client_for(clerk))
    url = f"/workbench/tasks/{task.pk}/"
    html = client.get(url).content.decode()
    assert '<label for="tb-field-copies">Copies' in html and "Number of paper copies" in html
    assert '<option value="high">High</option>' in html and "份数" not in html
    refused = client.post(url, {"action": "complete", "copies": "0", "level": "high"})
    assert refused.status_code == 400
    assert "Copies" in field_block(refused.content.decode(), "tb-field-copies")
    done = client.post(url, {"action": "complete", "copies": "2", "level": "high"})
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.COMPLETED and (task.submitted_data or {})["level"] == "high"
