"""An element's version history as a steward reads it: each version with the attributes that changed from
the version before (old → new), in the reader's language, related rows shown by name.

The snapshots are the service's (domain/standards/services/elements.py): attribute names of DataElement,
relations as `<name>_id`. A bounded number of versions is shown; two queries whatever the count.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from domain.directory.models import Department
from domain.standards.choices import DataType, ElementStatus
from domain.standards.models import CodeSet, DataElement, DataElementVersion

VERSIONS_SHOWN = 50
HIDDEN = frozenset({"version"})  # the row's own heading says it
RELATIONS = {"code_set_id": (CodeSet, "code_set"), "department_id": (Department, "department")}


@dataclass(frozen=True)
class Change:
    attribute: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class VersionRow:
    version: DataElementVersion
    changes: list[Change]
    first: bool  # the element's first version: it was created, nothing changed
    note: str  # in the reader's language: the service writes msgids such as 清洗比对确认


def _label(attribute: str) -> str:
    name = RELATIONS[attribute][1] if attribute in RELATIONS else attribute
    try:
        return str(getattr(DataElement._meta.get_field(name), "verbose_name", attribute))
    except FieldDoesNotExist:  # an attribute a later model dropped still shows, by its name
        return attribute


def _names(snapshots: list[dict[str, Any]]) -> dict[str, dict[Any, str]]:
    """The related rows the snapshots mention, by id: one query per relation."""
    names: dict[str, dict[Any, str]] = {}
    for attribute, (model, _field) in RELATIONS.items():
        ids = {snap.get(attribute) for snap in snapshots} - {None}
        found = model._default_manager.in_bulk(list(ids)) if ids else {}
        names[attribute] = {pk: str(obj) for pk, obj in found.items()}
    return names


def _show(attribute: str, value: Any, names: dict[str, dict[Any, str]]) -> str:
    if value in (None, "", []):
        return "—"
    if attribute in names:
        return names[attribute].get(value, f"#{value}")
    if attribute == "data_type":
        return str(dict(DataType.choices).get(value, value))
    if attribute == "status":
        return str(dict(ElementStatus.choices).get(value, value))
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    return str(value)


def _changes(older: dict[str, Any], newer: dict[str, Any], names: dict[str, dict[Any, str]]) -> list[Change]:
    keys = [key for key in newer if key not in HIDDEN] + [key for key in older if key not in newer]
    return [
        Change(key, _label(key), _show(key, older.get(key), names), _show(key, newer.get(key), names))
        for key in keys
        if older.get(key) != newer.get(key) and key not in HIDDEN
    ]


def version_rows(element_id: int) -> tuple[list[VersionRow], bool]:
    """The newest versions (at most VERSIONS_SHOWN) with their changes, and whether older ones exist."""
    rows = list(
        DataElementVersion.objects.filter(element_id=element_id)
        .select_related("changed_by")
        .order_by("-version")[: VERSIONS_SHOWN + 1]
    )
    names = _names([row.snapshot for row in rows])
    shown = []
    for index, row in enumerate(rows[:VERSIONS_SHOWN]):
        older = rows[index + 1] if index + 1 < len(rows) else None
        changes = _changes(older.snapshot, row.snapshot, names) if older else []
        note = _(row.note) if row.note else ""
        shown.append(VersionRow(row, changes, first=older is None and row.version == 1, note=note))
    return shown, len(rows) > VERSIONS_SHOWN
