"""Indicator systems: the tree, weight sums checked per node, rules checked, published versions frozen."""

from decimal import Decimal

import pytest

from domain.performance import services
from domain.performance.choices import NodeKind, SystemStatus
from domain.performance.errors import NodeInvalid, SystemFrozen, SystemInvalid
from domain.performance.models import IndicatorNode
from domain.performance.selectors import system_tree, tree_flat

from .builders import ORGANISER, build_system

pytestmark = pytest.mark.django_db


def test_the_tree_is_dimension_indicator_point() -> None:
    """Top nodes are dimensions, their children indicators, theirs scoring points; a point has no children."""
    system, nodes = build_system(publish=False)
    tree = system_tree(system_id=system.pk)
    assert [(n.name, n.kind) for n in tree] == [("数据共享", NodeKind.DIMENSION), ("数据开放", NodeKind.DIMENSION)]
    assert [n.code for n in tree_flat(tree)] == ["D1", "I1", "P1", "P2", "I2", "P3", "D2", "I3", "P4", "P5"]
    assert {n.kind for n in tree[0].children} == {NodeKind.INDICATOR}
    with pytest.raises(NodeInvalid):
        services.node_add(
            system_id=system.pk, parent_id=nodes["P1"].pk, name="太深", weight=1, rule="manual", actor=ORGANISER
        )


def test_weights_must_be_positive_and_storable() -> None:
    """Zero, negative, over 100, more than 4 decimals or not a number: refused on the weight field."""
    system, nodes = build_system(publish=False)
    for weight in ("0", "-5", "100.5", "33.33333", "十"):
        with pytest.raises(NodeInvalid) as caught:
            services.node_add(
                system_id=system.pk, parent_id=nodes["D1"].pk, name="新指标", weight=weight, actor=ORGANISER
            )
        assert caught.value.field == "weight"


def test_a_scoring_point_needs_a_rule() -> None:
    """A scoring point without a scoring method is refused when it is added."""
    system, nodes = build_system(publish=False)
    with pytest.raises(NodeInvalid) as caught:
        services.node_add(system_id=system.pk, parent_id=nodes["I1"].pk, name="无规则", weight=1, actor=ORGANISER)
    assert caught.value.field == "rule"


def test_weight_sums_are_reported_per_node_with_actual_and_expected() -> None:
    """Every node whose children do not add up is named with both sums, and the system is not published."""
    system, nodes = build_system(publish=False)
    services.node_update(node_id=nodes["P2"].pk, data={"weight": "12"}, actor=ORGANISER)  # I1: 30 + 12 = 42 ≠ 40
    services.node_update(
        node_id=nodes["D2"].pk, data={"weight": "45"}, actor=ORGANISER
    )  # top: 60 + 45 ≠ 100; D2: 40 ≠ 45
    with pytest.raises(SystemInvalid) as caught:
        services.system_publish(system_id=system.pk, actor=ORGANISER)
    found = {(p.node_name, p.actual, p.expected) for p in caught.value.problems}
    assert found == {
        ("数据共享开放评估（顶层维度）", Decimal("105"), Decimal("100")),
        ("共享率", Decimal("42"), Decimal("40")),
        ("数据开放", Decimal("40"), Decimal("45")),
    }
    assert "下级权重之和为 42，应为 40" in caught.value.message
    system.refresh_from_db()
    assert system.status == SystemStatus.DRAFT


def test_rules_and_empty_nodes_are_reported() -> None:
    """Formulas that do not parse or use a forbidden name, bad thresholds, an indicator without points: all named."""
    system, nodes = build_system(publish=False)
    services.node_update(node_id=nodes["P1"].pk, data={"expression": "shared_count / "}, actor=ORGANISER)
    services.node_update(node_id=nodes["P4"].pk, data={"expression": "open('x')"}, actor=ORGANISER)
    services.node_update(
        node_id=nodes["P5"].pk, data={"thresholds": [{"at_least": "60", "ratio": "1.5"}]}, actor=ORGANISER
    )
    empty = services.node_add(system_id=system.pk, parent_id=nodes["D2"].pk, name="空指标", weight=0.5, actor=ORGANISER)
    messages = {p.node_name: p.message for p in services.system_problems(system_id=system.pk)}
    assert "语法" in messages["共享率得分"]
    assert "open" in messages["开放数量"]
    assert "0 到 1" in messages["开放比例"]
    assert "没有下级" in messages[empty.name]


def test_a_complete_system_publishes() -> None:
    """Weights that add up and valid rules publish the system."""
    system, _nodes = build_system()
    assert system.status == SystemStatus.PUBLISHED and system.published_at is not None


def test_a_published_system_is_frozen() -> None:
    """No node of a published system can be added, changed or removed."""
    system, nodes = build_system()
    with pytest.raises(SystemFrozen):
        services.node_add(system_id=system.pk, parent_id=None, name="新维度", weight=10, actor=ORGANISER)
    with pytest.raises(SystemFrozen):
        services.node_update(node_id=nodes["P1"].pk, data={"weight": "31"}, actor=ORGANISER)
    with pytest.raises(SystemFrozen):
        services.node_delete(node_id=nodes["P5"].pk, actor=ORGANISER)
    assert IndicatorNode.objects.get(pk=nodes["P1"].pk).weight == Decimal("30")


def test_copying_makes_an_editable_next_version_with_the_same_tree() -> None:
    """A copy is a draft version 2 with the same nodes and rules; changing it leaves version 1 untouched."""
    system, nodes = build_system()
    copy = services.system_copy(system_id=system.pk, actor=ORGANISER)
    assert (copy.version, copy.status, copy.copied_from_id) == (2, SystemStatus.DRAFT, system.pk)
    original = [(n.code, n.kind, n.weight, n.depth) for n in tree_flat(system_tree(system_id=system.pk))]
    copied = [(n.code, n.kind, n.weight, n.depth) for n in tree_flat(system_tree(system_id=copy.pk))]
    assert copied == original
    p1 = IndicatorNode.objects.get(system=copy, code="P1")
    assert p1.expression == nodes["P1"].expression and p1.parent.code == "I1"
    services.node_update(node_id=p1.pk, data={"weight": "25"}, actor=ORGANISER)
    services.node_update(
        node_id=IndicatorNode.objects.get(system=copy, code="P2").pk, data={"weight": "15"}, actor=ORGANISER
    )
    assert services.system_publish(system_id=copy.pk, actor=ORGANISER).status == SystemStatus.PUBLISHED
    assert IndicatorNode.objects.get(pk=nodes["P1"].pk).weight == Decimal("30")
