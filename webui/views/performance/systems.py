"""指标体系: the list, the tree with weights and each node's validation problems, node forms (draft only),
publish and copy to a new version."""

import json
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from domain.performance import services as performance_services
from domain.performance.access import may_organise
from domain.performance.choices import NodeKind
from domain.performance.errors import NodeInvalid, PerformanceError
from domain.performance.models import IndicatorNode, IndicatorSystem
from domain.performance.selectors import system_tree, tree_flat
from processes.ports import Actor

from .access import actor_of, forbidden
from .forms import NodeForm, SystemForm

LIST_SIZE = 200


@login_required
@require_http_methods(["GET", "POST"])
def system_index(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not may_organise(actor):
        return forbidden(request)
    form = SystemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        system = performance_services.system_create(
            name=data["name"], year=data["year"], description=data["description"], actor=actor
        )
        return redirect("performance:system", indicator_system_id=system.pk)
    systems = IndicatorSystem.objects.all()[:LIST_SIZE]
    return render(request, "webui/performance/systems.html", {"systems": systems, "form": form, "section": "systems"})


def _apply_node(form: NodeForm, system: IndicatorSystem, node: IndicatorNode | None, actor: Actor) -> None:
    data = form.cleaned_data
    fields = {
        "name": data["name"],
        "code": data["code"],
        "weight": data["weight"],
        "rule": data["rule"],
        "expression": data["expression"],
        "thresholds": data["thresholds"],
        "guidance": data["guidance"],
    }
    try:
        if node is None:
            performance_services.node_add(system_id=system.pk, parent_id=data.get("parent"), actor=actor, **fields)
        else:
            performance_services.node_update(node_id=node.pk, data=fields, actor=actor)
    except NodeInvalid as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    except PerformanceError as exc:
        form.add_error(None, exc.message)


def _parents(system: IndicatorSystem) -> list[tuple[int, str]]:
    nodes = IndicatorNode.objects.filter(system=system).exclude(kind=NodeKind.POINT).order_by("order", "pk")
    return [(n.pk, f"{n.code} {n.name}".strip()) for n in nodes]


@login_required
@require_http_methods(["GET", "POST"])
def system_page(request: HttpRequest, indicator_system_id: int) -> HttpResponse:
    """The tree in reading order, each node with its weight and problems; a draft takes new nodes here."""
    system = get_object_or_404(IndicatorSystem, pk=indicator_system_id)
    actor = actor_of(request)
    if not may_organise(actor):
        return forbidden(request)
    form = NodeForm(request.POST or None, parents=_parents(system))
    if request.method == "POST" and form.is_valid():
        _apply_node(form, system, None, actor)
        if form.is_valid():
            return redirect("performance:system", indicator_system_id=system.pk)
    problems: dict[int | None, list[str]] = {}
    for problem in performance_services.system_problems(system_id=system.pk):
        problems.setdefault(problem.node_id, []).append(problem.message)
    nodes = tree_flat(system_tree(system_id=system.pk))
    rows = [{"node": n, "problems": problems.get(n.id, [])} for n in nodes]
    top = sum((n.weight for n in nodes if n.depth == 0), Decimal(0))
    context = {
        "system": system,
        "rows": rows,
        "top_problems": problems.get(None, []),
        "top_total": top,
        "form": form if not system.is_frozen or form.errors else None,
        "section": "systems",
    }
    return render(request, "webui/performance/system.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def node_edit(request: HttpRequest, node_id: int) -> HttpResponse:
    node = get_object_or_404(IndicatorNode.objects.select_related("system"), pk=node_id)
    actor = actor_of(request)
    if not may_organise(actor):
        return forbidden(request)
    initial: dict[str, Any] = {
        "code": node.code,
        "name": node.name,
        "weight": node.weight.normalize(),
        "rule": node.rule,
        "expression": node.expression,
        "thresholds": json.dumps(node.thresholds, ensure_ascii=False) if node.thresholds else "",
        "guidance": node.guidance,
    }
    form = NodeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        _apply_node(form, node.system, node, actor)
        if form.is_valid():
            return redirect("performance:system", indicator_system_id=node.system_id)
    context = {"node": node, "form": form, "section": "systems"}
    return render(request, "webui/performance/node.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def node_delete(request: HttpRequest, node_id: int) -> HttpResponse:
    node = get_object_or_404(IndicatorNode, pk=node_id)
    actor = actor_of(request)
    if not may_organise(actor):
        return forbidden(request)
    try:
        performance_services.node_delete(node_id=node.pk, actor=actor)
    except PerformanceError as exc:
        messages.error(request, exc.message)
    return redirect("performance:system", indicator_system_id=node.system_id)


@login_required
@require_POST
def system_publish(request: HttpRequest, indicator_system_id: int) -> HttpResponse:
    system = get_object_or_404(IndicatorSystem, pk=indicator_system_id)
    actor = actor_of(request)
    if not may_organise(actor):
        return forbidden(request)
    try:
        performance_services.system_publish(system_id=system.pk, actor=actor)
    except PerformanceError as exc:  # SystemInvalid names every wrong node
        messages.error(request, exc.message)
    return redirect("performance:system", indicator_system_id=system.pk)


@login_required
@require_POST
def system_copy(request: HttpRequest, indicator_system_id: int) -> HttpResponse:
    system = get_object_or_404(IndicatorSystem, pk=indicator_system_id)
    actor = actor_of(request)
    if not may_organise(actor):
        return forbidden(request)
    copy = performance_services.system_copy(system_id=system.pk, actor=actor)
    return redirect("performance:system", indicator_system_id=copy.pk)
