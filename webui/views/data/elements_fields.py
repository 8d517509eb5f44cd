"""Fields named by (source, id) — FieldMapping rows and cluster members — shown by name where their source
can be read: a registered column as 系统 / 数据库 / 数据表.字段 with its comment and a link to its table; a
catalog 信息项 as 目录条目 / 信息项 with a link to the entry, but only where the viewer may see that entry (a
draft of another department is shown as such, without its name). Sources without a reader here (a test
source) show as source#id.

One query per source for a whole page of fields, so a page costs the same for one field or a hundred.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from domain.assets.models import Column
from domain.catalog.choices import EntryStatus
from domain.catalog.models import InfoItem
from processes.ports import Actor

from .catalog_access import may_see_entries


@dataclass(frozen=True)
class FieldInfo:
    label: str  # where the field lives, e.g. "低保救助系统 / dibao / family.sfzh"
    comment: str = ""
    url: str = ""
    removed: bool = False


Resolver = Callable[[list[int], Actor], dict[int, FieldInfo]]


def _columns(ids: list[int], actor: Actor) -> dict[int, FieldInfo]:
    rows = Column.objects.filter(pk__in=ids).select_related("table__database__system")
    found = {}
    for column in rows:
        table = column.table
        label = f"{table.database.system.name} / {table.database.name} / {table.name}.{column.name}"
        url = reverse("data:asset_table", args=[table.pk])
        removed = column.removed_at is not None or table.removed_at is not None
        found[column.pk] = FieldInfo(label, column.comment, url, removed)
    return found


def _catalog_items(ids: list[int], actor: Actor) -> dict[int, FieldInfo]:
    items = list(InfoItem.objects.filter(pk__in=ids).select_related("entry"))
    visible = may_see_entries(actor, [item.entry for item in items])
    found = {}
    for item in items:
        entry = item.entry
        if entry.pk not in visible:
            found[item.pk] = FieldInfo(_("未公开的目录信息项"))
            continue
        url = reverse("data:catalog_entry", args=[entry.pk])
        found[item.pk] = FieldInfo(f"{entry.name} / {item.name}", "", url, entry.status == EntryStatus.WITHDRAWN)
    return found


RESOLVERS: dict[str, Resolver] = {"assets.column": _columns, "catalog.item": _catalog_items}
CHUNK = 1000


def fields_info(fields: Iterable[tuple[str, int]], actor: Actor) -> dict[tuple[str, int], FieldInfo]:
    """What `actor` may know of each (source, id); unknown sources and vanished rows are simply absent."""
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
            for source_id, info in resolve(unique[start : start + CHUNK], actor).items():
                found[(source, source_id)] = info
    return found
