"""A small renderer for a task's JSON Schema form: fields to show, and posted values in the schema's types.

Only the shape is handled here (which widget, which label, which Python type). Whether the values are
valid is the service's JSON Schema validation to decide; its per-field errors (already worded in the
user's language, see processes.form_messages) are shown by the fields, each with an id that the input
names in `aria-describedby`. A value that does not parse (letters in a number field) is posted as it is
and the schema's `type` says so.

Besides plain fields, two shapes:

- a repeating group, `{"type": "array", "items": {"type": "object", "properties": …}}`: one row per item,
  its fields posted as `<group>-<row>-<field>` (e.g. `items-0-name`). Rows may come with gaps (rows
  removed in the browser); they are read in index order and blank rows are dropped;
- an attachment, `{"type": "string", "format": "attachment"}` (or an array of those): a file input. Its
  value in the data is the reference string "att:<id>" (see processes.services.attachments); the files
  already stored are posted back as ticked checkboxes of the same name, so a form shown again after an
  error keeps them without a second upload.

Labels are in the page's language: Chinese in `title`/`description`/`enumNames`, English in `x-i18n`
(processes.form_labels). Only labels change: option values, and so what validates, are the same in both.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from processes.form_labels import english_active, label, option_labels

TEXTAREA_OVER = 200  # maxLength above this → textarea
ATTACHMENT_FORMAT = "attachment"
TEMPLATE_INDEX = "__prefix__"  # the row index in the <template> row; repeat.js replaces it
MAX_ROWS = 500  # rows read from one post at most, whatever the indices say
# Widgets a row of a repeating group may hold (no groups in groups, no files in rows).
ROW_WIDGETS = {"text", "date", "textarea", "number", "checkbox", "select", "checkboxes"}
_MISSING = object()


@dataclass
class Choice:
    value: str
    label: str
    selected: bool = False


@dataclass
class AttachmentItem:
    """An attachment already stored, as a form shows it: its reference, name, size and download link."""

    ref: str
    name: str
    size: int | None = None
    url: str = ""


def _error_items(html_id: str, errors: list[str]) -> list[tuple[str, str]]:
    """Each error with the id its element carries, so the input can name it in `aria-describedby`."""
    return [(f"{html_id}-error-{n}", message) for n, message in enumerate(errors, start=1)]


@dataclass
class Row:
    """One item of a repeating group: its index in the posted names, its fields, and errors of the row itself."""

    index: str
    fields: list["FormField"]
    errors: list[str] = field(default_factory=list)
    group: str = ""

    @property
    def number(self) -> str:
        return str(int(self.index) + 1) if self.index.isdigit() else ""

    @property
    def html_id(self) -> str:
        return _html_id(f"tb-row-{self.group}-{self.index}")

    @property
    def error_items(self) -> list[tuple[str, str]]:
        return _error_items(self.html_id, self.errors)

    @property
    def error_ids(self) -> str:
        return " ".join(error_id for error_id, _message in self.error_items)


@dataclass
class FormField:
    name: str  # the posted name: the property, or `<group>-<row>-<property>` inside a group
    label: str
    help: str = ""
    required: bool = False
    # "text", "date", "textarea", "number", "checkbox", "select", "checkboxes", "group", "file", "files"
    widget: str = "text"
    value: str = ""
    checked: bool = False
    choices: list[Choice] = field(default_factory=list)
    minimum: str = ""
    maximum: str = ""
    step: str = ""
    max_length: str = ""
    errors: list[str] = field(default_factory=list)
    # "group": the rows shown (the entered ones, then one blank row) and the blank row for <template>.
    rows: list[Row] = field(default_factory=list)
    template: Row | None = None
    columns: list[str] = field(default_factory=list)
    min_items: str = ""
    max_items: str = ""
    # "file" / "files": the attachments already stored for the field.
    attachments: list[AttachmentItem] = field(default_factory=list)

    @property
    def html_id(self) -> str:
        return _html_id(f"tb-field-{self.name}")

    @property
    def error_items(self) -> list[tuple[str, str]]:
        """(id, message) per error: the template gives each error its id, the input `aria-describedby`."""
        return _error_items(self.html_id, self.errors)

    @property
    def error_ids(self) -> str:
        return " ".join(error_id for error_id, _message in self.error_items)


def _html_id(text: str) -> str:
    """An id usable in `for` and `aria-describedby` (a space would split it into two references)."""
    return re.sub(r"\s", "_", text)


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
    items = prop.get("items")
    if "enum" in prop:
        return "select"
    if kind == "array" and isinstance(items, dict):
        if "enum" in items:
            return "checkboxes"
        if items.get("format") == ATTACHMENT_FORMAT:
            return "files"
        if _type(items) == "object" or isinstance(items.get("properties"), dict):
            return "group"
    if prop.get("format") == ATTACHMENT_FORMAT:
        return "file"
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


def attachment_fields(schema: dict[str, Any] | None) -> dict[str, bool]:
    """The schema's attachment properties: name → whether it takes several files."""
    widgets = {name: _widget(prop) for name, prop in properties(schema).items()}
    return {name: widget == "files" for name, widget in widgets.items() if widget in ("file", "files")}


