"""A run's schema changes as a person reads them: grouped by table, each with its old → new in words."""

from typing import Any

from django.utils.translation import gettext as _

from domain.assets.models import ChangeKind, SchemaChange

KIND_LABELS = dict(ChangeKind.choices)


def _size(length: Any, scale: Any) -> str:
    if length is None:
        return ""
    return f"{length},{scale}" if scale is not None else str(length)


def _yes_no(flag: Any) -> str:
    return _("可为空") if flag else _("不可为空")


def _column(value: dict[str, Any]) -> str:
    """A column as a snapshot holds it: varchar(50), 可为空, 姓名."""
    size = _size(value.get("length"), value.get("scale"))
    parts = [f"{value.get('type', '')}({size})" if size else str(value.get("type", "")), _yes_no(value.get("nullable"))]
    if value.get("comment"):
        parts.append(str(value["comment"]))
    return "，".join(part for part in parts if part)


def describe(kind: str, value: Any) -> str:
    """One side (before or after) of a change; empty when that side does not exist."""
    if value is None:
        return ""
    if kind == ChangeKind.LENGTH_CHANGED and isinstance(value, list | tuple) and len(value) == 2:
        return _size(*value) or "—"
    if kind == ChangeKind.NULLABLE_CHANGED:
        return _yes_no(value)
    if kind in (ChangeKind.COLUMN_ADDED, ChangeKind.COLUMN_REMOVED) and isinstance(value, dict):
        return _column(value)
    if kind == ChangeKind.TABLE_ADDED and isinstance(value, dict):
        columns = _("%(n)s 个字段") % {"n": value.get("columns", 0)}
        return f"{value['comment']}，{columns}" if value.get("comment") else columns
    if kind == ChangeKind.TABLE_REMOVED and isinstance(value, dict):
        return str(value.get("comment") or "")
    return str(value)


def change_rows(changes: list[SchemaChange]) -> list[dict[str, Any]]:
    """[{table, table_id, rows: [{kind, label, column, before, after}]}] in the order the run found them."""
    groups: dict[str, dict[str, Any]] = {}
    for change in changes:
        group = groups.setdefault(change.table_name, {"table": change.table_name, "table_id": None, "rows": []})
        group["table_id"] = group["table_id"] or change.table_id
        group["rows"].append(
            {
                "kind": change.kind,
                "label": KIND_LABELS.get(change.kind, change.kind),
                "column": change.column_name,
                "before": describe(change.kind, change.before),
                "after": describe(change.kind, change.after),
            }
        )
    return list(groups.values())
