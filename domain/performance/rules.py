"""Scoring rules of a scoring point (评分点): formula, thresholds, or an expert's manual score.

Formulas and threshold values are untrusted text typed by assessment staff, so they run in the
platform's restricted evaluator. Arithmetic is decimal: data values enter as `Decimal` and float
literals in a formula are rewritten to `Decimal('…')`, so `0.6 * x` neither fails on mixed types
nor drifts in binary floating point. A scoring point's score is rounded half-up to 0.01; every node
above it is the exact sum of its children.
"""

import ast
import builtins
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext as _

# The restricted evaluator lives in processes/engine; DESIGN.md lets domain import only
# processes.services. This is the one import of it in 绩效通 (see the issue note: the lead may move
# it behind a processes.services function). It pulls in RestrictedPython only, not SpiffWorkflow.
from processes.services.expressions import ExpressionError, expression_check, expression_evaluate

from .choices import RuleKind

CENT = Decimal("0.01")
MAX_SCORE_NAME = "max_score"  # available in every formula: the scoring point's full score
_KNOWN_NAMES = frozenset(dir(builtins)) | {"Decimal", "math", "datetime", "date", "timedelta", MAX_SCORE_NAME}


class _Prepared(ast.NodeTransformer):
    """`0.6` → `Decimal('0.6')`; an int divided by an int becomes decimal (`1 / 3`); `max_score` → its value."""

    def __init__(self, max_score: str | None) -> None:
        self.max_score = max_score

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id == MAX_SCORE_NAME and self.max_score is not None:
            return self._decimal(node, self.max_score)
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, float):
            return self._decimal(node, repr(node.value))
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Div) and isinstance(node.left, ast.Constant) and type(node.left.value) is int:
            node.left = self._decimal(node.left, repr(node.left.value))
        return node

    @staticmethod
    def _decimal(node: ast.expr, literal: str) -> ast.expr:
        call = ast.Call(func=ast.Name(id="Decimal", ctx=ast.Load()), args=[ast.Constant(literal)], keywords=[])
        return ast.copy_location(call, node)


@lru_cache(maxsize=4096)
def prepared(source: str, max_score: str | None = None) -> str:
    """The formula as it is evaluated (decimal literals, the full score filled in); raises SyntaxError."""
    tree = ast.parse(source.strip(), mode="eval")
    return ast.unparse(ast.fix_missing_locations(_Prepared(max_score).visit(tree)))


def formula_problem(source: str) -> str | None:
    """Why the formula cannot be used (a message for the author), or None."""
    if not source.strip():
        return _("未填写计算公式")
    try:
        expression_check(source=prepared(source))
    except SyntaxError as exc:
        return _("公式语法错误：%(error)s") % {"error": exc.msg}
    except ExpressionError as exc:
        return _("公式不被允许：%(error)s") % {"error": str(exc)}
    return None


