"""The JSON Schema of a task form, built from the editor's field list, and the field list read back from a
schema: `form_schema(form_from_schema(s)) == s` for the forms the editor writes (and those in bpmn/forms).
Labels: Chinese in `title`/`description`/`enumNames`, English in `x-i18n.en` (see webui.forms_jsonschema).
"""

import json
from typing import Any

from django.utils.translation import gettext as _

from webui.forms_jsonschema import properties

from .spec import (
    LIMITS,
    NUMBER_KINDS,
    OPTION_KINDS,
    SHOWN,
    SHOWN_FORM,
    SHOWN_ITEMS,
    TEXT_KINDS,
    FieldSpec,
    FormSpec,
    OptionSpec,
    note,
)

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _extra(text: str, errors: list[str]) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        note(errors, _("附加的 JSON 属性无法读取，已忽略。"))
        return {}
    return value


def _number(text: str, label: str, errors: list[str], *, whole: bool = False) -> int | float | None:
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is None or whole or number != number or number in (float("inf"), float("-inf")):
        message = _("请输入整数。") if whole else _("请输入数字。")
        note(errors, _("%(field)s：%(message)s") % {"field": label, "message": message})
        return None
    return number


def _option_value(text: str, value_type: str) -> Any:
    if value_type in NUMBER_KINDS:
        try:
            return int(text) if value_type == "integer" else float(text) if "." in text else int(text)
        except ValueError:
            return text  # the schema check says what is wrong
    return text


def _english(spec: FieldSpec, options: list[OptionSpec]) -> dict[str, Any]:
    english: dict[str, Any] = {}
    if spec.label_en.strip():
        english["title"] = spec.label_en.strip()
    if spec.help_en.strip():
        english["description"] = spec.help_en.strip()
    if any(o.label_en.strip() for o in options):
        english["enumNames"] = [o.label_en.strip() or o.label.strip() or o.value.strip() for o in options]
    return english


def _with_labels(prop: dict[str, Any], spec: FieldSpec, options: list[OptionSpec], extra: dict[str, Any]) -> None:
    if spec.label.strip():
        prop["title"] = spec.label.strip()
    if spec.help.strip():
        prop["description"] = spec.help.strip()
    if spec.kind in OPTION_KINDS:  # an empty list too, so that saving says an option is missing
        values = [_option_value(o.value.strip(), spec.value_type) for o in options]
        (prop["items"] if spec.kind == "multiselect" else prop)["enum"] = values
        if any(o.label.strip() for o in options):
            prop["enumNames"] = [o.label.strip() or o.value.strip() for o in options]
    i18n = _dict(extra.get("x-i18n"))
    i18n = {lang: labels for lang, labels in i18n.items() if lang != "en"}
    english = _english(spec, options)
    if english:
        i18n["en"] = english
    if i18n:
        prop["x-i18n"] = i18n


def _shape(spec: FieldSpec, extra: dict[str, Any]) -> dict[str, Any]:
    """The keywords that make the field's kind (its type, format, widget, items)."""
    items = _dict(extra.get("items"))
    option_type = {} if spec.untyped else {"type": spec.value_type if spec.value_type in NUMBER_KINDS else "string"}
    shapes: dict[str, dict[str, Any]] = {
        "text": {"type": "string"},
        "textarea": {"type": "string", "x-widget": "textarea"},
        "number": {"type": "number"},
        "integer": {"type": "integer"},
        "date": {"type": "string", "format": "date"},
        "select": option_type,
        "multiselect": {"type": "array", "items": {**items, **option_type}},
        "checkbox": {"type": "boolean"},
        "attachment": {"type": "string", "format": "attachment"},
        "attachments": {"type": "array", "items": {**items, "type": "string", "format": "attachment"}},
        "group": {"type": "array", "items": {"additionalProperties": False, **items, "type": "object"}},
    }
    return shapes[spec.kind]


def field_schema(spec: FieldSpec) -> dict[str, Any]:
    """The field's JSON Schema property; `spec.errors` gets what could not be read (a number typed wrong)."""
    extra = _extra(spec.extra, spec.errors)
    prop: dict[str, Any] = _shape(spec, extra)
    options = [o for o in spec.options if not o.blank] if spec.kind in OPTION_KINDS else []
    _with_labels(prop, spec, options, extra)
    if spec.kind in TEXT_KINDS and spec.pattern.strip():
        prop["pattern"] = spec.pattern.strip()
    for posted, keyword, kinds in LIMITS:
        if spec.kind in kinds:
            whole = keyword not in ("minimum", "maximum")
            value = _number(spec.limit(posted), keyword, spec.errors, whole=whole)
            if value is not None:
                prop[keyword] = value
    if spec.kind == "group":
        rows = [sub for sub in spec.fields if not sub.blank]
        prop["items"]["properties"] = {sub.name: field_schema(sub) for sub in rows}
        prop["items"]["required"] = [sub.name for sub in rows if sub.required]
    kept = {k: v for k, v in extra.items() if k not in SHOWN and k not in prop and not _stale_limit(k, spec)}
    return {**prop, **kept}


def _stale_limit(keyword: str, spec: FieldSpec) -> bool:
    """A limit (or pattern) the editor shows for this kind but the designer cleared: it must not come back
    from `extra`."""
    if keyword == "pattern":
        return spec.kind in TEXT_KINDS
    return any(keyword == k and spec.kind in kinds for _posted, k, kinds in LIMITS)


