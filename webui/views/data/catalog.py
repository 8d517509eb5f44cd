"""数据通 — 资源目录: the classification tree (类 → 项 → 目 → 细目, with counts) beside a searchable list of
entries, and the Excel export of what the list selects (or of the whole catalog one may read).

The tree's counts follow the list's other filters, so a search shows where its hits sit. Both come from a
fixed number of queries: the nodes, one grouped count, one page of entries. With htmx the filter form swaps
the tree and list block in place; without JavaScript it is an ordinary GET form.

This module owns the catalog's URLs: the entry page and its actions (catalog_entry.py), the forms
(catalog_forms.py) and the share requests (shares.py) add theirs to `urlpatterns` here.
"""

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from domain.catalog.choices import EntryStatus, ShareType
from domain.catalog.export import catalog_export
from domain.catalog.models import CatalogEntry, ClassificationNode
from domain.directory.models import Department
from webui.views.paging import int_or_none, paginate

from . import catalog_entry, catalog_forms, shares
from .catalog_access import actor_of, cataloguing_departments, visible_entries

PAGE_SIZE = 25
RESULTS_TARGET = "tb-catalog-results"
# Levels always drawn; deeper nodes only when they hold entries or lie on the selected path.
SKELETON_LEVELS = 2
Node = tuple[int, str, str, int, int | None]  # pk, full code, name, level, parent


@dataclass(frozen=True)
class TreeNode:
    pk: int
    full_code: str
    name: str
    level: int
    count: int
    selected: bool


@dataclass(frozen=True)
class Filters:
    q: str
    provider: int | None
    status: str
    share_type: int | None
    node: int | None

    @classmethod
    def of(cls, data: QueryDict) -> "Filters":
        share_type = int_or_none(data.get("share_type"))
        return cls(
            q=(data.get("q") or "").strip()[:100],
            provider=int_or_none(data.get("provider")),
            status=str(data.get("status")) if data.get("status") in EntryStatus.values else "",
            share_type=share_type if share_type in ShareType.values else None,
            node=int_or_none(data.get("node")),
        )


def _filtered(entries: QuerySet[CatalogEntry], filters: Filters) -> QuerySet[CatalogEntry]:
    """Everything but the classification: name, code or 摘要 contains; provider; status; share type."""
    if filters.q:
        entries = entries.filter(
            Q(name__icontains=filters.q) | Q(code__icontains=filters.q) | Q(summary__icontains=filters.q)
        )
    if filters.provider is not None:
        entries = entries.filter(provider_id=filters.provider)
    if filters.status:
        entries = entries.filter(status=filters.status)
    if filters.share_type is not None:
        entries = entries.filter(share_type=filters.share_type)
    return entries


def _subtree(nodes: Sequence[Node], root: int | None) -> set[int]:
    """The node `root` and every node below it (by parent links: 细目 codes are free-width, prefixes mislead)."""
    if root is None:
        return set()
    found = {root}
    children: dict[int | None, list[int]] = {}
    for pk, _code, _name, _level, parent in nodes:
        children.setdefault(parent, []).append(pk)
    frontier = [root]
    while frontier:
        below = children.get(frontier.pop(), [])
        found.update(below)
        frontier.extend(below)
    return found


def _tree(nodes: Sequence[Node], direct: dict[int, int], selected: int | None) -> list[TreeNode]:
    """Each node with the entries of its whole subtree counted; the skeleton plus the nodes that matter."""
    parents = {pk: parent for pk, _code, _name, _level, parent in nodes}
    totals: dict[int, int] = {}
    for pk, count in direct.items():
        node: int | None = pk
        while node is not None and node in parents:
            totals[node] = totals.get(node, 0) + count
            node = parents[node]
    on_path: set[int] = set()
    node = selected
    while node is not None and node in parents:
        on_path.add(node)
        node = parents[node]
    return [
        TreeNode(pk, code, name, level, totals.get(pk, 0), pk == selected)
        for pk, code, name, level, _parent in nodes
        if level <= SKELETON_LEVELS or totals.get(pk) or pk in on_path or parents.get(pk) in on_path
    ]


def _query_without(data: QueryDict, *names: str) -> str:
    query = data.copy()
    for name in (*names, "page"):
        query.pop(name, None)
    return query.urlencode()


def catalog_context(request: HttpRequest) -> dict[str, Any]:
    actor = actor_of(request)
    filters = Filters.of(request.GET)
    nodes = list(
        ClassificationNode.objects.order_by("full_code").values_list("pk", "full_code", "name", "level", "parent_id")
    )
    filtered = _filtered(visible_entries(actor), filters)
    direct = dict(filtered.order_by().values_list("classification_id").annotate(n=Count("pk")))
    subtree = _subtree(nodes, filters.node)
    listed = filtered.filter(classification_id__in=sorted(subtree)) if filters.node is not None else filtered
    rows = listed.select_related("provider").order_by("classification__full_code", "sequence", "pk")
    return {
        "section": "catalog",
        "filters": filters,
        "tree": _tree(nodes, direct, filters.node),
        "providers": Department.objects.filter(pk__in=CatalogEntry.objects.values("provider_id")).order_by("path"),
        "statuses": EntryStatus.choices,
        "share_types": ShareType.choices,
        "node_query": _query_without(request.GET, "node"),
        "query": request.GET.urlencode(),
        "may_create": cataloguing_departments(actor).exists(),
        "target": RESULTS_TARGET,
        **paginate(rows, request.GET, PAGE_SIZE),
    }


@login_required
@require_GET
def catalog_index(request: HttpRequest) -> HttpResponse:
    """资源目录: the tree and the list, filtered by the search form."""
    context = catalog_context(request)
    template = "results" if request.headers.get("HX-Target") == RESULTS_TARGET else "index"
    response = render(request, f"webui/data/catalog/{template}.html", context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@login_required
@require_GET
def catalog_export_view(request: HttpRequest) -> FileResponse:
    """导出 Excel: the entries the list's filters select (all that one may read without filters), in the 编制
    template layout; spooled to disk past a few MB, then streamed."""
    filters = Filters.of(request.GET)
    entries = _filtered(visible_entries(actor_of(request)), filters)
    if filters.node is not None:
        nodes = list(ClassificationNode.objects.values_list("pk", "full_code", "name", "level", "parent_id"))
        entries = entries.filter(classification_id__in=sorted(_subtree(nodes, filters.node)))
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    catalog_export(entries=entries, out=out)
    out.seek(0)
    name = f"catalog-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(
        out,
        as_attachment=True,
        filename=name,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


urlpatterns: list[URLPattern] = [
    path("catalog/", catalog_index, name="catalog"),
    path("catalog/export/", catalog_export_view, name="catalog_export"),
    *catalog_forms.urlpatterns,
    *catalog_entry.urlpatterns,
    *shares.urlpatterns,
]