def formula_names(source: str) -> set[str]:
    """The variables a formula reads that are not built in: they must be data fields of the round."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in _KNOWN_NAMES}


def thresholds_parsed(raw: Any) -> tuple[tuple[Decimal, Decimal], ...]:
    """[(at_least, ratio)] from the highest bound down; raises ValueError with a message."""
    if not isinstance(raw, list) or not raw:
        raise ValueError(_("至少需要一档阈值"))
    steps = []
    for number, step in enumerate(raw, start=1):
        try:
            at_least, ratio = Decimal(str(step["at_least"])), Decimal(str(step["ratio"]))
        except (TypeError, KeyError, InvalidOperation):
            raise ValueError(_("第 %(n)s 档阈值应含下限 at_least 与得分比例 ratio") % {"n": number}) from None
        if not at_least.is_finite() or not Decimal(0) <= ratio <= Decimal(1):
            raise ValueError(_("第 %(n)s 档阈值的得分比例应在 0 到 1 之间") % {"n": number})
        steps.append((at_least, ratio))
    return tuple(sorted(steps, reverse=True))


@dataclass(frozen=True)
class LeafRule:
    """A scoring point ready to score many units."""

    node_id: int
    kind: str
    max_score: Decimal
    source: str  # prepared formula / threshold value expression
    fields: tuple[str, ...]  # the data fields it reads
    thresholds: tuple[tuple[Decimal, Decimal], ...] = ()


@dataclass(frozen=True)
class LeafResult:
    score: Decimal
    value: str  # what the point was judged on, as shown in reports
    note: str = ""


def leaf_rule(*, node_id: int, kind: str, weight: Decimal, expression: str, thresholds: Any) -> LeafRule:
    if kind == RuleKind.MANUAL:
        return LeafRule(node_id, kind, weight, "", ())
    steps = thresholds_parsed(thresholds) if kind == RuleKind.THRESHOLD else ()
    fields = tuple(sorted(formula_names(expression)))
    return LeafRule(node_id, kind, weight, prepared(expression, str(weight)), fields, steps)


def _decimal(result: Any) -> Decimal:
    if isinstance(result, bool):
        return Decimal(int(result))
    if isinstance(result, (int, Decimal)):
        return Decimal(result)
    if isinstance(result, float):
        return Decimal(repr(result))
    raise TypeError(_("结果不是数值：%(value)r") % {"value": result})


def _clamped(score: Decimal, maximum: Decimal) -> Decimal:
    return min(max(score, Decimal(0)), maximum).quantize(CENT, rounding=ROUND_HALF_UP)


def plain(value: Decimal) -> str:
    """`100`, `12.5` — never `1E+2` or `12.5000`."""
    return format(value.normalize(), "f")


def _shown(value: Decimal) -> str:
    return plain(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def _missing(rule: LeafRule, names: list[str], labels: dict[str, str]) -> LeafResult:
    shown = "、".join(labels.get(name, name) for name in names)
    return LeafResult(Decimal("0.00"), "", _("缺少数据：%(fields)s，记 0 分") % {"fields": shown})


def _failed(error: Exception) -> LeafResult:
    return LeafResult(Decimal("0.00"), "", _("无法计算（%(error)s），记 0 分") % {"error": error})


def _judged(rule: LeafRule, raw: Any) -> LeafResult:
    """The score for a computed value: clamped (formula) or looked up in the thresholds."""
    try:
        value = _decimal(raw)
        if not value.is_finite():
            raise TypeError(_("结果不是有限数值"))
    except (TypeError, InvalidOperation) as exc:
        return _failed(exc)
    if rule.kind == RuleKind.FORMULA:
        return LeafResult(_clamped(value, rule.max_score), _shown(value))
    for at_least, ratio in rule.thresholds:
        if value >= at_least:
            return LeafResult(_clamped(rule.max_score * ratio, rule.max_score), _shown(value))
    return LeafResult(Decimal("0.00"), _shown(value))


def leaf_score(rule: LeafRule, context: dict[str, Any], labels: dict[str, str]) -> LeafResult:
    """Score one unit on a formula or threshold point; `context` holds the unit's values (typed)."""
    missing = [name for name in rule.fields if context.get(name) is None]
    if missing:
        return _missing(rule, missing, labels)
    try:
        return _judged(rule, expression_evaluate(source=rule.source, context=context))
    except ExpressionError as exc:
        return _failed(exc)


def batch_source(rules: list[LeafRule]) -> str:
    """Every computed point as one tuple expression, so that a unit costs one sandbox set-up, not one per point."""
    return "(" + "".join(f"({rule.source}), " for rule in rules) + ")"


def leaf_scores(rules: list[LeafRule], batch: str, context: dict[str, Any], labels: dict[str, str]) -> list[LeafResult]:
    """`leaf_score` for every rule, evaluated as `batch` (from batch_source) where the unit's data allows."""
    missing = [[name for name in rule.fields if context.get(name) is None] for rule in rules]
    # Points with missing data score 0 whatever they compute; a placeholder keeps the rest of the batch computable.
    filled = {**context, **{name: Decimal(1) for names in missing for name in names}}
    try:
        raws = expression_evaluate(source=batch, context=filled, time_limit=max(1.0, 0.05 * len(rules)))
    except ExpressionError:
        # One point fails for this unit (say a division by zero): score one by one so only it says so.
        return [leaf_score(rule, context, labels) for rule in rules]
    return [
        _missing(rule, names, labels) if names else _judged(rule, raw)
        for rule, names, raw in zip(rules, missing, raws, strict=True)
    ]


def manual_result(score: Decimal | None, comment: str) -> LeafResult:
    if score is None:
        return LeafResult(Decimal("0.00"), "", _("专家尚未评分，记 0 分"))
    return LeafResult(score.quantize(CENT, rounding=ROUND_HALF_UP), comment)
