"""Fields named by (source, id) — FieldMapping rows and cluster members — shown by name where their source
can be read: a registered column as 系统 / 数据库 / 数据表.字段 with its comment and a link to its table.
Sources without a reader here (a test source, a future catalog one) show as source#id.

One query per source for a whole page of fields, so a page costs the same for one field or a hundred.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse

from domain.assets.models import Column


@dataclass(frozen=True)
class FieldInfo:
    label: str  # where the field lives, e.g. "低保救助系统 / dibao / family.sfzh"
    comment: str = ""
    url: str = ""
    removed: bool = False


Resolver = Callable[[list[int]], dict[int, FieldInfo]]


def _columns(ids: list[int]) -> dict[int, FieldInfo]:
    rows = Column.objects.filter(pk__in=ids).select_related("table__database__system")
    found = {}
    for column in rows:
        table = column.table
        label = f"{table.database.system.name} / {table.database.name} / {table.name}.{column.name}"
        url = reverse("data:asset_table", args=[table.pk])
        removed = column.removed_at is not None or table.removed_at is not None
        found[column.pk] = FieldInfo(label, column.comment, url, removed)
    return found


RESOLVERS: dict[str, Resolver] = {"assets.column": _columns}
CHUNK = 1000


def fields_info(fields: Iterable[tuple[str, int]]) -> dict[tuple[str, int], FieldInfo]:
    """What is known of each (source, id); unknown sources and vanished rows are simply absent."""
    by_source: dict[str, list[int]] = {}
    for source, source_id in fields:
        by_source.setdefault(source, []).append(source_id)
    found: dict[tuple[str, int], FieldInfo] = {}
    for source, ids in by_source.items():
        resolve = RESOLVERS.get(source)
        if resolve is None:
            continue
        unique = sorted(set(ids))
        for start in range(0, len(unique), CHUNK):
            for source_id, info in resolve(unique[start : start + CHUNK]).items():
                found[(source, source_id)] = info
    return found
