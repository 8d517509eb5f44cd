"""The restricted evaluator for every expression and script in a diagram.

Diagrams are untrusted input. Code is compiled by RestrictedPython (no imports, no dunder or
underscore names, guarded attribute access, item access and iteration) and our own AST pass adds a
tick to every loop and function body so that a time limit holds even for `while True: pass`.
Run-time bounds on time and size (C-level loops, huge integers and strings) live in sandbox.py.
"""

import ast
import re
from functools import lru_cache
from types import CodeType
from typing import Any

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
)

from . import sandbox
from .workdays import working_days_later

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
        guard = {ast.Pow: "_pow_", ast.Mult: "_mul_", ast.LShift: "_lshift_", ast.Mod: "_mod_"}.get(type(node.op))
        if guard is None:
            return node
        call = ast.Call(func=ast.Name(id=guard, ctx=ast.Load()), args=[node.left, node.right], keywords=[])
        return ast.fix_missing_locations(ast.copy_location(call, node))

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        if isinstance(node.op, (ast.Pow, ast.Mult, ast.LShift)):
            self.error(node, "Augmented '**=', '*=' and '<<=' are not allowed; write x = x * y.")
            return node
        return super().visit_AugAssign(node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> Any:
        spec = node.format_spec
        if spec is not None:
            if any(isinstance(part, ast.FormattedValue) for part in ast.walk(spec) if part is not spec):
                self.error(node, "A computed width in an f-string is not allowed.")
                return node
            literal = "".join(
                p.value for p in ast.walk(spec) if isinstance(p, ast.Constant) and isinstance(p.value, str)
            )
            if re.search(r"\d{7,}", literal):
                self.error(node, "An f-string width of a million or more is not allowed.")
                return node
        return self.node_contents_visit(node)


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


def _globals(clock: sandbox.Clock, context: dict[str, Any]) -> dict[str, Any]:
    env: dict[str, Any] = {
        "__builtins__": sandbox.sandbox_builtins(clock),
        "_getattr_": sandbox.guarded_getattr(clock),
        "_getitem_": default_guarded_getitem,
        "_getiter_": clock.guarded_iter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": full_write_guard,
        "_inplacevar_": sandbox.inplacevar,
        "_tick_": clock.tick,
        "_pow_": sandbox.guarded_pow,
        "_mul_": sandbox.guarded_mul,
        "_lshift_": sandbox.guarded_lshift,
        "_mod_": sandbox.guarded_mod,
    }
    env.update(sandbox.HELPERS)
    env["working_days_later"] = working_days_later
    env.update(context)
    return env


def evaluate(source: str, context: dict[str, Any], *, time_limit: float = 1.0) -> Any:
    """Evaluate an expression over `context` (task data); the context is not modified."""
    code = _compile(source.strip(), "eval")
    try:
        return eval(code, _globals(sandbox.Clock(time_limit), context))  # noqa: S307 (RestrictedPython-compiled)
    except ExpressionError:
        raise
    except sandbox.SandboxTimeout as exc:
        raise ExpressionTimeout(str(exc), source=source) from exc
    except Exception as exc:
        raise ExpressionError(f"{type(exc).__name__}: {exc}", source=source) from exc


def execute(source: str, context: dict[str, Any], *, time_limit: float = 1.0) -> None:
    """Run a script; variables it assigns are written back into `context` (task data)."""
    code = _compile(source, "exec")
    env = _globals(sandbox.Clock(time_limit), context)
    reserved = set(env) - set(context)
    try:
        exec(code, env)  # noqa: S102 (RestrictedPython-compiled)
    except ExpressionError:
        raise
    except sandbox.SandboxTimeout as exc:
        raise ExpressionTimeout(str(exc), source=source) from exc
    except Exception as exc:
        raise ExpressionError(f"{type(exc).__name__}: {exc}", source=source) from exc
    for name, value in env.items():
        if name in reserved or name == "__builtins__" or callable(value) or name.startswith("_"):
            continue
        context[name] = value
