"""Form validation errors as a person reads them: one message per JSON Schema keyword, in the language of
the request (Chinese msgids, English in locale/en), with the schema's limit in the text — "不能小于 1" /
"Must be at least 1" rather than jsonschema's "0 is less than the minimum of 1".

Only the message changes: where an error belongs (its path) is what jsonschema reports, plus the property
name for a missing `required` one, so the API's error detail keeps its keys.
"""

import json
from collections.abc import Callable
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from jsonschema import ValidationError

MAX_CHOICES_SHOWN = 10

_TYPES: dict[str, Promise] = {
    "integer": gettext_lazy("必须是整数"),
    "number": gettext_lazy("必须是数字"),
    "string": gettext_lazy("必须是文本"),
    "boolean": gettext_lazy("必须是“是”或“否”"),
    "array": gettext_lazy("必须是列表"),
    "object": gettext_lazy("必须是一组字段"),
    "null": gettext_lazy("必须为空"),
}

_FORMATS: dict[str, Promise] = {
    "date": gettext_lazy("请输入有效的日期，如 2025-01-31"),
    "date-time": gettext_lazy("请输入有效的日期和时间，如 2025-01-31T09:30:00+08:00"),
    "time": gettext_lazy("请输入有效的时间，如 09:30:00"),
    "email": gettext_lazy("请输入有效的电子邮箱地址"),
    "idn-email": gettext_lazy("请输入有效的电子邮箱地址"),
    "ipv4": gettext_lazy("请输入有效的 IPv4 地址"),
    "ipv6": gettext_lazy("请输入有效的 IPv6 地址"),
    "uri": gettext_lazy("请输入有效的网址"),
    "uuid": gettext_lazy("请输入有效的 UUID"),
}


def _shown(value: Any) -> str:
    """A schema value as text: strings as they are, booleans as 是/否, the rest as compact JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return json.dumps(value, ensure_ascii=False)


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _type(error: ValidationError) -> str:
    expected = error.validator_value
    kinds = [expected] if isinstance(expected, str) else [k for k in _list(expected) if k != "null"] or ["null"]
    message = _TYPES.get(str(kinds[0]))
    return str(message) if message is not None else _("值不符合要求")


def _format(error: ValidationError) -> str:
    message = _FORMATS.get(str(error.validator_value))
    return str(message) if message is not None else _("格式应为 %(format)s") % {"format": error.validator_value}


def _enum(error: ValidationError) -> str:
    options = _list(error.validator_value)
    shown = " / ".join(_shown(option) for option in options[:MAX_CHOICES_SHOWN])
    if len(options) > MAX_CHOICES_SHOWN:
        shown += " / …"
    return _("请从以下选项中选择：%(choices)s") % {"choices": shown}


def _const(error: ValidationError) -> str:
    if error.validator_value is True:  # a box to tick, such as "I confirm …"
        return _("必须勾选此项")
    return _("必须为 %(value)s") % {"value": _shown(error.validator_value)}


def _additional(error: ValidationError) -> str:
    known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
    extra = [str(k) for k in error.instance if k not in known] if isinstance(error.instance, dict) else []
    return _("不允许的字段：%(names)s") % {"names": ", ".join(extra)}


def _min_length(error: ValidationError) -> str:
    n = _count(error.validator_value)
    if n == 1 and error.instance == "":
        return _("不能为空")
    return ngettext("至少 %(limit)s 个字符", "至少 %(limit)s 个字符", n) % {"limit": n}


def _max_length(error: ValidationError) -> str:
    n = _count(error.validator_value)
    return ngettext("不能超过 %(limit)s 个字符", "不能超过 %(limit)s 个字符", n) % {"limit": n}


def _min_items(error: ValidationError) -> str:
    n = _count(error.validator_value)
    return ngettext("至少 %(limit)s 项", "至少 %(limit)s 项", n) % {"limit": n}


def _max_items(error: ValidationError) -> str:
    n = _count(error.validator_value)
    return ngettext("最多 %(limit)s 项", "最多 %(limit)s 项", n) % {"limit": n}


def _limited(message: Callable[[], str]) -> Callable[[ValidationError], str]:
    return lambda error: message() % {"limit": _shown(error.validator_value)}


_MESSAGES: dict[str, Callable[[ValidationError], str]] = {
    "required": lambda error: _("此项为必填"),
    "type": _type,
    "minimum": _limited(lambda: _("不能小于 %(limit)s")),
    "maximum": _limited(lambda: _("不能大于 %(limit)s")),
    "exclusiveMinimum": _limited(lambda: _("必须大于 %(limit)s")),
    "exclusiveMaximum": _limited(lambda: _("必须小于 %(limit)s")),
    "multipleOf": _limited(lambda: _("必须是 %(limit)s 的倍数")),
    "minLength": _min_length,
    "maxLength": _max_length,
    "pattern": lambda error: _("格式不正确"),
    "enum": _enum,
    "const": _const,
    "format": _format,
    "minItems": _min_items,
    "maxItems": _max_items,
    "uniqueItems": lambda error: _("不能有重复的项"),
    "additionalProperties": _additional,
}


def error_message(error: ValidationError) -> str:
    """The error in the user's language; a generic "值不符合要求" for keywords without their own text."""
    message = _MESSAGES.get(str(error.validator))
    return message(error) if message is not None else _("值不符合要求")


def _missing_property(error: ValidationError) -> str | None:
    """The property a `required` error is about: jsonschema names it only in its (English) message."""
    required = _list(error.validator_value)
    named = next((name for name in required if error.message == f"{name!r} is a required property"), None)
    if named is not None:
        return str(named)
    present = error.instance if isinstance(error.instance, dict) else {}
    return next((str(name) for name in required if name not in present), None)


def error_path(error: ValidationError) -> str:
    """Where the error is shown: the value's dotted path (`items.1.qty`; '' for the form as a whole), and
    for a missing required property, that property's path (`items.1.name`)."""
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        parts.append(_missing_property(error) or "")
    return ".".join(filter(None, parts))
