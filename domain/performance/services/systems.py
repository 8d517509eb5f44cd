"""Indicator systems (指标体系): build the tree, check weights and rules, publish (freeze), copy to a new version."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from processes.ports import Actor

from ..access import ensure_organiser
from ..choices import CHILD_KIND, NodeKind, RuleKind, SystemStatus
from ..errors import NodeInvalid, NodeProblem, SystemFrozen, SystemInvalid
from ..models import IndicatorNode, IndicatorSystem
from ..rules import formula_problem, plain, thresholds_parsed

TOP_TOTAL = Decimal(100)


def _editable(system_id: int) -> IndicatorSystem:
    system = IndicatorSystem.objects.select_for_update().get(pk=system_id)
    if system.is_frozen:
        raise SystemFrozen(
            _("指标体系 “%(name)s” 第 %(version)s 版已发布，不能修改；请复制为新版本后修改。")
            % {"name": system.name, "version": system.version}
        )
    return system


def _weight(raw: Any) -> Decimal:
    try:
        weight = Decimal(str(raw))
    except InvalidOperation:
        raise NodeInvalid(_("权重 “%(value)s” 不是数值") % {"value": raw}, field="weight") from None
    if not weight.is_finite() or weight <= 0:
        raise NodeInvalid(_("权重应大于 0"), field="weight")
    # The column keeps 4 decimals; a weight it would round could never make the sums add up.
    if weight > TOP_TOTAL or weight != weight.quantize(Decimal("0.0001")):
        raise NodeInvalid(_("权重不超过 100，最多 4 位小数"), field="weight")
    return weight


@transaction.atomic
def system_create(*, name: str, year: int | None = None, description: str = "", actor: Actor) -> IndicatorSystem:
    """A new draft system, version 1 (or the next version of an existing name). The organiser only."""
    ensure_organiser(actor)
    latest = IndicatorSystem.objects.filter(name=name).aggregate(v=Max("version"))["v"] or 0
    return IndicatorSystem.objects.create(name=name, year=year, description=description, version=latest + 1)


@transaction.atomic
def node_add(
    *,
    system_id: int,
    parent_id: int | None,
    name: str,
    weight: Decimal | str | int,
    code: str = "",
    rule: str = "",
    expression: str = "",
    thresholds: list[dict[str, Any]] | None = None,
    guidance: str = "",
    actor: Actor,
) -> IndicatorNode:
    """Add a dimension (top), indicator (under a dimension) or scoring point (under an indicator, with its rule)."""
    ensure_organiser(actor)
    system = _editable(system_id)
    parent = IndicatorNode.objects.get(pk=parent_id, system=system) if parent_id else None
    kind = CHILD_KIND[parent.kind if parent else None]
    if kind is None:
        raise NodeInvalid(_("评分点下不能再添加下级"), field="parent")
    if kind == NodeKind.POINT and rule not in RuleKind.values:
        raise NodeInvalid(_("评分点须选择评分方式（公式、阈值或专家评分）"), field="rule")
    order = IndicatorNode.objects.filter(system=system, parent=parent).count() + 1
    return IndicatorNode.objects.create(
        system=system,
        parent=parent,
        kind=kind,
        code=code,
        name=name,
        weight=_weight(weight),
        order=order,
        rule=rule if kind == NodeKind.POINT else "",
        expression=expression,
        thresholds=thresholds or [],
        guidance=guidance,
    )


_NODE_FIELDS = frozenset({"name", "code", "weight", "rule", "expression", "thresholds", "guidance", "order"})


@transaction.atomic
def node_update(*, node_id: int, data: dict[str, Any], actor: Actor) -> IndicatorNode:
    """Change a node of a draft system; `data` holds any of name, code, weight, rule, expression, thresholds."""
    ensure_organiser(actor)
    node = IndicatorNode.objects.get(pk=node_id)
    _editable(node.system_id)
    unknown = set(data) - _NODE_FIELDS
    if unknown:
        raise NodeInvalid(_("不能修改：%(fields)s") % {"fields": ", ".join(sorted(unknown))})
    for name, value in data.items():
        setattr(node, name, _weight(value) if name == "weight" else value)
    if node.kind != NodeKind.POINT:
        node.rule = ""
    node.save()
    return node


@transaction.atomic
def node_delete(*, node_id: int, actor: Actor) -> None:
    """Remove a node of a draft system with everything below it."""
    ensure_organiser(actor)
    node = IndicatorNode.objects.get(pk=node_id)
    _editable(node.system_id)
    node.delete()


def _sum_problem(
    node_id: int | None, name: str, children: list[IndicatorNode], expected: Decimal
) -> NodeProblem | None:
    actual = sum((child.weight for child in children), Decimal(0))
    if actual == expected:
        return None
    message = _("下级权重之和为 %(actual)s，应为 %(expected)s") % {
        "actual": plain(actual),
        "expected": plain(expected),
    }
    return NodeProblem(node_id, name, message, actual=actual, expected=expected)


def _rule_problem(node: IndicatorNode) -> str | None:
    if node.rule == RuleKind.MANUAL:
        return None
    if node.rule not in RuleKind.values:
        return _("未选择评分方式")
    problem = formula_problem(node.expression)
    if problem is None and node.rule == RuleKind.THRESHOLD:
        try:
            thresholds_parsed(node.thresholds)
        except ValueError as exc:
            problem = str(exc)
    return problem


def system_problems(*, system_id: int) -> list[NodeProblem]:
    """Everything that stops the system being published, node by node, in tree order."""
    system = IndicatorSystem.objects.get(pk=system_id)
    nodes = list(IndicatorNode.objects.filter(system_id=system_id).order_by("order", "pk"))
    children: dict[int | None, list[IndicatorNode]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    problems: list[NodeProblem] = []
    if not children.get(None):
        return [NodeProblem(None, system.name, _("还没有任何维度"))]
    top = _sum_problem(None, _("%(name)s（顶层维度）") % {"name": system.name}, children[None], TOP_TOTAL)
    problems += [top] if top else []

    def visit(node: IndicatorNode) -> None:
        below = children.get(node.pk, [])
        if node.kind == NodeKind.POINT:
            rule = _rule_problem(node)
            problems.extend([NodeProblem(node.pk, node.name, rule)] if rule else [])
            return
        if not below:
            problems.append(NodeProblem(node.pk, node.name, _("没有下级（指标须有评分点，维度须有指标）")))
        mismatch = _sum_problem(node.pk, node.name, below, node.weight) if below else None
        problems.extend([mismatch] if mismatch else [])
        for child in below:
            visit(child)

    for dimension in children[None]:
        visit(dimension)
    return problems


@transaction.atomic
def system_publish(*, system_id: int, actor: Actor) -> IndicatorSystem:
    """Check the whole tree and freeze it; raises SystemInvalid listing every wrong node."""
    ensure_organiser(actor)
    system = _editable(system_id)
    problems = system_problems(system_id=system_id)
    if problems:
        raise SystemInvalid(problems)
    system.status = SystemStatus.PUBLISHED
    system.published_at = timezone.now()
    system.save(update_fields=["status", "published_at"])
    return system


@transaction.atomic
def system_copy(*, system_id: int, actor: Actor) -> IndicatorSystem:
    """A new draft version of the system with the same tree, to be changed and published again."""
    ensure_organiser(actor)
    source = IndicatorSystem.objects.get(pk=system_id)
    latest = IndicatorSystem.objects.filter(name=source.name).aggregate(v=Max("version"))["v"] or 0
    copy = IndicatorSystem.objects.create(
        name=source.name, year=source.year, description=source.description, version=latest + 1, copied_from=source
    )
    new_ids: dict[int, IndicatorNode] = {}
    # Parents before children: order by depth, which the kind gives.
    depth = {NodeKind.DIMENSION: 0, NodeKind.INDICATOR: 1, NodeKind.POINT: 2}
    nodes = sorted(IndicatorNode.objects.filter(system=source), key=lambda n: (depth[NodeKind(n.kind)], n.pk))
    for node in nodes:
        old_id, parent_id = node.pk, node.parent_id
        node.pk = None
        node.system = copy
        node.parent = new_ids[parent_id] if parent_id else None
        node.save()
        new_ids[old_id] = node
    return copy
