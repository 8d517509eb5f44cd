"""Compare two snapshots: what a person would call a change of the schema (row counts are not)."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Change:
    kind: str  # a ChangeKind value
    table: str
    column: str = ""
    before: Any = None
    after: Any = None


def _column_changes(table: str, name: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes = []
    if old.get("type") != new.get("type"):
        changes.append(Change("type_changed", table, name, old.get("type"), new.get("type")))
    old_size, new_size = [old.get("length"), old.get("scale")], [new.get("length"), new.get("scale")]
    if old_size != new_size:
        changes.append(Change("length_changed", table, name, old_size, new_size))
    if old.get("nullable") != new.get("nullable"):
        changes.append(Change("nullable_changed", table, name, old.get("nullable"), new.get("nullable")))
    if (old.get("comment") or "") != (new.get("comment") or ""):
        changes.append(Change("comment_changed", table, name, old.get("comment"), new.get("comment")))
    return changes


def _table_changes(name: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes = []
    if (old.get("comment") or "") != (new.get("comment") or ""):
        changes.append(Change("table_comment_changed", name, "", old.get("comment"), new.get("comment")))
    old_columns, new_columns = old.get("columns", {}), new.get("columns", {})
    for column in sorted(new_columns.keys() - old_columns.keys()):
        changes.append(Change("column_added", name, column, None, new_columns[column]))
    for column in sorted(old_columns.keys() - new_columns.keys()):
        changes.append(Change("column_removed", name, column, old_columns[column], None))
    for column in sorted(old_columns.keys() & new_columns.keys()):
        changes.extend(_column_changes(name, column, old_columns[column], new_columns[column]))
    return changes


def schema_diff(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """Changes from `before` to `after`, tables in name order; a new table is one change, not one per column."""
    old_tables, new_tables = before.get("tables", {}), after.get("tables", {})
    changes: list[Change] = []
    for table in sorted(new_tables.keys() - old_tables.keys()):
        summary = {
            "comment": new_tables[table].get("comment", ""),
            "columns": len(new_tables[table].get("columns", {})),
        }
        changes.append(Change("table_added", table, "", None, summary))
    for table in sorted(old_tables.keys() - new_tables.keys()):
        changes.append(Change("table_removed", table, "", {"comment": old_tables[table].get("comment", "")}, None))
    for table in sorted(old_tables.keys() & new_tables.keys()):
        changes.extend(_table_changes(table, old_tables[table], new_tables[table]))
    return changes
