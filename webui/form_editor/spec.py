"""The field list as the editor shows it, read from the posted editor form and changed by its buttons.

Posted names: `title`, `title_en`, `extra` (the form's keywords the editor does not show, as JSON), and per
field `f-<n>-<what>` (`name`, `kind`, `label`, `label_en`, `required`, `help`, `help_en`, `pattern`,
`minimum`, `maximum`, `min_length`, `max_length`, `min_items`, `max_items`, `value_type`, `untyped`,
`extra`), its options `f-<n>-o-<m>-value|label|label_en`, a group's fields `f-<n>-s-<m>-<what>` (with their
options `f-<n>-s-<m>-o-<k>-…`). Indices may have gaps (rows removed); they are read in order. Nothing a
field says that the editor does not show is lost: it rides along in the field's `extra`.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_FIELDS = 200
KINDS: list[tuple[str, Promise]] = [
    ("text", gettext_lazy("文本")),
    ("textarea", gettext_lazy("多行文本")),
    ("number", gettext_lazy("数字")),
    ("integer", gettext_lazy("整数")),
    ("date", gettext_lazy("日期")),
    ("select", gettext_lazy("下拉单选")),
    ("multiselect", gettext_lazy("多选")),
    ("checkbox", gettext_lazy("勾选")),
    ("attachment", gettext_lazy("附件")),
    ("attachments", gettext_lazy("多个附件")),
    ("group", gettext_lazy("重复组")),
]
KIND_CODES = {code for code, _label in KINDS}
ROW_KINDS = [(code, label) for code, label in KINDS if code not in ("attachment", "attachments", "group")]
OPTION_KINDS = {"select", "multiselect"}
TEXT_KINDS = {"text", "textarea"}
NUMBER_KINDS = {"number", "integer"}
LIST_KINDS = {"multiselect", "attachments", "group"}
LIMITS = (  # posted name, schema keyword, the kinds it applies to
    ("minimum", "minimum", NUMBER_KINDS),
    ("maximum", "maximum", NUMBER_KINDS),
    ("min_length", "minLength", TEXT_KINDS),
    ("max_length", "maxLength", TEXT_KINDS),
    ("min_items", "minItems", LIST_KINDS),
    ("max_items", "maxItems", LIST_KINDS),
)
TEXTS = ("name", "label", "label_en", "help", "help_en", "pattern", *(posted for posted, _k, _s in LIMITS))
# Keywords the editor shows; everything else a property says is kept in its `extra` (so are a `format` other
# than date/attachment, and a `pattern` or limit on a kind that does not show it).
SHOWN = {"type", "title", "description", "x-i18n", "enum", "enumNames", "items", "x-widget"}
SHOWN_ITEMS = {"type", "enum", "enumNames", "format", "properties", "required"}
SHOWN_FORM = {"type", "title", "x-i18n", "properties", "required"}


@dataclass
class OptionSpec:
    value: str = ""
    label: str = ""
    label_en: str = ""
    prefix: str = ""  # the posted names' prefix, set by ready_for_editing
    op_path: str = ""  # "<field path>:<index>", for its delete button

    @property
    def blank(self) -> bool:
        return not (self.value.strip() or self.label.strip() or self.label_en.strip())


@dataclass
class FieldSpec:
    """One field as the editor shows it; numbers stay the text typed until the schema is built."""

    name: str = ""
    kind: str = "text"
    label: str = ""
    label_en: str = ""
    required: bool = False
    help: str = ""
    help_en: str = ""
    pattern: str = ""
    minimum: str = ""
    maximum: str = ""
    min_length: str = ""
    max_length: str = ""
    min_items: str = ""
    max_items: str = ""
    value_type: str = "string"  # of the options: "string", "integer" or "number"
    untyped: bool = False  # the options come without a `type` keyword (as written by hand): keep it so
    extra: str = ""
    options: list[OptionSpec] = field(default_factory=list)
    fields: list["FieldSpec"] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # Where it is in the editor, set by ready_for_editing: posted names' prefix, path ("2", "2.0"), number.
    prefix: str = ""
    path: str = ""
    number: int = 0
    ref: str = ""  # how buttons name it: "2", or "1.2" for a group's second field

    @property
    def has_options(self) -> bool:
        return self.kind in OPTION_KINDS

    @property
    def has_text_limits(self) -> bool:
        return self.kind in TEXT_KINDS

    @property
    def has_number_limits(self) -> bool:
        return self.kind in NUMBER_KINDS

    @property
    def has_item_limits(self) -> bool:
        return self.kind in LIST_KINDS

    @property
    def blank(self) -> bool:
        texts = (self.name, self.label, self.label_en, self.help, self.help_en)
        return not any(t.strip() for t in texts) and all(o.blank for o in self.options) and not self.fields

    def limit(self, posted: str) -> str:
        return str(getattr(self, posted))


@dataclass
class FormSpec:
    title: str = ""
    title_en: str = ""
    extra: str = ""
    fields: list[FieldSpec] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # of the form as a whole


def note(errors: list[str], message: str) -> None:
    """Add an error once: the list is checked again each time the page is drawn."""
    if message not in errors:
        errors.append(message)


# --- from the post ---


def _indices(data: Mapping[str, Any], prefix: str) -> list[str]:
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)-")
    found = {int(m.group(1)) for key in data if (m := pattern.match(key))}
    return [str(n) for n in sorted(found)[:MAX_FIELDS]]


def _field_from_post(data: Mapping[str, Any], prefix: str, *, in_group: bool) -> FieldSpec:
    spec = FieldSpec()
    for name in TEXTS:
        setattr(spec, name, str(data.get(f"{prefix}{name}", "")))
    spec.name = spec.name.strip()
    kinds = {code for code, _label in ROW_KINDS} if in_group else KIND_CODES
    kind = str(data.get(f"{prefix}kind", "text"))
    spec.kind = kind if kind in kinds else "text"
    spec.required = data.get(f"{prefix}required") in ("on", "true", "1")
    spec.value_type = str(data.get(f"{prefix}value_type", "string"))
    spec.untyped = data.get(f"{prefix}untyped") == "1"
    spec.extra = str(data.get(f"{prefix}extra", ""))
    spec.options = [
        OptionSpec(*(str(data.get(f"{prefix}o-{n}-{part}", "")) for part in ("value", "label", "label_en")))
        for n in _indices(data, f"{prefix}o-")
    ]
    if not in_group:
        spec.fields = [_field_from_post(data, f"{prefix}s-{n}-", in_group=True) for n in _indices(data, f"{prefix}s-")]
    return spec


def form_from_post(data: Mapping[str, Any]) -> FormSpec:
    """The editor's state as posted (blank fields and options kept: the designer is still filling them)."""
    fields = [_field_from_post(data, f"f-{n}-", in_group=False) for n in _indices(data, "f-")]
    return FormSpec(str(data.get("title", "")), str(data.get("title_en", "")), str(data.get("extra", "")), fields)


