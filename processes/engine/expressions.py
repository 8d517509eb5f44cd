"""The restricted evaluator for every expression and script in a diagram.

Diagrams are untrusted input. Code is compiled by RestrictedPython (no imports, no dunder or
underscore names, guarded attribute access, item access and iteration) and our own AST pass adds a
tick to every loop and function body so that a time limit holds even for `while True: pass`.
Exponentiation and sequence repetition are bounded because they can hang in C, below any tick.
"""

import ast
import datetime
import decimal
import math
import operator
import time
from collections.abc import Iterable, Iterator
from functools import lru_cache
from types import CodeType
from typing import Any

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr,
)

MAX_POWER_EXPONENT = 1_000
MAX_SEQUENCE_LENGTH = 1_000_000
# Refused at compile time so that a designer hears about them at deploy, not at run time.
FORBIDDEN_NAMES = frozenset(
    {
        "open",
        "eval",
        "exec",
        "compile",
        "globals",
        "locals",
        "vars",
        "getattr",
        "setattr",
        "delattr",
        "type",
        "input",
        "breakpoint",
        "help",
        "memoryview",
        "exit",
        "quit",
        "object",
        "super",
        "classmethod",
        "staticmethod",
        "property",
        "dir",
    }
)


class ExpressionError(Exception):
    """An expression or script that is refused at compile time or failed at run time."""

    def __init__(self, message: str, *, source: str = "") -> None:
        super().__init__(message)
        self.source = source


class ExpressionTimeout(ExpressionError):
    pass


class _Guarded(RestrictingNodeTransformer):
    """RestrictedPython's policy plus a tick call in every loop and function body."""

    @staticmethod
    def _tick(at: ast.AST) -> ast.Expr:
        call = ast.Expr(value=ast.Call(func=ast.Name(id="_tick_", ctx=ast.Load()), args=[], keywords=[]))
        return ast.fix_missing_locations(ast.copy_location(call, at))

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id in FORBIDDEN_NAMES:
            self.error(node, f'"{node.id}" is not available in expressions.')
            return node
        return super().visit_Name(node)

    def visit_While(self, node: ast.While) -> Any:
        node = self.node_contents_visit(node)
        node.body.insert(0, self._tick(node))
        return node

    def visit_For(self, node: ast.For) -> Any:
        visited: Any = super().visit_For(node)
        visited.body.insert(0, self._tick(visited))
        return visited

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        visited: Any = super().visit_FunctionDef(node)
        visited.body.insert(0, self._tick(visited))
        return visited

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = self.node_contents_visit(node)
        guard = {ast.Pow: "_pow_", ast.Mult: "_mul_"}.get(type(node.op))
        if guard is None:
            return node
        call = ast.Call(func=ast.Name(id=guard, ctx=ast.Load()), args=[node.left, node.right], keywords=[])
        return ast.fix_missing_locations(ast.copy_location(call, node))

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        if isinstance(node.op, (ast.Pow, ast.Mult)):
            self.error(node, "Augmented '**=' and '*=' are not allowed; write x = x * y.")
            return node
        return super().visit_AugAssign(node)


def _len_hint(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else None


def _pow(base: Any, exponent: Any) -> Any:
    if isinstance(exponent, int) and abs(exponent) > MAX_POWER_EXPONENT and abs(base) > 1:
        raise ExpressionError(f"exponent {exponent} is too large")
    return base**exponent


def _mul(left: Any, right: Any) -> Any:
    for seq, count in ((left, right), (right, left)):
        size = _len_hint(seq)
        if size is not None and isinstance(count, int) and size * count > MAX_SEQUENCE_LENGTH:
            raise ExpressionError("sequence repetition is too large")
    return left * right


class _Clock:
    """Deadline for one evaluation; checked by the injected ticks."""

    __slots__ = ("deadline", "limit")

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.deadline = time.monotonic() + limit

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise ExpressionTimeout(f"expression exceeded the time limit of {self.limit:g} s")

    def guarded_iter(self, obj: Iterable[Any]) -> Iterator[Any]:
        # Comprehensions and generator expressions iterate through here, one tick per item.
        for item in obj:
            self.tick()
            yield item


def _inplacevar(op: str, x: Any, y: Any) -> Any:
    ops = {
        "+=": operator.iadd,
        "-=": operator.isub,
        "/=": operator.itruediv,
        "//=": operator.ifloordiv,
        "%=": operator.imod,
        "|=": operator.ior,
        "&=": operator.iand,
        "^=": operator.ixor,
    }
    if op not in ops:
        raise ExpressionError(f"operator {op} is not allowed")
    return ops[op](x, y)


_EXTRA_BUILTINS = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)  # type: ignore[index]
    for name in (
        "dict",
        "list",
        "tuple",
        "set",
        "frozenset",
        "sum",
        "min",
        "max",
        "any",
        "all",
        "enumerate",
        "sorted",
        "reversed",
        "zip",
        "map",
        "filter",
        "iter",
        "next",
    )
}
_BUILTINS = {**safe_builtins, **_EXTRA_BUILTINS}
_BUILTINS.pop("__build_class__", None)
_HELPERS = {
    "math": math,
    "datetime": datetime.datetime,
    "date": datetime.date,
    "timedelta": datetime.timedelta,
    "Decimal": decimal.Decimal,
}


@lru_cache(maxsize=4096)
def _compile(source: str, mode: str) -> CodeType:
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(source, filename="<expression>", policy=_Guarded)
    if result.errors or result.code is None:
        raise ExpressionError("; ".join(result.errors) or "does not compile", source=source)
    return result.code


def check(source: str, *, mode: str = "eval") -> None:
    """Raise ExpressionError if `source` would be refused; used at deploy time."""
    _compile(source.strip() if mode == "eval" else source, mode)


def _globals(clock: _Clock, context: dict[str, Any]) -> dict[str, Any]:
    env: dict[str, Any] = {
        "__builtins__": _BUILTINS,
        "_getattr_": safer_getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": clock.guarded_iter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": full_write_guard,
        "_inplacevar_": _inplacevar,
        "_tick_": clock.tick,
        "_pow_": _pow,
        "_mul_": _mul,
    }
    env.update(_HELPERS)
    env.update(context)
    return env


def evaluate(source: str, context: dict[str, Any], *, time_limit: float = 1.0) -> Any:
    """Evaluate an expression over `context` (task data); the context is not modified."""
    code = _compile(source.strip(), "eval")
    try:
        return eval(code, _globals(_Clock(time_limit), context))  # noqa: S307 (RestrictedPython-compiled)
    except ExpressionError:
        raise
    except Exception as exc:
        raise ExpressionError(f"{type(exc).__name__}: {exc}", source=source) from exc


def execute(source: str, context: dict[str, Any], *, time_limit: float = 1.0) -> None:
    """Run a script; variables it assigns are written back into `context` (task data)."""
    code = _compile(source, "exec")
    env = _globals(_Clock(time_limit), context)
    reserved = set(env) - set(context)
    try:
        exec(code, env)  # noqa: S102 (RestrictedPython-compiled)
    except ExpressionError:
        raise
    except Exception as exc:
        raise ExpressionError(f"{type(exc).__name__}: {exc}", source=source) from exc
    for name, value in env.items():
        if name in reserved or name == "__builtins__" or callable(value) or name.startswith("_"):
            continue
        context[name] = value
