"""What an open 变更 proposes, against the published entry: field by field (old → new), and its 信息项 added,
removed or changed. The reviewers decide on this; the published page above it stays as it is until approval."""

from dataclasses import dataclass, field
from typing import Any

from domain.assets.models import Column
from domain.catalog.choices import DESCRIPTION_FIELDS, DataType
from domain.catalog.models import CatalogChange, CatalogEntry, InfoItem
from domain.catalog.validation import EntryFields, ItemFields
from domain.catalog.versions import entry_fields
from domain.standards.models import DataElement

# Compared in the GB/T 21063 order; the classification and the provider cannot change through a 变更.
COMPARED = (
    "name",
    "provider_code",
    *DESCRIPTION_FIELDS,
    "related_codes",
    "secrecy",
    "hierarchy",
)
ITEM_COMPARED = ("name", "data_type", "length", "data_element_id", "column_id")


@dataclass(frozen=True)
class Difference:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class ItemDifference:
    kind: str  # "added", "removed" or "changed"
    name: str
    differences: list[Difference] = field(default_factory=list)


@dataclass(frozen=True)
class Proposal:
    change: CatalogChange
    fields: list[Difference]
    items: list[ItemDifference]


def proposal_of(entry: CatalogEntry, change: CatalogChange | None) -> Proposal | None:
    """The open 变更's differences from the published entry; None for no change, or a 下线 (nothing proposed)."""
    if change is None or not change.proposed:
        return None
    published, proposed = entry_fields(entry), EntryFields.from_json(change.proposed)
    if not proposed.provider_code:
        proposed = EntryFields.from_json({**change.proposed, "provider_code": published.provider_code})
    differences = [
        Difference(
            _label(CatalogEntry, name), _shown(name, getattr(published, name)), _shown(name, getattr(proposed, name))
        )
        for name in COMPARED
        if getattr(published, name) != getattr(proposed, name)
    ]
    return Proposal(change=change, fields=differences, items=_item_differences(published.items, proposed.items))


def _label(model: Any, name: str) -> str:
    model_field = model._meta.get_field(name.removesuffix("_id"))
    return str(getattr(model_field, "verbose_name", name))


def _shown(name: str, value: Any) -> str:
    """A value as the entry page shows it: a choice by its label, a list joined, nothing as —."""
    if isinstance(value, tuple | list):
        return "；".join(str(v) for v in value) or "—"
    choices = dict(getattr(CatalogEntry._meta.get_field(name), "flatchoices", ()))
    shown = choices.get(value, value)
    return str(shown) if shown not in ("", None) else "—"


def _item_differences(old: tuple[ItemFields, ...], new: tuple[ItemFields, ...]) -> list[ItemDifference]:
    """Items are paired by the stored row a proposed item continues (its id), else by name."""
    names = _link_names([*old, *new])
    by_id = {item.item_id: item for item in old}
    by_name = {item.name: item for item in old}
    paired: set[int | None] = set()
    found: list[ItemDifference] = []
    for item in new:
        before = by_id.get(item.item_id) if item.item_id else None
        if before is None or before.item_id in paired:
            candidate = by_name.get(item.name)
            before = candidate if candidate is not None and candidate.item_id not in paired else None
        if before is None:
            found.append(ItemDifference("added", item.name, _item_facts(None, item, names)))
            continue
        paired.add(before.item_id)
        facts = _item_facts(before, item, names)
        if facts:
            found.append(ItemDifference("changed", item.name, facts))
    found += [ItemDifference("removed", i.name, _item_facts(i, None, names)) for i in old if i.item_id not in paired]
    return found


def _item_facts(
    before: ItemFields | None, after: ItemFields | None, names: dict[str, dict[int, str]]
) -> list[Difference]:
    facts = []
    for attribute in ITEM_COMPARED:
        old = _item_value(attribute, before, names)
        new = _item_value(attribute, after, names)
        if old != new:
            facts.append(Difference(_label(InfoItem, attribute), old, new))
    return facts


def _item_value(attribute: str, item: ItemFields | None, names: dict[str, dict[int, str]]) -> str:
    if item is None:
        return "—"
    value = getattr(item, attribute)
    if value in (None, ""):
        return "—"
    if attribute == "data_type":
        return f"{value} {dict(DataType.choices).get(value, '')}".strip()
    if attribute in names:
        return names[attribute].get(value, f"#{value}")
    return str(value)


def _link_names(items: list[ItemFields]) -> dict[str, dict[int, str]]:
    elements = {i.data_element_id for i in items if i.data_element_id}
    columns = {i.column_id for i in items if i.column_id}
    return {
        "data_element_id": dict(DataElement.objects.filter(pk__in=elements).values_list("pk", "name_zh")),
        "column_id": {
            pk: f"{table}.{name}"
            for pk, table, name in Column.objects.filter(pk__in=columns).values_list("pk", "table__name", "name")
        },
    }
