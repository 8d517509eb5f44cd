"""Bring the registry in line with a new snapshot, touching only the tables a change names.

Rules: a table or column the database no longer has is marked `removed_at` (kept for the catalog's links,
revived if it comes back); types, lengths and nullability follow the database; a comment from the
database replaces the registry's, but an empty database comment keeps what a clerk typed (中文名 filled by
hand during the 普查). Row counts are refreshed on every run without being a change.
"""

from typing import Any

from django.utils import timezone

from ..models import Column, Database, DataTable, SchemaChange
from .diff import Change

_COLUMN_ATTRS = ("data_type", "length", "scale", "nullable", "position")
_SYNCED = (*_COLUMN_ATTRS, "comment", "removed_at")


def snapshot_from_registry(database: Database) -> dict[str, Any]:
    """The registry's view of the database, the baseline of a probe's first run."""
    tables: dict[str, Any] = {}
    for table in DataTable.objects.filter(database=database, removed_at__isnull=True):
        tables[table.name] = {"comment": table.comment, "rows": table.rows, "columns": {}}
    columns = Column.objects.filter(table__database=database, table__removed_at__isnull=True, removed_at__isnull=True)
    for column in columns.select_related("table"):
        tables[column.table.name]["columns"][column.name] = {
            "type": column.data_type,
            "length": column.length,
            "scale": column.scale,
            "nullable": column.nullable,
            "comment": column.comment,
            "position": column.position,
        }
    return {"tables": tables}


def _sync_tables(database: Database, snapshot: dict[str, Any]) -> dict[str, DataTable]:
    now = timezone.now()
    tables = {table.name: table for table in DataTable.objects.filter(database=database)}
    new, changed = [], []
    for name, seen in snapshot["tables"].items():
        table = tables.get(name)
        if table is None:
            table = DataTable(database=database, name=name, comment=seen["comment"], rows=seen["rows"])
            new.append(table)
            tables[name] = table
            continue
        before = (table.rows, table.comment, table.removed_at)
        table.rows = seen["rows"]
        table.comment = seen["comment"] or table.comment
        table.removed_at = None
        if before != (table.rows, table.comment, table.removed_at):
            changed.append(table)
    for name, table in tables.items():
        if name not in snapshot["tables"] and table.removed_at is None and table.pk:
            table.removed_at = now
            changed.append(table)
    DataTable.objects.bulk_create(new, batch_size=1000)
    DataTable.objects.bulk_update(changed, ["rows", "comment", "removed_at"], batch_size=1000)
    return tables


def _column_from(table: DataTable, name: str, seen: dict[str, Any]) -> Column:
    return Column(
        table=table,
        name=name,
        data_type=seen["type"],
        length=seen["length"],
        scale=seen["scale"],
        nullable=seen["nullable"],
        comment=seen["comment"],
        position=seen["position"],
    )


def _sync_one_table(
    table: DataTable, seen_columns: dict[str, Any], existing: dict[str, Column]
) -> tuple[list[Column], list[Column]]:
    new, changed = [], []
    for column_name, seen in seen_columns.items():
        fresh = _column_from(table, column_name, seen)
        column = existing.get(column_name)
        if column is None:
            existing[column_name] = fresh
            new.append(fresh)
            continue
        before = [getattr(column, attr) for attr in _SYNCED]
        for attr in _COLUMN_ATTRS:
            setattr(column, attr, getattr(fresh, attr))
        column.comment = fresh.comment or column.comment
        column.removed_at = None
        if before != [getattr(column, attr) for attr in _SYNCED]:
            changed.append(column)
    for column_name, column in existing.items():
        if column_name not in seen_columns and column.removed_at is None:
            column.removed_at = timezone.now()
            changed.append(column)
    return new, changed


def _sync_columns(
    tables: dict[str, DataTable], snapshot: dict[str, Any], touched: set[str]
) -> dict[tuple[str, str], Column]:
    names = touched & snapshot["tables"].keys()
    by_id = {tables[name].pk: name for name in names}
    existing: dict[str, dict[str, Column]] = {name: {} for name in names}
    for column in Column.objects.filter(table_id__in=list(by_id)):
        existing[by_id[column.table_id]][column.name] = column
    new: list[Column] = []
    changed: list[Column] = []
    for name in names:
        added, updated = _sync_one_table(tables[name], snapshot["tables"][name]["columns"], existing[name])
        new += added
        changed += updated
    Column.objects.bulk_create(new, batch_size=2000)
    Column.objects.bulk_update(changed, list(_SYNCED), batch_size=2000)
    return {(table, column): row for table, columns in existing.items() for column, row in columns.items()}


def registry_apply(
    *, run: Any, database: Database, snapshot: dict[str, Any], changes: list[Change]
) -> list[SchemaChange]:
    """Update tables and columns, then store and return the SchemaChange rows (linked to the registry rows)."""
    touched = {change.table for change in changes if change.kind != "table_removed"}
    tables = _sync_tables(database, snapshot)
    columns = _sync_columns(tables, snapshot, touched)
    rows = [
        SchemaChange(
            run=run,
            database=database,
            kind=change.kind,
            table_name=change.table,
            column_name=change.column,
            before=change.before,
            after=change.after,
            table=tables.get(change.table),
            column=columns.get((change.table, change.column)) if change.column else None,
        )
        for change in changes
    ]
    return SchemaChange.objects.bulk_create(rows, batch_size=2000)