def _row_properties(prop: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: p for k, p in properties(prop["items"]).items() if _widget(p) in ROW_WIDGETS}


def _errors_under(errors: Mapping[str, list[str]], path: str) -> list[str]:
    """Errors of `path` and of anything inside it (e.g. `tags.1` belongs to the field `tags`)."""
    return [str(m) for key, messages in errors.items() if key == path or key.startswith(f"{path}.") for m in messages]


def _choices(prop: dict[str, Any], options: list[Any], chosen: set[str], english: bool) -> list[Choice]:
    labels = option_labels(prop, options, english)
    return [Choice(_text(v), text, _text(v) in chosen) for v, text in zip(options, labels, strict=True)]


@dataclass
class _Build:
    errors: Mapping[str, list[str]]
    attachments: Mapping[str, AttachmentItem]
    editable: bool = True
    english: bool = False


def _field(
    build: _Build, key: str, prop: dict[str, Any], value: Any, *, path: str, name: str, required: bool
) -> FormField:
    widget = _widget(prop)
    f = FormField(
        name=name,
        label=label(prop, "title", english=build.english) or key,
        help=label(prop, "description", english=build.english),
        required=required,
        widget=widget,
        errors=[] if widget == "group" else _errors_under(build.errors, path),
    )
    if widget == "group":
        _fill_group(build, f, key, prop, value)
    elif widget in ("file", "files"):
        refs = value if isinstance(value, list) else [value] if value else []
        f.attachments = [build.attachments.get(str(ref)) or AttachmentItem(str(ref), str(ref)) for ref in refs]
    elif widget == "select":
        f.value = _text(value)
        f.choices = _choices(prop, list(prop["enum"]), {f.value}, build.english)
    elif widget == "checkboxes":
        chosen = {_text(v) for v in value} if isinstance(value, list) else set()
        f.choices = _choices(prop, list(prop["items"]["enum"]), chosen, build.english)
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
    return f


def _row(build: _Build, group: str, prop: dict[str, Any], index: str, item: dict[str, Any] | None) -> Row:
    """A row filled from `item`, or a blank one (fields at their defaults) when `item` is None."""
    required = set(prop["items"].get("required", []))
    row_path = f"{group}.{index}"
    fields = [
        _field(
            build,
            key,
            sub,
            sub.get("default") if item is None else item.get(key),
            path=f"{row_path}.{key}",
            name=f"{group}-{index}-{key}",
            required=key in required,
        )
        for key, sub in _row_properties(prop).items()
    ]
    own = {f"{row_path}.{key}" for key in _row_properties(prop)}
    # The row's own errors, and any inside it that no shown field claims.
    errors = [
        str(m)
        for path, messages in build.errors.items()
        if (path == row_path or path.startswith(f"{row_path}.")) and not any(_under(path, o) for o in own)
        for m in messages
    ]
    return Row(index=index, fields=fields, errors=errors, group=group)


def _under(path: str, owner: str) -> bool:
    return path == owner or path.startswith(f"{owner}.")


