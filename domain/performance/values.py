"""Submitted data values: parsing by field type, and the typed context formulas see.

Stored values are canonical JSON: numbers and percentages as decimal strings (a percentage as
its number of per cent, "95.5" for 95.5 %), booleans as booleans, text as text.
"""

import keyword
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from .choices import FieldKind
from .errors import ValuesInvalid
from .rules import MAX_SCORE_NAME

TEXT_MAX = 2000
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TRUE = {"是", "true", "yes", "y", "1", "有", "√"}
_FALSE = {"否", "false", "no", "n", "0", "无", "×"}


def field_name_problem(name: str) -> str | None:
    """Why `name` cannot be a field's variable name, or None."""
    if not _IDENTIFIER.match(name) or keyword.iskeyword(name) or name.startswith("_"):
        return _("变量名只能由英文字母、数字和下划线组成，且不以数字或下划线开头")
    if name == MAX_SCORE_NAME:
        return _("%(name)s 是保留名称") % {"name": name}
    return None


def blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _number(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError(_("应为数值"))
    text = str(raw).strip().replace(",", "").replace("，", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("“%(value)s” 不是数值") % {"value": raw}) from None
    if not number.is_finite():
        raise ValueError(_("“%(value)s” 不是数值") % {"value": raw})
    return number


def parse_value(kind: str, raw: Any) -> Any:
    """The canonical value of `raw` for a field of `kind`; raises ValueError with a message."""
    if kind == FieldKind.BOOL:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise ValueError(_("应填 “是” 或 “否”，而不是 “%(value)s”") % {"value": raw})
    if kind == FieldKind.TEXT:
        text = str(raw).strip()
        if len(text) > TEXT_MAX:
            raise ValueError(_("超过 %(max)s 个字") % {"max": TEXT_MAX})
        return text
    if kind == FieldKind.PERCENT:
        text = str(raw).strip()
        number = _number(text[:-1] if text.endswith(("%", "％")) else text)
        if not Decimal(0) <= number <= Decimal(100):
            raise ValueError(_("百分比应在 0 到 100 之间，而不是 %(value)s") % {"value": raw})
        return format(number.normalize(), "f")
    return format(_number(raw).normalize(), "f")


def values_parsed(fields: Iterable[Any], raw: dict[str, Any]) -> dict[str, Any]:
    """Check a whole submission against the round's fields; raises ValuesInvalid naming every bad field."""
    by_name = {field.name: field for field in fields}
    errors: dict[str, str] = {}
    parsed: dict[str, Any] = {}
    for name in raw:
        if name not in by_name:
            errors[name] = _("本轮评估没有这一项")
    for name, field in by_name.items():
        value = raw.get(name)
        if blank(value):
            if field.required:
                errors[name] = _("“%(label)s” 为必填项") % {"label": field.label}
            continue
        try:
            parsed[name] = parse_value(field.kind, value)
        except ValueError as exc:
            errors[name] = f"{field.label}: {exc}"
    if errors:
        raise ValuesInvalid(errors)
    return parsed


def typed_context(kinds: dict[str, str], stored: dict[str, Any]) -> dict[str, Any]:
    """Stored values as formulas see them: numbers and percentages as Decimal."""
    context: dict[str, Any] = {}
    for name, kind in kinds.items():
        value = stored.get(name)
        if value is not None and kind in (FieldKind.NUMBER, FieldKind.PERCENT):
            value = Decimal(value)
        context[name] = value
    return context
