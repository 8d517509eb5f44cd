"""A small renderer for a task's JSON Schema form: fields to show, and posted values in the schema's types.

Only the shape is handled here (which widget, which label, which Python type). Whether the values are
valid is the service's JSON Schema validation to decide; its per-field errors are shown by the fields.
"""

from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

TEXTAREA_OVER = 200  # maxLength above this → textarea


@dataclass
class Choice:
    value: str
    label: str
    selected: bool = False


@dataclass
class FormField:
    name: str
    label: str
    help: str = ""
    required: bool = False
    # "text", "date", "textarea", "number", "checkbox", "select", "checkboxes"
    widget: str = "text"
    value: str = ""
    checked: bool = False
    choices: list[Choice] = field(default_factory=list)
    minimum: str = ""
    maximum: str = ""
    step: str = ""
    max_length: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def html_id(self) -> str:
        return f"tb-field-{self.name}"


def _type(prop: dict[str, Any]) -> str:
    kind = prop.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    return str(kind)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number_text(value: Any) -> str:
    return "" if value is None or isinstance(value, bool) else str(value)


def properties(schema: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    if not schema or not isinstance(schema.get("properties"), dict):
        return {}
    return {name: prop for name, prop in schema["properties"].items() if isinstance(prop, dict)}


def _widget(prop: dict[str, Any]) -> str:
    kind = _type(prop)
    if "enum" in prop:
        return "select"
    if kind == "array" and isinstance(prop.get("items"), dict) and "enum" in prop["items"]:
        return "checkboxes"
    if kind in ("integer", "number"):
        return "number"
    if kind == "boolean":
        return "checkbox"
    if prop.get("format") == "date":
        return "date"
    max_length = prop.get("maxLength")
    if prop.get("x-widget") == "textarea" or (isinstance(max_length, int) and max_length > TEXTAREA_OVER):
        return "textarea"
    return "text"


def build_fields(
    schema: dict[str, Any] | None, values: dict[str, Any] | None = None, errors: dict[str, list[str]] | None = None
) -> list[FormField]:
    """The fields of the schema in its order, filled with `values` and carrying `errors` by name."""
    values = values if isinstance(values, dict) else {}
    errors = errors or {}
    required = set(schema.get("required", []) if schema else [])
    fields: list[FormField] = []
    for name, prop in properties(schema).items():
        widget = _widget(prop)
        value = values.get(name, prop.get("default"))
        f = FormField(
            name=name,
            label=str(prop.get("title") or name),
            help=str(prop.get("description") or ""),
            required=name in required,
            widget=widget,
            errors=[str(m) for m in errors.get(name, [])],
        )
        if widget == "select":
            f.value = _text(value)
            f.choices = [Choice(_text(v), _text(v), _text(v) == f.value) for v in prop["enum"]]
        elif widget == "checkboxes":
            chosen = {_text(v) for v in value} if isinstance(value, list) else set()
            f.choices = [Choice(_text(v), _text(v), _text(v) in chosen) for v in prop["items"]["enum"]]
        elif widget == "checkbox":
            f.checked = value is True
        elif widget == "number":
            f.value = _number_text(value) if not isinstance(value, str) else value
            f.minimum = _number_text(prop.get("minimum"))
            f.maximum = _number_text(prop.get("maximum"))
            f.step = "1" if _type(prop) == "integer" else "any"
        else:
            f.value = _text(value)
            if isinstance(prop.get("maxLength"), int):
                f.max_length = str(prop["maxLength"])
        fields.append(f)
    return fields


def _from_enum(raw: str, options: list[Any]) -> Any:
    """The enum member whose text is `raw` (so integer enums come back as integers); else `raw`."""
    return next((option for option in options if _text(option) == raw), raw)


def _number(raw: str, kind: str) -> Any:
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        number = float(raw)
    except ValueError:
        return raw  # the schema reports the wrong type
    if kind == "integer" and number.is_integer():
        return int(number)
    return number


def parse_post(schema: dict[str, Any] | None, data: QueryDict) -> dict[str, Any]:
    """Posted values converted to the schema's types. Empty fields are left out (so `required` speaks),
    except checkboxes, which are false when unticked. Unknown posted names are ignored."""
    result: dict[str, Any] = {}
    for name, prop in properties(schema).items():
        widget = _widget(prop)
        if widget == "checkbox":
            result[name] = data.get(name) in ("on", "true", "1")
            continue
        if widget == "checkboxes":
            options = prop["items"]["enum"]
            result[name] = [_from_enum(raw, options) for raw in data.getlist(name)]
            continue
        raw = data.get(name, "")
        if widget != "textarea":
            raw = raw.strip()
        if raw == "":
            continue
        if widget == "select":
            result[name] = _from_enum(raw, prop["enum"])
        elif widget == "number":
            result[name] = _number(raw, _type(prop))
        else:
            result[name] = raw
    return result
