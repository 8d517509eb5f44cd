"""关系图: a department's or a system's 信息系统 → 数据库 → 数据表 drawn as server-side SVG, and as a list.

No JavaScript graph library: the map is a tree of three columns, so its layout is arithmetic. Each table
takes a row; a database sits in the middle of its tables, a system in the middle of its databases; edges
are curves from a node's right edge to its child's left edge. The SVG scrolls in its box and every node
links to its page. The same tree follows as nested lists, which is what a screen reader reads (the SVG is
hidden from it). Templates escape every name.
"""

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET

from domain.assets.models import InformationSystem
from domain.assets.selectors import relation_map
from domain.directory.models import Department
from webui.views.paging import int_or_none

from .assets_access import actor_department_ids, actor_of

MAX_NODES = 800
NODE_WIDTH, NODE_HEIGHT, ROW, COLUMN_GAP, MARGIN = 240, 28, 36, 90, 12
LABEL_UNITS = 32  # about what fits in a node: a CJK character counts two, a Latin one
PAGES = {"system": "data:asset_system", "database": "data:asset_database", "table": "data:asset_table"}


@dataclass
class Node:
    id: str
    type: str
    label: str
    url: str
    column: int
    children: list["Node"] = field(default_factory=list)
    y: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def x(self) -> int:
        return MARGIN + self.column * (NODE_WIDTH + COLUMN_GAP)

    @property
    def text_x(self) -> int:
        return self.x + 10

    @property
    def text_y(self) -> int:
        return self.y + NODE_HEIGHT // 2

    @property
    def short(self) -> str:
        return shorten(self.label, LABEL_UNITS)


def shorten(text: str, units: int) -> str:
    """`text` cut to `units` display units with an ellipsis; wide (CJK) characters count two."""
    used, kept = 0, list[str]()
    for char in text:
        used += 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if used > units - 1:
            return "".join(kept) + "…"
        kept.append(char)
    return text


def _tree(graph: dict[str, list[dict[str, Any]]]) -> list[Node]:
    columns = {"system": 0, "database": 1, "table": 2}
    nodes = {}
    for raw in graph["nodes"]:
        kind, pk = raw["id"].split(":")
        url = reverse(PAGES[kind], args=[int(pk)])
        extra = {key: value for key, value in raw.items() if key not in ("id", "type", "label")}
        nodes[raw["id"]] = Node(raw["id"], kind, raw["label"], url, columns[kind], extra=extra)
    for edge in graph["edges"]:
        nodes[edge["source"]].children.append(nodes[edge["target"]])
    return [node for node in nodes.values() if node.type == "system"]


def _place(node: Node, next_row: int) -> int:
    """Lay out `node`'s subtree from row `next_row` on; returns the first free row after it."""
    if not node.children:
        node.y = MARGIN + next_row * ROW
        return next_row + 1
    for child in node.children:
        next_row = _place(child, next_row)
    node.y = (node.children[0].y + node.children[-1].y) // 2
    return next_row


def _walk(nodes: list[Node]) -> list[Node]:
    found: list[Node] = []
    for node in nodes:
        found.append(node)
        found.extend(_walk(node.children))
    return found


def layout(graph: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """What the template draws: nodes with x/y, edges as SVG path data, the drawing's size, and the tree."""
    roots = _tree(graph)
    rows = 0
    for root in roots:
        rows = _place(root, rows)
    every = _walk(roots)
    edges = []
    for node in every:
        for child in node.children:
            x1, y1, x2, y2 = node.x + NODE_WIDTH, node.text_y, child.x, child.text_y
            middle = (x1 + x2) // 2
            edges.append(f"M{x1},{y1} C{middle},{y1} {middle},{y2} {x2},{y2}")
    return {
        "roots": roots,
        "nodes": every,
        "edges": edges,
        "width": 2 * MARGIN + 3 * NODE_WIDTH + 2 * COLUMN_GAP,
        "height": 2 * MARGIN + max(rows, 1) * ROW,
        "node_width": NODE_WIDTH,
        "node_height": NODE_HEIGHT,
        "counts": {kind: sum(1 for node in every if node.type == kind) for kind in PAGES},
    }


def _chosen(request: HttpRequest) -> tuple[int | None, int | None]:
    """(department id, system id) asked for; by default the user's first department that has systems."""
    system_id = int_or_none(request.GET.get("system"))
    department_id = int_or_none(request.GET.get("department"))
    if system_id is None and department_id is None:
        own = actor_department_ids(actor_of(request))
        with_systems = InformationSystem.objects.filter(department_id__in=own).order_by("department__path")
        department_id = with_systems.values_list("department_id", flat=True).first()
    return department_id, system_id


@login_required
@require_GET
def assets_map(request: HttpRequest) -> HttpResponse:
    """关系图 of a chosen department (or one system)."""
    department_id, system_id = _chosen(request)
    context: dict[str, Any] = {
        "section": "assets",
        "departments": Department.objects.filter(pk__in=InformationSystem.objects.values("department_id")),
        "department_id": department_id,
        "system_id": system_id,
    }
    if system_id is not None:
        context["system"] = InformationSystem.objects.filter(pk=system_id).first()
        graph = relation_map(system_id=system_id)
    elif department_id is not None:
        graph = relation_map(department_id=department_id)
        context["systems"] = InformationSystem.objects.filter(department_id=department_id).order_by("name")
    else:
        graph = None
    if graph is not None:
        context["too_many"] = len(graph["nodes"]) > MAX_NODES
        context["map"] = None if context["too_many"] else layout(graph)
        context["node_total"] = len(graph["nodes"])
    return render(request, "webui/data/assets/map.html", context)


urlpatterns: list[URLPattern] = [path("assets/map/", assets_map, name="assets_map")]