def form_schema(form: FormSpec) -> dict[str, Any]:
    """The form's JSON Schema (blank fields left out). Call check_names first; fields keep their errors."""
    extra = _extra(form.extra, form.errors)
    schema: dict[str, Any] = {"$schema": extra.pop("$schema", SCHEMA_DIALECT)}
    if form.title.strip():
        schema["title"] = form.title.strip()
    i18n = _dict(extra.get("x-i18n"))
    i18n = {lang: labels for lang, labels in i18n.items() if lang != "en"}
    if form.title_en.strip():
        i18n["en"] = {"title": form.title_en.strip()}
    if i18n:
        schema["x-i18n"] = i18n
    rows = [spec for spec in form.fields if not spec.blank and spec.name]
    schema["type"] = "object"
    schema["required"] = [spec.name for spec in rows if spec.required]
    schema["properties"] = {spec.name: field_schema(spec) for spec in rows}
    schema.update({k: v for k, v in extra.items() if k not in SHOWN_FORM})
    return schema


# --- from a schema ---


def _text(value: Any) -> str:
    return "" if value is None or isinstance(value, bool) else str(value)


def _kind(prop: dict[str, Any]) -> str:
    kind = prop.get("type", "string")
    kinds = {str(k) for k in kind} if isinstance(kind, list) else {str(kind)}
    items = prop.get("items") if isinstance(prop.get("items"), dict) else None
    if "enum" in prop:
        return "select"
    if "array" in kinds and items is not None:
        if "enum" in items:
            return "multiselect"
        if items.get("format") == "attachment":
            return "attachments"
        return "group"
    if prop.get("format") in ("attachment", "date"):
        return str(prop["format"])
    for code in ("integer", "number"):
        if code in kinds:
            return code
    if "boolean" in kinds:
        return "checkbox"
    # A long maxLength alone draws a textarea too, but it stays a text field here so that it saves unchanged.
    return "textarea" if prop.get("x-widget") == "textarea" else "text"


def _value_type(options: list[Any]) -> str:
    if options and all(isinstance(o, int) and not isinstance(o, bool) for o in options):
        return "integer"
    if options and all(isinstance(o, int | float) and not isinstance(o, bool) for o in options):
        return "number"
    return "string"


def _nth(names: Any, n: int) -> str:
    return str(names[n]) if isinstance(names, list) and n < len(names) and names[n] is not None else ""


def _extra_text(prop: dict[str, Any], kind: str) -> str:
    """What the property says that the editor does not show for its kind, as JSON ("" if nothing)."""
    shown = {keyword for _posted, keyword, kinds in LIMITS if kind in kinds}
    shown |= {"format"} if kind in ("date", "attachment") else set()
    shown |= {"pattern"} if kind in TEXT_KINDS else set()
    extra = {k: v for k, v in prop.items() if k not in SHOWN and k not in shown}
    i18n = _dict(prop.get("x-i18n"))
    others = {lang: labels for lang, labels in i18n.items() if lang != "en"}
    if others:
        extra["x-i18n"] = others
    items = _dict(prop.get("items"))
    items_extra = {k: v for k, v in items.items() if k not in SHOWN_ITEMS}
    if kind == "group" and items_extra.get("additionalProperties") is False:
        del items_extra["additionalProperties"]  # what a new group says anyway
    if items_extra:
        extra["items"] = items_extra
    return json.dumps(extra, ensure_ascii=False) if extra else ""


def field_from_schema(name: str, prop: dict[str, Any], *, required: bool, in_group: bool = False) -> FieldSpec:
    kind = _kind(prop)
    items = _dict(prop.get("items"))
    i18n = _dict(prop.get("x-i18n"))
    english = _dict(i18n.get("en"))
    values = prop.get("enum") if kind == "select" else items.get("enum") if kind == "multiselect" else []
    values = values if isinstance(values, list) else []
    names = prop.get("enumNames", items.get("enumNames"))
    spec = FieldSpec(
        name=name,
        kind=kind,
        label=_text(prop.get("title")),
        label_en=_text(english.get("title")),
        required=required,
        help=_text(prop.get("description")),
        help_en=_text(english.get("description")),
        pattern=_text(prop.get("pattern")),
        value_type=_value_type(values),
        untyped=kind in OPTION_KINDS and "type" not in (items if kind == "multiselect" else prop),
        extra=_extra_text(prop, kind),
        options=[OptionSpec(_text(v), _nth(names, n), _nth(english.get("enumNames"), n)) for n, v in enumerate(values)],
    )
    for posted, keyword, kinds in LIMITS:
        if kind in kinds:
            setattr(spec, posted, _text(prop.get(keyword)))
    if kind == "group" and not in_group:
        row_required = set(items.get("required", [])) if isinstance(items.get("required"), list) else set()
        spec.fields = [
            field_from_schema(key, sub, required=key in row_required, in_group=True)
            for key, sub in properties(items).items()
        ]
    return spec


def form_from_schema(schema: dict[str, Any]) -> FormSpec:
    """The editor's state for a stored (or hand-written) schema: `form_schema` of it gives it back."""
    i18n = _dict(schema.get("x-i18n"))
    english = _dict(i18n.get("en"))
    extra = {k: v for k, v in schema.items() if k not in SHOWN_FORM}
    others = {lang: labels for lang, labels in i18n.items() if lang != "en"}
    if others:
        extra["x-i18n"] = others
    required = set(schema.get("required", [])) if isinstance(schema.get("required"), list) else set()
    fields = [field_from_schema(n, p, required=n in required) for n, p in properties(schema).items()]
    extra_text = json.dumps(extra, ensure_ascii=False) if extra else ""
    return FormSpec(_text(schema.get("title")), _text(english.get("title")), extra_text, fields)


def new_form() -> FormSpec:
    """A form with nothing in it yet: one blank field to fill."""
    extra = json.dumps({"$schema": SCHEMA_DIALECT, "additionalProperties": False})
    return FormSpec(extra=extra, fields=[FieldSpec()])
