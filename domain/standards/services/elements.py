"""Writes of the data-element pool. Every change of a 标准 element makes a new version; superseded
versions stay readable as DataElementVersion snapshots. 原始/非标准 drafts are edited in place (their
current snapshot is refreshed). 废止 is final."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pypinyin import lazy_pinyin

from processes.ports import Actor

from ..choices import ELEMENT_TRANSITIONS, DataType, ElementStatus
from ..errors import ElementInvalid, ElementStatusError
from ..models import DataElement, DataElementVersion
from ..validators import parse_format_notation

EDITABLE = (
    "name_zh",
    "name_en",
    "pinyin",
    "internal_identifier",
    "synonyms",
    "definition",
    "object_class",
    "property_term",
    "representation_term",
    "data_type",
    "format",
    "code_set_id",
    "value_domain",
    "unit",
    "relations",
    "department_id",
    "note",
)
IDENTIFIER_PREFIX = "DE"


def full_pinyin(name: str) -> str:
    """中文全拼 without tones, one syllable per character: 公民身份号码 → "gong min shen fen hao ma"."""
    return " ".join(part for part in lazy_pinyin(name) if part.strip())


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    values = dict(values)
    for relation in ("department", "code_set"):  # accept the object as well as its id
        if relation in values:
            related = values.pop(relation)
            values[f"{relation}_id"] = related.pk if related is not None else None
    unknown = set(values) - set(EDITABLE)
    if unknown:
        field = sorted(unknown)[0]
        raise ElementInvalid(field, _("未知的数据元属性：%(field)s") % {"field": field})
    cleaned = dict(values)
    if "name_zh" in cleaned and not str(cleaned["name_zh"]).strip():
        raise ElementInvalid("name_zh", _("中文名称不能为空"))
    if "data_type" in cleaned and cleaned["data_type"] not in DataType.values:
        raise ElementInvalid("data_type", _("数据类型须为 %(codes)s 之一") % {"codes": "/".join(DataType.values)})
    if cleaned.get("format"):
        try:
            parse_format_notation(cleaned["format"])
        except ValidationError as exc:
            raise ElementInvalid("format", exc.messages[0])
    if "synonyms" in cleaned:
        synonyms = cleaned["synonyms"]
        if not isinstance(synonyms, list | tuple) or not all(isinstance(item, str) for item in synonyms):
            raise ElementInvalid("synonyms", _("同义名称须为名称列表"))
        cleaned["synonyms"] = list(dict.fromkeys(item.strip() for item in synonyms if item.strip()))
    return cleaned


def _snapshot(element: DataElement) -> dict[str, Any]:
    data = {field: getattr(element, field) for field in EDITABLE}
    data.update(
        identifier=element.identifier,
        version=element.version,
        status=element.status,
        approved_on=element.approved_on.isoformat() if element.approved_on else None,
    )
    return data


def _record_version(element: DataElement, actor: Actor | None, note: str) -> None:
    DataElementVersion.objects.update_or_create(
        element=element,
        version=element.version,
        defaults={
            "status": element.status,
            "snapshot": _snapshot(element),
            "note": note[:500],
            "changed_by_id": actor.user_id if actor else None,
        },
    )


def _next_identifier() -> str:
    count = DataElement.objects.filter(identifier__startswith=IDENTIFIER_PREFIX).aggregate(n=Max("id"))["n"] or 0
    number = count + 1
    while DataElement.objects.filter(identifier=f"{IDENTIFIER_PREFIX}{number:06d}").exists():
        number += 1
    return f"{IDENTIFIER_PREFIX}{number:06d}"


@transaction.atomic
def element_create(*, actor: Actor | None, name_zh: str, identifier: str = "", **attributes: Any) -> DataElement:
    """A new element in status 原始, version 1; 中文全拼 is computed when not given."""
    values = _clean({"name_zh": name_zh, **attributes})
    if not values.get("pinyin"):
        values["pinyin"] = full_pinyin(values["name_zh"])
    identifier = identifier.strip() or _next_identifier()
    if DataElement.objects.filter(identifier=identifier).exists():
        raise ElementInvalid("identifier", _("标识符 %(identifier)s 已存在") % {"identifier": identifier})
    element = DataElement.objects.create(identifier=identifier, status=ElementStatus.ORIGINAL, version=1, **values)
    _record_version(element, actor, "")
    return element


def _locked(element_id: int) -> DataElement:
    return DataElement.objects.select_for_update().get(pk=element_id)


@transaction.atomic
def element_update(*, element_id: int, actor: Actor | None, changes: dict[str, Any], note: str = "") -> DataElement:
    """Change attributes; a 标准 element gets a new version, a draft is changed in place; 废止 refuses."""
    element = _locked(element_id)
    if element.status == ElementStatus.RETIRED:
        raise ElementStatusError(element.pk, element.status)
    values = _clean(changes)
    if "name_zh" in values and "pinyin" not in values and values["name_zh"] != element.name_zh:
        values["pinyin"] = full_pinyin(values["name_zh"])
    changed = {field: value for field, value in values.items() if getattr(element, field) != value}
    if not changed:
        return element
    if element.status == ElementStatus.STANDARD:
        element.version += 1
    for field, value in changed.items():
        setattr(element, field, value)
    element.save()
    _record_version(element, actor, note)
    return element


@transaction.atomic
def element_transition(
    *, element_id: int, actor: Actor | None, status: str, approved_on: date | None = None, note: str = ""
) -> DataElement:
    """Move an element along 原始 → 标准/非标准 → 废止; leaving 标准 starts a new version so the standard
    one stays readable; becoming 标准 sets 批准日期 (today unless given)."""
    element = _locked(element_id)
    if status not in ELEMENT_TRANSITIONS.get(element.status, frozenset()):
        raise ElementStatusError(element.pk, element.status, status)
    if element.status == ElementStatus.STANDARD:
        element.version += 1
    if status == ElementStatus.STANDARD:
        element.approved_on = approved_on or timezone.localdate()
    element.status = status
    element.save()
    _record_version(element, actor, note)
    return element
