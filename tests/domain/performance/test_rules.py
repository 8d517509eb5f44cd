"""Scoring rules in isolation: decimal arithmetic, clamping, thresholds, the restricted evaluator, batching."""

from decimal import Decimal

import pytest

from domain.performance.rules import (
    batch_source,
    formula_names,
    formula_problem,
    leaf_rule,
    leaf_score,
    leaf_scores,
)

LABELS = {"a": "甲", "b": "乙", "flag": "是否"}


def _rule(expression: str, weight: str = "10", kind: str = "formula", thresholds: object = None, node_id: int = 1):
    return leaf_rule(node_id=node_id, kind=kind, weight=Decimal(weight), expression=expression, thresholds=thresholds)


@pytest.mark.parametrize(
    ("expression", "context", "score", "value"),
    [
        ("a * 0.1", {"a": Decimal("33")}, "3.30", "3.3"),  # float literal becomes Decimal: no float/Decimal error
        ("1 / 3 * a", {"a": Decimal("10")}, "3.33", "3.3333"),  # int / int is decimal, rounded half up
        ("a / b * max_score", {"a": Decimal("45"), "b": Decimal("60")}, "7.50", "7.5"),  # max_score is 10
        ("a * 2", {"a": Decimal("8")}, "10.00", "16"),  # clamped to the full score
        ("a - 100", {"a": Decimal("8")}, "0.00", "-92"),  # clamped to 0
        ("max_score if flag else 0", {"flag": True}, "10.00", "10"),
        ("0.005 * a", {"a": Decimal("1")}, "0.01", "0.005"),  # half up, not banker's rounding
    ],
)
def test_formula_scores(expression: str, context: dict[str, object], score: str, value: str) -> None:
    """A formula's result is exact decimal, clamped to 0…full score and rounded half up to 0.01."""
    result = leaf_score(_rule(expression), context, LABELS)
    assert (result.score, result.value, result.note) == (Decimal(score), value, "")


def test_thresholds_are_checked_from_the_highest_bound_whatever_their_order() -> None:
    """≥95 → full, ≥80 → 80 %, else 0, even when the steps were entered lowest first."""
    rule = _rule("a", "20", "threshold", [{"at_least": "80", "ratio": "0.8"}, {"at_least": "95", "ratio": "1"}])
    scores = [leaf_score(rule, {"a": Decimal(v)}, LABELS).score for v in ("100", "95", "94.99", "80", "79.9")]
    assert scores == [Decimal(v) for v in ("20.00", "20.00", "16.00", "16.00", "0.00")]


@pytest.mark.parametrize(
    "expression",
    ["().__class__.__mro__[1].__subclasses__()", "__import__('os')", "open('/etc/passwd')", "a +", ""],
)
def test_unsafe_or_broken_formulas_are_refused(expression: str) -> None:
    """Dunder access, imports, open() and syntax errors are refused before publishing, with a reason."""
    assert formula_problem(expression)


def test_formula_variables_exclude_builtins() -> None:
    """The variables a formula reads are what the round must collect; min, Decimal, max_score are not among them."""
    assert formula_names("min(max_score, Decimal(a) / b + round(c, 2))") == {"a", "b", "c"}


def test_a_batch_scores_exactly_like_one_by_one() -> None:
    """Scoring all points in one evaluation gives the same results and notes as point by point,
    with missing data, a failing point (division by zero) and a non-numeric result."""
    rules = [
        _rule("a / b * max_score", node_id=1),
        _rule("a * 0.5", node_id=2),
        _rule("b", "10", "threshold", [{"at_least": "3", "ratio": "0.5"}], node_id=3),
        _rule("'text'", node_id=4),
    ]
    batch = batch_source(rules)
    for context in (
        {"a": Decimal("4"), "b": Decimal("8")},
        {"a": Decimal("4"), "b": None},
        {"a": None, "b": None},
        {"a": Decimal("4"), "b": Decimal("0")},
    ):
        one_by_one = [leaf_score(rule, context, LABELS) for rule in rules]
        assert leaf_scores(rules, batch, context, LABELS) == one_by_one
    missing = leaf_scores(rules, batch, {"a": Decimal("4"), "b": None}, LABELS)
    assert "乙" in missing[0].note and missing[1].score == Decimal("2.00")
    failed = leaf_scores(rules, batch, {"a": Decimal("4"), "b": Decimal("0")}, LABELS)
    assert "无法计算" in failed[0].note and failed[1].score == Decimal("2.00") and failed[2].score == Decimal("0.00")
    assert "无法计算" in failed[3].note