def _fill_group(build: _Build, f: FormField, key: str, prop: dict[str, Any], value: Any) -> None:
    items = [item if isinstance(item, dict) else {} for item in value] if isinstance(value, list) else []
    f.errors = [str(m) for m in build.errors.get(key, [])]
    f.rows = [_row(build, key, prop, str(i), item) for i, item in enumerate(items)]
    max_items = prop.get("maxItems")
    blank = _row(_Build({}, build.attachments, english=build.english), key, prop, TEMPLATE_INDEX, None)
    if build.editable:
        if not isinstance(max_items, int) or len(items) < max_items:
            f.rows.append(_row(build, key, prop, str(len(items)), None))  # a blank row to fill without JavaScript
        f.template = blank
    f.columns = [column.label for column in blank.fields]
    f.min_items = _number_text(prop.get("minItems"))
    f.max_items = _number_text(max_items)


def build_fields(
    schema: dict[str, Any] | None,
    values: dict[str, Any] | None = None,
    errors: Mapping[str, list[str]] | None = None,
    attachments: Mapping[str, AttachmentItem] | None = None,
    *,
    editable: bool = True,
) -> list[FormField]:
    """The fields of the schema in its order, filled with `values` and carrying `errors` by path
    (`name`, or `group.<row>.name` inside a repeating group). `attachments` names the stored files by
    reference. Not `editable` (a read-only view): groups get no blank row and no row template. Labels are
    in the active language."""
    values = values if isinstance(values, dict) else {}
    build = _Build(errors or {}, attachments or {}, editable, english_active())
    required = set(schema.get("required", []) if schema else [])
    return [
        _field(
            build, name, prop, values.get(name, prop.get("default")), path=name, name=name, required=name in required
        )
        for name, prop in properties(schema).items()
    ]


def unclaimed_errors(schema: dict[str, Any] | None, errors: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Errors that no field of the form shows (a path outside the schema's properties); '' excluded."""
    names = properties(schema)
    return {path: list(messages) for path, messages in errors.items() if path and path.split(".")[0] not in names}


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


def _parse_value(prop: dict[str, Any], data: QueryDict, name: str) -> Any:
    """The posted value of one plain field in the schema's type; _MISSING when left empty."""
    widget = _widget(prop)
    if widget == "checkbox":
        return data.get(name) in ("on", "true", "1")
    if widget == "checkboxes":
        return [_from_enum(raw, prop["items"]["enum"]) for raw in data.getlist(name)]
    raw = data.get(name, "")
    if widget != "textarea":
        raw = raw.strip()
    if raw == "":
        return _MISSING
    if widget == "select":
        return _from_enum(raw, prop["enum"])
    if widget == "number":
        return _number(raw, _type(prop))
    return raw


def _blank(row: dict[str, Any], props: dict[str, dict[str, Any]]) -> bool:
    """Nothing entered: every field empty, unticked, or still at its default."""
    for key, value in row.items():
        if value is False or value == [] or ("default" in props[key] and value == props[key]["default"]):
            continue
        return False
    return True


def _parse_rows(group: str, prop: dict[str, Any], data: QueryDict) -> list[dict[str, Any]]:
    pattern = re.compile(rf"^{re.escape(group)}-(\d+)-")
    indices = sorted({int(m.group(1)) for key in data if (m := pattern.match(key))})[:MAX_ROWS]
    props = _row_properties(prop)
    rows = []
    for index in indices:
        row = {}
        for key, sub in props.items():
            value = _parse_value(sub, data, f"{group}-{index}-{key}")
            if value is not _MISSING:
                row[key] = value
        if not _blank(row, props):
            rows.append(row)
    return rows


def parse_post(schema: dict[str, Any] | None, data: QueryDict) -> dict[str, Any]:
    """Posted values converted to the schema's types. Empty fields are left out (so `required` speaks),
    except checkboxes, which are false when unticked, and groups, which are lists (blank rows dropped).
    Attachment fields carry the references posted back (new files are the view's to store). Unknown
    posted names are ignored."""
    result: dict[str, Any] = {}
    for name, prop in properties(schema).items():
        widget = _widget(prop)
        if widget == "group":
            result[name] = _parse_rows(name, prop, data)
        elif widget in ("file", "files"):
            refs = [raw for raw in data.getlist(name) if raw]
            if widget == "files":
                result[name] = refs
            elif refs:
                result[name] = refs[-1]
        else:
            value = _parse_value(prop, data, name)
            if value is not _MISSING:
                result[name] = value
    return result
