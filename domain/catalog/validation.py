"""The conditional rules of GB/T 21063 metadata, in one function that forms and services both call.

`EntryFields` is the editable part of an entry (everything but the generated code, status and dates),
as plain data, so a proposed 变更 can be stored and checked the same way as a new entry."""

from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from .choices import TABULAR_FORMATS, DataType, FormatCategory, OpenType, ShareMethod, ShareType, UpdateCycle
from .errors import EntryInvalid


@dataclass(frozen=True)
class ItemFields:
    name: str
    data_type: str
    length: int | None = None
    data_element_id: int | None = None
    column_id: int | None = None
    # The stored 信息项 this continues (None for a new one): it is updated in place, keeping its id.
    item_id: int | None = None


@dataclass(frozen=True)
class EntryFields:
    classification_id: int
    name: str
    provider_id: int
    summary: str
    format_category: int
    update_cycle: str
    share_type: int
    open_type: str
    provider_code: str = ""  # defaults to the provider department's code
    format_type: str = ""
    share_condition: str = ""
    no_share_basis: str = ""
    share_method: str = ""
    open_condition: str = ""
    related_codes: tuple[str, ...] = ()
    secrecy: str = ""
    hierarchy: str = ""
    items: tuple[ItemFields, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["related_codes"] = list(self.related_codes)
        data["items"] = [asdict(item) for item in self.items]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "EntryFields":
        items = tuple(ItemFields(**item) for item in data.get("items", []))
        return cls(**{**data, "related_codes": tuple(data.get("related_codes", ())), "items": items})


def entry_fields_check(fields: EntryFields) -> None:
    """Raise EntryInvalid naming every field that breaks a rule; return quietly when all hold."""
    errors: dict[str, list[str]] = {}

    def refuse(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    for name in ("name", "summary"):
        if not str(getattr(fields, name)).strip():
            refuse(name, _("必填。"))
    _check_choices(fields, refuse)
    _check_sharing(fields, refuse)
    if fields.open_type == OpenType.CONDITIONAL and not fields.open_condition.strip():
        refuse("open_condition", _("有条件开放的资源必须填写开放条件。"))
    if fields.format_category in TABULAR_FORMATS and not fields.items:
        refuse("items", _("数据库和电子表格类资源必须列出信息项。"))
    for row, item in enumerate(fields.items, start=1):
        _check_item(row, item, refuse)
    if errors:
        raise EntryInvalid(errors)


def _check_choices(fields: EntryFields, refuse: Any) -> None:
    vocabularies: list[tuple[str, object, Any]] = [
        ("format_category", fields.format_category, FormatCategory),
        ("share_type", fields.share_type, ShareType),
        ("open_type", fields.open_type, OpenType),
        ("update_cycle", fields.update_cycle, UpdateCycle),
    ]
    for name, value, choices in vocabularies:
        if value not in choices.values:
            refuse(name, _("取值 %(value)r 不在可选范围内。") % {"value": value})


def _check_sharing(fields: EntryFields, refuse: Any) -> None:
    if fields.share_type == ShareType.CONDITIONAL and not fields.share_condition.strip():
        refuse("share_condition", _("有条件共享的资源必须填写共享条件。"))
    if fields.share_type == ShareType.NONE:
        if not fields.no_share_basis.strip():
            refuse("no_share_basis", _("不予共享的资源必须填写法律法规或政策依据。"))
        if fields.share_method:
            refuse("share_method", _("不予共享的资源不填写共享方式。"))
    elif not fields.share_method:
        refuse("share_method", _("必填（不予共享的资源除外）。"))
    elif fields.share_method not in ShareMethod.values:
        refuse("share_method", _("取值 %(value)r 不在可选范围内。") % {"value": fields.share_method})


def _check_item(row: int, item: ItemFields, refuse: Any) -> None:
    where = f"items[{row}]"
    if not item.name.strip():
        refuse(where, _("第 %(row)d 个信息项缺少名称。") % {"row": row})
    if item.data_type not in DataType.values:
        refuse(where, _("第 %(row)d 个信息项的数据类型 %(value)r 无效。") % {"row": row, "value": item.data_type})
    if item.length is not None and item.length <= 0:
        refuse(where, _("第 %(row)d 个信息项的长度必须大于 0。") % {"row": row})
