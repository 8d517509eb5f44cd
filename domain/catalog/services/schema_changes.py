"""When a probe finds that a published entry's table changed, the entry is not edited behind the reviewers'
backs: a 变更 is opened with the 信息项 brought in line with the table and sent through catalog approval.

What touches an entry: a column behind one of its 信息项 removed (the item goes), its type or length changed
(the item follows), its table removed (every linked item goes), or a column added to a table the entry was
catalogued from (a new item). Comment or nullability changes alone do not make a 变更. When no 信息项 is left
(its table was removed), a 下线 is proposed instead, with the same reason.

An entry that already has a 变更 or 下线 open is left alone (the reviewers see the current one first): the
schema changes are kept on that open change and followed up once it is applied or withdrawn. A catalog rule
refusing one entry's follow-up is reported in the result and does not hold up the other entries.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import partial

from django.db import transaction
from django.db.models import Q

from domain.assets.models import ChangeKind as SchemaKind
from domain.assets.models import Column, SchemaChange
from processes.ports import SYSTEM

from ..choices import OPEN_CHANGE_STATUSES, ChangeKind, EntryStatus
from ..errors import CatalogError
from ..models import CatalogChange, CatalogEntry, InfoItem
from ..validation import EntryFields, ItemFields, entry_fields_check
from ..versions import entry_fields
from .entries import approval_start, change_open
from .from_table import column_elements, column_item

log = logging.getLogger(__name__)

_ITEM_CHANGES = {SchemaKind.COLUMN_REMOVED, SchemaKind.TYPE_CHANGED, SchemaKind.LENGTH_CHANGED}


@dataclass(frozen=True)
class SchemaFollowUp:
    opened: list[CatalogChange]
    # Entries affected but left alone because a 变更 or 下线 of theirs is already under review; the schema
    # changes are kept on that open change (CatalogChange.followups) and followed up when it is decided.
    busy: list[int]
    # Entries whose follow-up a catalog rule refused: entry id → the message (the others went ahead).
    refused: dict[int, str] = field(default_factory=dict)


def catalog_changes_for_schema(*, changes: list[SchemaChange], entry_id: int | None = None) -> SchemaFollowUp:
    """Open one 变更 (or 下线, when all its 信息项 went) per published entry the probe's changes touch (see the
    module's docstring); only for `entry_id` when given. Each entry is handled in its own transaction."""
    touched = _touched_entries(changes)
    opened, busy, refused = [], [], {}
    for touched_id, entry_changes in touched.items():
        if entry_id is not None and touched_id != entry_id:
            continue
        try:
            with transaction.atomic():
                outcome = _follow_entry(touched_id, entry_changes)
        except CatalogError as exc:
            refused[touched_id] = exc.message
            continue
        if isinstance(outcome, CatalogChange):
            opened.append(outcome)
        elif outcome == "busy":
            busy.append(touched_id)
    if busy:
        log.info("schema changes touch entries with a change already under review: %s", busy)
    return SchemaFollowUp(opened=opened, busy=busy, refused=refused)


def _follow_entry(entry_id: int, changes: list[SchemaChange]) -> CatalogChange | str | None:
    """The change opened for one entry, "busy" (kept on its open change), or None (nothing to do)."""
    entry = CatalogEntry.objects.select_for_update(of=("self",)).select_related("provider").get(pk=entry_id)
    if entry.status != EntryStatus.PUBLISHED:
        return None
    current = entry.changes.filter(status__in=OPEN_CHANGE_STATUSES).select_for_update().first()
    if current is not None:
        current.followups = list(dict.fromkeys([*current.followups, *(c.pk for c in changes)]))
        current.save(update_fields=["followups"])
        return "busy"
    before = entry_fields(entry)
    fields = _followed(entry, changes, before)
    if fields == before:
        return None  # already in line (a follow-up of changes an applied 变更 took in)
    reason = _reason(changes)
    if before.items and not fields.items:
        # Nothing of the table is left to describe: the resource is gone, so propose taking it down.
        change = change_open(entry, ChangeKind.TAKE_DOWN, reason, SYSTEM, proposed={})
        approval_start(entry, SYSTEM, kind=ChangeKind.TAKE_DOWN, change=change)
        return change
    entry_fields_check(fields)
    change = change_open(entry, ChangeKind.CHANGE, reason, SYSTEM, proposed=fields.as_json())
    approval_start(entry, SYSTEM, kind=ChangeKind.CHANGE, change=change)
    return change


def followups_reraise(change: CatalogChange) -> None:
    """Once `change` is applied or withdrawn, follow up (after commit) the schema changes kept on it."""
    if change.followups:
        transaction.on_commit(partial(_followups_run, change.entry_id, list(change.followups)))


def _followups_run(entry_id: int, schema_change_ids: list[int]) -> None:
    changes = list(SchemaChange.objects.filter(pk__in=schema_change_ids).order_by("pk"))
    try:
        follow_up = catalog_changes_for_schema(changes=changes, entry_id=entry_id)
    except Exception:
        log.exception("following up schema changes %s of entry %s failed", schema_change_ids, entry_id)
        return
    if follow_up.refused:
        log.warning("schema follow-up of entry %s refused: %s", entry_id, follow_up.refused)


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


def _followed(entry: CatalogEntry, changes: list[SchemaChange], fields: EntryFields) -> EntryFields:
    """The entry's fields with its 信息项 brought in line with the changed table(s)."""
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
            followed = column_item(column, {})
            item = replace(item, data_type=followed.data_type, length=followed.length)
        items.append(item)
    added = [columns[pk] for pk in sorted(_added_ids(changes)) if pk in columns]
    elements = column_elements(added)
    items += [column_item(column, elements) for column in added if column.pk not in {i.column_id for i in items}]
    return replace(fields, items=tuple(items))


def _added_ids(changes: list[SchemaChange]) -> set[int]:
    return {c.column_id for c in changes if c.kind == SchemaKind.COLUMN_ADDED and c.column_id}


def _reason(changes: list[SchemaChange]) -> str:
    listed = "；".join(str(change) for change in changes[:20])
    more = f"（另有 {len(changes) - 20} 项）" if len(changes) > 20 else ""
    return f"数据探矿发现数据表结构变化：{listed}{more}"
