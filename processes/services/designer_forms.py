"""流程设计 — task forms: a draft's JSON Schema forms (`ProcessDraft.forms["forms/<key>.json"]`), saved and
deleted with the draft's forms revision check (`forms_revision`, apart from the diagram's `revision`, so
saving a form never makes the open modeler's autosave stale), and the one rule of what a form may say
(`form_schema_problems`), which the form editor and every deploy apply alike.

What a form may say is JSON Schema (Draft 2020-12) within what the task page's renderer can show
(webui.forms_jsonschema): plain fields of type string / number / integer / boolean, options (`enum`),
multi-select (an array of `enum`), attachments (`format: attachment`, one or a list) and repeating groups
(an array of objects) one level deep; labels in Chinese with English in `x-i18n`.
"""

import importlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from ..errors import NotFound, ValidationFailed
from ..models import ProcessDraft
from ..ports import Actor
from ..selectors_designer import draft_get, draft_visible
from .definitions import FORM_PREFIX, form_files_on_disk
from .designer import DRAFT_MAX_BYTES, DraftStale

__all__ = [
    "DraftForm",
    "FormProblem",
    "FormSchemaInvalid",
    "draft_form_delete",
    "draft_form_get",
    "draft_form_save",
    "form_file_name",
    "form_key_valid",
    "form_schema_problems",
    "schema_problems",
]

FORM_KEY = re.compile(r"^\w[\w\-.]{0,99}$")
FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$", re.ASCII)
FIELD_TYPES = {"string", "number", "integer", "boolean", "array"}
ATTACHMENT = "attachment"
# Formats the renderer shows (date picker, file input) or the inbox's format checker words for people.
FORMATS = {"date", "date-time", "time", "email", "uri", ATTACHMENT}
RANGES = (("minimum", "maximum"), ("minLength", "maxLength"), ("minItems", "maxItems"))
LABEL_KEYWORDS = ("title", "description")
PATTERN_MAX_LENGTH = 200
# The standard library's own regex parser (not in typeshed, hence Any): the nesting check reads the
# same tree `re.compile` builds, so escapes and character classes are never mistaken for quantifiers.
_RE_PARSER: Any = importlib.import_module("re._parser")
_REPEATS = {_RE_PARSER.MAX_REPEAT, _RE_PARSER.MIN_REPEAT, getattr(_RE_PARSER, "POSSESSIVE_REPEAT", None)} - {None}


