"""The restricted expression evaluator for the domain apps (绩效通 scoring formulas …): the same sandbox the
diagrams' conditions and scripts run in, so a formula a person types can neither import, reach attributes
it should not, nor run for ever. The domain imports this, never processes.engine."""

from typing import Any

from ..engine import expressions

ExpressionError = expressions.ExpressionError


def expression_check(*, source: str) -> None:
    """Raise ExpressionError when `source` is not an expression the sandbox accepts."""
    expressions.check(source)


def expression_evaluate(*, source: str, context: dict[str, Any], time_limit: float = 1.0) -> Any:
    """The value of `source` over `context`, within `time_limit` seconds (ExpressionError otherwise)."""
    return expressions.evaluate(source, context, time_limit=time_limit)