def check_names(form: FormSpec) -> None:
    """Names the schema cannot hold (none, or twice in one list) go to the field's errors."""
    for fields in [form.fields, *(f.fields for f in form.fields if f.kind == "group")]:
        seen: set[str] = set()
        for spec in fields:
            if spec.blank:
                continue
            if not spec.name:
                note(spec.errors, _("请填写字段名。"))
            elif spec.name in seen:
                note(spec.errors, _("字段名“%(name)s”重复。") % {"name": spec.name})
            seen.add(spec.name)


def has_errors(form: FormSpec) -> bool:
    return bool(form.errors) or any(f.errors or any(s.errors for s in f.fields) for f in form.fields)


# --- editing ---


def _list_at(form: FormSpec, path: str) -> tuple[list[FieldSpec], int] | None:
    """The list holding the field at `path` ("3", or "3.1" for a group's field) and its index there."""
    parts = path.split(".")
    if not all(p.isdigit() for p in parts) or len(parts) > 2:
        return None
    fields, index = form.fields, int(parts[0])
    if len(parts) == 2:
        if index >= len(fields):
            return None
        fields, index = fields[index].fields, int(parts[1])
    return (fields, index) if index < len(fields) else None


def apply_op(form: FormSpec, op: str) -> None:
    """A structural change: `add`, `add_sub:<n>`, `add_option:<path>`, `up|down|delete:<path>`,
    `delete_option:<path>:<m>`. Anything else (or a path that is not there) changes nothing."""
    action, _sep, where = op.partition(":")
    if action == "add":
        form.fields.append(FieldSpec())
        return
    path, _sep, option = where.partition(":")
    found = _list_at(form, path)
    if found is None:
        return
    fields, index = found
    spec = fields[index]
    if action == "add_sub" and "." not in path:
        spec.fields.append(FieldSpec())
    elif action == "add_option":
        spec.options.append(OptionSpec())
    elif action == "delete_option" and option.isdigit() and int(option) < len(spec.options):
        del spec.options[int(option)]
    elif action == "delete":
        del fields[index]
    elif action in ("up", "down"):
        other = index - 1 if action == "up" else index + 1
        if 0 <= other < len(fields):
            fields[index], fields[other] = fields[other], fields[index]


def _place(spec: FieldSpec, prefix: str, path: str, number: int, ref: str) -> None:
    spec.prefix, spec.path, spec.number, spec.ref = prefix, path, number, ref
    if spec.kind in OPTION_KINDS and not spec.options:
        spec.options.append(OptionSpec())
    for n, option in enumerate(spec.options):
        option.prefix, option.op_path = f"{prefix}o-{n}-", f"{path}:{n}"


def ready_for_editing(form: FormSpec) -> None:
    """Number the fields for their posted names, and give a select without options a blank option and a
    group without fields a blank field, so there is something to fill in."""
    for n, spec in enumerate(form.fields):
        _place(spec, f"f-{n}-", str(n), n + 1, str(n + 1))
        if spec.kind == "group" and not spec.fields:
            spec.fields.append(FieldSpec())
        for k, sub in enumerate(spec.fields if spec.kind == "group" else []):
            _place(sub, f"f-{n}-s-{k}-", f"{n}.{k}", k + 1, f"{n + 1}.{k + 1}")


def attach_problems(form: FormSpec, problems: list[tuple[str, str]]) -> None:
    """Each (path, message) to the field it names ("items.qty" → the group's field), else to the form."""
    by_name = {spec.name: spec for spec in form.fields if spec.name}
    for path, message in problems:
        head, _sep, rest = path.partition(".")
        target = by_name.get(head)
        if target is not None and rest:
            target = next((sub for sub in target.fields if sub.name == rest), target)
        if target is None:
            note(form.errors, _("%(field)s：%(message)s") % {"field": path, "message": message} if path else message)
        else:
            note(target.errors, message)
