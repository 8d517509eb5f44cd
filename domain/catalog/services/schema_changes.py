"""When a probe finds that a published entry's table changed, the entry is not edited behind the reviewers'
backs: a 变更 is opened with the 信息项 brought in line with the table and sent through catalog approval.

What touches an entry: a column behind one of its 信息项 removed (the item goes), its type or length changed
(the item follows), its table removed (every linked item goes), or a column added to a table the entry was
catalogued from (a new item). Comment or nullability changes alone do not make a 变更. An entry that already
has a 变更 or 下线 under review is left alone (the reviewers see the current one first) and reported as such.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, replace

from django.db import transaction
from django.db.models import Q

from domain.assets.models import ChangeKind as SchemaKind
from domain.assets.models import Column, SchemaChange
from processes.ports import SYSTEM

from ..choices import ChangeKind, ChangeStatus, EntryStatus
from ..models import CatalogChange, CatalogEntry, InfoItem
from ..validation import EntryFields, ItemFields, entry_fields_check
from ..versions import entry_fields
from .entries import _open_change, _start_approval
from .from_table import _elements_for, _item

log = logging.getLogger(__name__)

_ITEM_CHANGES = {SchemaKind.COLUMN_REMOVED, SchemaKind.TYPE_CHANGED, SchemaKind.LENGTH_CHANGED}


@dataclass(frozen=True)
class SchemaFollowUp:
    opened: list[CatalogChange]
    # Entries affected but left alone because a 变更 or 下线 of theirs is already under review.
    busy: list[int]


def catalog_changes_for_schema(*, changes: list[SchemaChange]) -> SchemaFollowUp:
    """Open one 变更 per published entry the probe's changes touch (see the module's docstring)."""
    touched = _touched_entries(changes)
    opened, busy = [], []
    for entry_id, entry_changes in touched.items():
        with transaction.atomic():
            entry = CatalogEntry.objects.select_for_update(of=("self",)).select_related("provider").get(pk=entry_id)
            if entry.status != EntryStatus.PUBLISHED:
                continue
            if entry.changes.exclude(status=ChangeStatus.APPLIED).exists():
                busy.append(entry_id)
                continue
            fields = _followed(entry, entry_changes)
            entry_fields_check(fields)
            change = _open_change(entry, ChangeKind.CHANGE, _reason(entry_changes), SYSTEM, proposed=fields.as_json())
            _start_approval(entry, SYSTEM, kind=ChangeKind.CHANGE, change=change)
            opened.append(change)
    if busy:
        log.info("schema changes touch entries with a change already under review: %s", busy)
    return SchemaFollowUp(opened=opened, busy=busy)


def _touched_entries(changes: list[SchemaChange]) -> dict[int, list[SchemaChange]]:
    """Published entry id → the changes that concern it."""
    column_ids = {c.column_id for c in changes if c.kind in _ITEM_CHANGES and c.column_id}
    removed_tables = {c.table_id for c in changes if c.kind == SchemaKind.TABLE_REMOVED and c.table_id}
    added_tables = {c.table_id for c in changes if c.kind == SchemaKind.COLUMN_ADDED and c.table_id}
    rows = InfoItem.objects.filter(entry__status=EntryStatus.PUBLISHED).filter(
        Q(column_id__in=column_ids) | Q(column__table_id__in=removed_tables | added_tables)
    )
    by_entry: dict[int, list[SchemaChange]] = defaultdict(list)
    for entry_id, column_id, table_id in rows.values_list("entry_id", "column_id", "column__table_id").distinct():
        for change in changes:
            if change.column_id == column_id and change.kind in _ITEM_CHANGES:
                by_entry[entry_id].append(change)
            elif change.table_id == table_id and change.kind in (SchemaKind.TABLE_REMOVED, SchemaKind.COLUMN_ADDED):
                by_entry[entry_id].append(change)
    return {entry_id: list(dict.fromkeys(found)) for entry_id, found in by_entry.items()}


def _followed(entry: CatalogEntry, changes: list[SchemaChange]) -> EntryFields:
    """The entry's fields with its 信息项 brought in line with the changed table(s)."""
    fields = entry_fields(entry)
    gone_columns = {c.column_id for c in changes if c.kind == SchemaKind.COLUMN_REMOVED}
    gone_tables = {c.table_id for c in changes if c.kind == SchemaKind.TABLE_REMOVED}
    changed = {c.column_id for c in changes if c.kind in (SchemaKind.TYPE_CHANGED, SchemaKind.LENGTH_CHANGED)}
    columns = Column.objects.in_bulk({i.column_id for i in fields.items if i.column_id} | _added_ids(changes))
    items: list[ItemFields] = []
    for item in fields.items:
        column = columns.get(item.column_id) if item.column_id else None
        if item.column_id in gone_columns or (column is not None and column.table_id in gone_tables):
            continue
        if column is not None and item.column_id in changed:
            followed = _item(column, {})
            item = replace(item, data_type=followed.data_type, length=followed.length)
        items.append(item)
    added = [columns[pk] for pk in sorted(_added_ids(changes)) if pk in columns]
    elements = _elements_for(added)
    items += [_item(column, elements) for column in added if column.pk not in {i.column_id for i in items}]
    return replace(fields, items=tuple(items))


def _added_ids(changes: list[SchemaChange]) -> set[int]:
    return {c.column_id for c in changes if c.kind == SchemaKind.COLUMN_ADDED and c.column_id}


def _reason(changes: list[SchemaChange]) -> str:
    listed = "；".join(str(change) for change in changes[:20])
    more = f"（另有 {len(changes) - 20} 项）" if len(changes) > 20 else ""
    return f"数据探矿发现数据表结构变化：{listed}{more}"
