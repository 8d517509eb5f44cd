"""SpiffWorkflow's script engine, with every expression and script going through our
restricted evaluator."""

import ast
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from . import expressions


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):  # type: ignore[misc]
    def __init__(self, time_limit: float) -> None:
        super().__init__({})
        self.time_limit = time_limit

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        scope = {**(external_context or {}), **context}
        return expressions.evaluate(expression, scope, time_limit=self.time_limit)

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        if external_context:
            scope = {**external_context, **context}
            expressions.execute(script, scope, time_limit=self.time_limit)
            context.update({k: v for k, v in scope.items() if k not in external_context or k in context})
        else:
            expressions.execute(script, context, time_limit=self.time_limit)
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        # Service tasks never run inline here (see specs.AsyncServiceTask).
        raise RuntimeError("service tasks run as jobs, not inline")


class TongbanScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    def __init__(self, time_limit: float = 1.0) -> None:
        super().__init__(environment=RestrictedEnvironment(time_limit))

    def validate(self, expression: str) -> None:
        # SpiffWorkflow's DMN engine probes cells with validate() and expects SyntaxError for
        # "not an expression on its own" (">= 1000"), so plain syntax goes first.
        ast.parse(expression)
        expressions.check(expression)
