"""Form errors as people read them: one sentence per JSON Schema keyword, in the chosen language, with the
limit in it; each error filed under the field it is about (the API's error keys)."""

from typing import Any

import pytest
from django.utils import translation
from jsonschema import Draft202012Validator

from processes.form_messages import error_message, error_path

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "it's"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "it's": {},
        "count": {"type": "integer", "minimum": 1, "maximum": 9},
        "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "multipleOf": 0.25},
        "title": {"type": "string", "minLength": 3, "maxLength": 5, "pattern": "^[a-z]+$"},
        "level": {"enum": ["低", "中", "高"]},
        "agree": {"const": True},
        "channel": {"const": "网上"},
        "on": {"type": "string", "format": "date"},
        "mail": {"type": "string", "format": "email"},
        "tags": {"type": "array", "minItems": 2, "maxItems": 1, "uniqueItems": True},
        "either": {"anyOf": [{"type": "string"}, {"type": "boolean"}]},
        "rows": {"type": "array", "items": {"type": "object", "required": ["qty"]}},
    },
}


def messages(data: dict[str, Any], language: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    validator = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
    with translation.override(language):
        for error in validator.iter_errors(data):
            found.setdefault(error_path(error), []).append(error_message(error))
    return found


WRONG = {
    "name": "",
    "count": 0,
    "ratio": 1,
    "title": "AB",
    "level": "急",
    "agree": False,
    "channel": "窗口",
    "on": "2025-02-30",
    "mail": "nobody",
    "tags": [1, 1],
    "either": 3,
    "rows": [{"qty": 1}, {}],
    "extra": 1,
}


def test_each_kind_of_mistake_reads_in_chinese() -> None:
    """A clerk reads what to fix, limit included, under the field it concerns."""
    assert messages(WRONG, "zh-hans") == {
        "it's": ["此项为必填"],
        "": ["不允许的字段：extra"],
        "name": ["不能为空"],
        "count": ["不能小于 1"],
        "ratio": ["必须小于 1"],
        "title": ["至少 3 个字符", "格式不正确"],
        "level": ["请从以下选项中选择：低 / 中 / 高"],
        "agree": ["必须勾选此项"],
        "channel": ["必须为 网上"],
        "on": ["请输入有效的日期，如 2025-01-31"],
        "mail": ["请输入有效的电子邮箱地址"],
        "tags": ["最多 1 项", "不能有重复的项"],
        "either": ["值不符合要求"],
        "rows.1.qty": ["此项为必填"],
    }


def test_the_same_mistakes_read_in_english() -> None:
    """With English chosen, the same sentences in English, plurals right."""
    found = messages(WRONG, "en")
    assert found["it's"] == ["This field is required"] and found["name"] == ["Must not be empty"]
    assert found["count"] == ["Must be at least 1"] and found["ratio"] == ["Must be less than 1"]
    assert found["title"] == ["Must be at least 3 characters", "The format is not valid"]
    assert found["level"] == ["Choose one of: 低 / 中 / 高"] and found["agree"] == ["This must be ticked"]
    assert found["on"] == ["Enter a valid date, e.g. 2025-01-31"]
    assert found["tags"] == ["At most 1 item allowed", "Items must not repeat"]
    assert found["either"] == ["The value is not valid"] and found[""] == ["Fields not allowed: extra"]


@pytest.mark.parametrize(
    ("data", "zh", "en"),
    [
        ({"count": 10}, "不能大于 9", "Must be at most 9"),
        ({"count": "x"}, "必须是整数", "Must be a whole number"),
        ({"ratio": 0}, "必须大于 0", "Must be greater than 0"),
        ({"ratio": 0.3}, "必须是 0.25 的倍数", "Must be a multiple of 0.25"),
        ({"title": "abcdef"}, "不能超过 5 个字符", "Must be at most 5 characters"),
        ({"tags": []}, "至少 2 项", "Needs at least 2 items"),
    ],
)
def test_other_limits(data: dict[str, Any], zh: str, en: str) -> None:
    """Upper limits, wrong types and steps name their number too."""
    (field,) = data
    assert messages({"name": "a", "it's": 1, **data}, "zh-hans") == {field: [zh]}
    assert messages({"name": "a", "it's": 1, **data}, "en") == {field: [en]}