@dataclass(frozen=True)
class FormProblem:
    """One thing wrong with a form: where ("" the form, "<field>", "<group>.<field>") and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return (
            _("%(field)s：%(message)s") % {"field": self.path, "message": self.message} if self.path else self.message
        )


class FormSchemaInvalid(ValidationFailed):
    """The form is not one the task page can show; `detail` maps each field path to its problems."""

    def __init__(self, problems: list[FormProblem]) -> None:
        detail: dict[str, list[str]] = {}
        for problem in problems:
            detail.setdefault(problem.path, []).append(problem.message)
        super().__init__("表单有误 / the form has problems", detail=detail)
        self.problems = problems


@dataclass
class DraftForm:
    """A form as the editor opens it. `source`: "draft" (the draft's own), "deployed" (the one in bpmn/forms
    of that key; saving makes it the draft's) or "new". `schema` is None when the stored text is not JSON."""

    draft: ProcessDraft
    key: str
    schema: dict[str, Any] | None
    text: str
    source: str


# --- the rule ---


def form_schema_problems(schema: Any) -> list[str]:
    """What keeps `schema` from being a task form, one sentence each (in the active language); [] if fine."""
    return [str(problem) for problem in schema_problems(schema)]


def schema_problems(schema: Any) -> list[FormProblem]:
    """`form_schema_problems`, each with the path of the field it is about."""
    if not isinstance(schema, dict):
        return [FormProblem("", _("表单应是一个 JSON 对象（{…}）。"))]
    found = _form_problems(schema)
    meta = _meta_problem(schema)
    if meta is not None and meta.path not in {problem.path for problem in found}:
        found.append(meta)  # said in our words already when the same field has a problem of ours
    return found


def _form_problems(schema: dict[str, Any]) -> list[FormProblem]:
    found = []
    if "type" in schema and schema["type"] != "object":
        found.append(FormProblem("", _("表单的 type 应为 object。")))
    found += _label_problems(schema, "", None)
    return found + _fields_problems(schema, "", in_group=False)


def _meta_problem(schema: dict[str, Any]) -> FormProblem | None:
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        return FormProblem(
            _property_path(error.path), _("不是有效的 JSON Schema：%(error)s") % {"error": error.message}
        )
    return None


def _property_path(parts: Iterable[Any]) -> str:
    """["properties", "items", "items", "properties", "qty", "minimum"] → "items.qty"."""
    names, walk = [], list(parts)
    while walk:
        head = walk.pop(0)
        if head == "properties" and walk:
            names.append(str(walk.pop(0)))
        elif head != "items":
            break
    return ".".join(names)


def _fields_problems(schema: dict[str, Any], path: str, *, in_group: bool) -> list[FormProblem]:
    props = schema.get("properties", {})
    if not isinstance(props, dict):
        return [FormProblem(path, _("properties 应是字段名到字段定义的对象。"))]
    found = []
    for name, prop in props.items():
        where = f"{path}.{name}" if path else str(name)
        if not FIELD_NAME.match(str(name)):
            found.append(
                FormProblem(where, _("字段名只能包含英文字母、数字和下划线，不能以数字开头，最长 64 个字符。"))
            )
        if not isinstance(prop, dict):
            found.append(FormProblem(where, _("字段定义应是一个 JSON 对象。")))
            continue
        found += _field_problems(prop, where, in_group=in_group)
    required = schema.get("required", [])
    for name in required if isinstance(required, list) else []:
        if name not in props:
            found.append(FormProblem(path, _("必填字段“%(name)s”不在字段列表中。") % {"name": name}))
    return found


def _types(prop: dict[str, Any]) -> list[str]:
    kind = prop.get("type", [])
    kinds = kind if isinstance(kind, list) else [kind]
    return [str(k) for k in kinds if k != "null"]


def _field_problems(prop: dict[str, Any], path: str, *, in_group: bool) -> list[FormProblem]:
    found = [FormProblem(path, message) for message in _type_messages(prop)]
    options: Any = None
    if "enum" in prop:
        options = prop["enum"]
        found += [FormProblem(path, m) for m in _option_messages(prop, options)]
    elif "array" in _types(prop):
        options, problems = _array_problems(prop, path, in_group=in_group)
        found += problems
    found += [FormProblem(path, message) for message in _limit_messages(prop, in_group=in_group)]
    return found + _label_problems(prop, path, options)


def _type_messages(prop: dict[str, Any]) -> list[str]:
    unsupported = [kind for kind in _types(prop) if kind not in FIELD_TYPES]
    if "object" in unsupported:
        return [_("不支持嵌套的对象字段；多行数据请用重复组。")]
    if unsupported:
        return [_("不支持的字段类型：%(types)s。") % {"types": ", ".join(unsupported)}]
    return []


def _array_problems(prop: dict[str, Any], path: str, *, in_group: bool) -> tuple[Any, list[FormProblem]]:
    """(the options, if a multi-select; the problems) of an array field."""
    items = prop.get("items")
    if isinstance(items, dict) and "enum" in items:
        return items["enum"], [FormProblem(path, m) for m in _option_messages(prop, items["enum"])]
    if isinstance(items, dict) and items.get("format") == ATTACHMENT:
        return None, [FormProblem(path, _("重复组的行中不能有附件字段。"))] if in_group else []
    if isinstance(items, dict) and (_types(items) == ["object"] or isinstance(items.get("properties"), dict)):
        if in_group:
            return None, [FormProblem(path, _("重复组中不能再有重复组（只支持一层）。"))]
        return None, _fields_problems(items, path, in_group=True)
    return None, [
        FormProblem(
            path,
            _(
                "列表字段只能是多选（items 带 enum）、多个附件（items 的 format 为 attachment）"
                "或重复组（items 为对象）。"
            ),
        )
    ]


def _option_messages(prop: dict[str, Any], options: Any) -> list[str]:
    if not isinstance(options, list) or not options:
        return [_("请至少提供一个选项。")]
    messages = []
    if any(option is None or isinstance(option, dict | list) for option in options):
        messages.append(_("选项值只能是文本或数字。"))
    seen: set[str] = set()
    for option in options:
        text = str(option)
        if text in seen:
            messages.append(_("选项值“%(value)s”重复。") % {"value": text})
        seen.add(text)
    items = prop["items"] if isinstance(prop.get("items"), dict) else {}
    names = prop.get("enumNames", items.get("enumNames"))
    if names is not None and not _labels_fit(names, options):
        messages.append(_("选项标签（enumNames）应是文本列表，个数与选项相同。"))
    return messages


def _labels_fit(names: Any, options: Any) -> bool:
    same_count = isinstance(options, list) and isinstance(names, list) and len(names) == len(options)
    return same_count and all(isinstance(name, str) for name in names)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _limit_messages(prop: dict[str, Any], *, in_group: bool) -> list[str]:
    messages = []
    kinds = _types(prop)
    form = prop.get("format")
    if form is not None and "array" not in kinds:
        if form not in FORMATS:
            messages.append(_("不支持的格式“%(format)s”。") % {"format": form})
        elif form == ATTACHMENT and in_group:
            messages.append(_("重复组的行中不能有附件字段。"))
    if prop.get("x-widget", "textarea") != "textarea":
        messages.append(_("不支持的 x-widget“%(widget)s”（只支持 textarea）。") % {"widget": prop["x-widget"]})
    if "pattern" in prop:
        messages += _pattern_messages(str(prop["pattern"]))
    for low, high in RANGES:
        if _number(prop.get(low)) and _number(prop.get(high)) and prop[low] > prop[high]:
            messages.append(_("%(low)s 不能大于 %(high)s。") % {"low": low, "high": high})
    return messages


def _pattern_messages(pattern: str) -> list[str]:
    """A pattern runs on every submission of the form: it must compile, stay short, and not nest
    quantifiers — `(a+)+$` takes exponential time on a near-miss, freezing the worker."""
    if len(pattern) > PATTERN_MAX_LENGTH:
        return [_("正则表达式过长（最多 %(limit)s 个字符）。") % {"limit": PATTERN_MAX_LENGTH}]
    try:
        parsed = _RE_PARSER.parse(pattern)
        re.compile(pattern)
    except re.error as error:
        return [_("正则表达式有误：%(error)s") % {"error": error}]
    if _nested_repeat(parsed, inside_repeat=False):
        return [
            _(
                "正则表达式中不能有嵌套的重复（如 (a+)+ 或 (\\w+\\s?)*），"
                "这类写法在某些输入下会极慢；请改写为不嵌套的形式，例如 a+。"
            )
        ]
    return []


def _nested_repeat(items: Any, *, inside_repeat: bool) -> bool:
    """Whether a repeat that may run more than once contains a variable repeat, anywhere below it
    (`(\\d{3}-){2}` is fine: fixed counts cannot backtrack into each other)."""
    for op, av in items:
        if op in _REPEATS:
            low, high, body = av
            if inside_repeat and low != high:
                return True
            if _nested_repeat(body, inside_repeat=high > 1):
                return True
        elif any(_nested_repeat(child, inside_repeat=inside_repeat) for child in _children(av)):
            return True
    return False


def _children(av: Any) -> list[Any]:
    """The sub-patterns inside a parsed node's argument (groups, branches, lookarounds, conditionals)."""
    found = []
    for part in av if isinstance(av, tuple | list) else [av]:
        if isinstance(part, _RE_PARSER.SubPattern):
            found.append(part)
        elif isinstance(part, list):
            found += [child for child in part if isinstance(child, _RE_PARSER.SubPattern)]
    return found


def _label_problems(prop: dict[str, Any], path: str, options: Any) -> list[FormProblem]:
    """`x-i18n`: {"<language>": {"title": text, "description": text, "enumNames": [text per option]}}."""
    i18n = prop.get("x-i18n")
    if i18n is None:
        return []
    shape = _('x-i18n 应形如 {"en": {"title": …, "description": …, "enumNames": […]}}。')
    if not isinstance(i18n, dict) or not all(isinstance(labels, dict) for labels in i18n.values()):
        return [FormProblem(path, shape)]
    found = []
    for labels in i18n.values():
        if any(keyword in labels and not isinstance(labels[keyword], str) for keyword in LABEL_KEYWORDS):
            found.append(FormProblem(path, shape))
        if "enumNames" in labels and not _labels_fit(labels["enumNames"], options):
            found.append(FormProblem(path, _("x-i18n 中的选项标签（enumNames）应是文本列表，个数与选项相同。")))
    return found


# --- the draft's forms ---


def form_key_valid(form_key: str) -> bool:
    return bool(FORM_KEY.match(form_key))


def form_file_name(form_key: str) -> str:
    return f"{FORM_PREFIX}{form_key}.json"


def _checked_key(form_key: str) -> str:
    if not form_key_valid(form_key):
        message = _("表单标识只能包含字母、数字、下划线、连字符和点，最长 100 个字符。")
        raise ValidationFailed(message, detail={"form_key": [message]})
    return form_file_name(form_key)


def _locked(actor: Actor, draft_id: int) -> ProcessDraft:
    draft = draft_visible(actor=actor).select_for_update().filter(pk=draft_id).first()
    if draft is None:
        raise NotFound(f"草稿 {draft_id} 不存在 / draft {draft_id} not found")
    return draft


def draft_form_get(*, actor: Actor, draft_id: int, form_key: str) -> DraftForm:
    """The form `form_key` as the editor opens it: the draft's own, else the one in bpmn/forms of that key,
    else a new one. NotFound for a draft that is not the actor's, or a key no form may have."""
    draft = draft_get(actor=actor, draft_id=draft_id)
    if not form_key_valid(form_key):
        raise NotFound(f"表单 {form_key} 不存在 / no form {form_key}")
    name = form_file_name(form_key)
    text, source = draft.forms.get(name), "draft"
    if text is None:
        text = form_files_on_disk().get(name)
        source = "new" if text is None else "deployed"
    try:
        schema = json.loads(text) if text is not None else None
    except ValueError:
        schema = None
    return DraftForm(draft, form_key, schema if isinstance(schema, dict) else None, text or "", source)


@transaction.atomic
def draft_form_save(
    *, draft_id: int, actor: Actor, form_key: str, schema: dict[str, Any], revision: int
) -> ProcessDraft:
    """Store the form `form_key` in the draft if it is one the task page can show (FormSchemaInvalid with
    the problems by field otherwise) and nobody saved the draft's forms since `revision`, its
    `forms_revision` (DraftStale with the current one). Bumps `forms_revision` only: the diagram's
    `revision`, which the open modeler autosaves against, stays."""
    draft = _locked(actor, draft_id)
    name = _checked_key(form_key)
    problems = schema_problems(schema)
    if problems:
        raise FormSchemaInvalid(problems)
    if draft.forms_revision != revision:
        raise DraftStale(draft.forms_revision)
    forms = {**draft.forms, name: json.dumps(schema, ensure_ascii=False, indent=2) + "\n"}
    if sum(len(text.encode("utf-8")) for text in forms.values()) > DRAFT_MAX_BYTES:
        limit = DRAFT_MAX_BYTES // (1024 * 1024)
        message = _("表单过大（草稿的表单合计不超过 %(limit)s MB）。") % {"limit": limit}
        raise ValidationFailed(message, detail={"": [message]})
    draft.forms = forms
    draft.forms_revision += 1
    draft.save(update_fields=["forms", "forms_revision", "updated_at"])
    return draft


@transaction.atomic
def draft_form_delete(*, draft_id: int, actor: Actor, form_key: str, revision: int) -> ProcessDraft:
    """Remove the form `form_key` from the draft (one of bpmn/forms of that key is then used again);
    `revision` is the draft's `forms_revision`, as for draft_form_save."""
    draft = _locked(actor, draft_id)
    name = form_file_name(form_key)
    if name not in draft.forms:
        raise NotFound(f"草稿中没有表单 {form_key} / the draft has no form {form_key}")
    if draft.forms_revision != revision:
        raise DraftStale(draft.forms_revision)
    draft.forms = {key: text for key, text in draft.forms.items() if key != name}
    draft.forms_revision += 1
    draft.save(update_fields=["forms", "forms_revision", "updated_at"])
    return draft
