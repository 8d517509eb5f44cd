"""Run-time guards of the restricted evaluator: time and size.

RestrictedPython stops escapes; it does not stop `sum(range(10**12))` or `'x'.ljust(2*10**9)`,
which spin or allocate inside C where no injected tick can interrupt them. So every builtin that
consumes an iterable gets its iterators through a ticking generator, `range` is capped, integer
growth (`**`, `*`, `<<`) and string widths (`ljust`, `%`, `format`, `replace`) are bounded, and
`math` is a whitelist without factorial/comb/perm. (`str.format` is refused by RestrictedPython.)
"""

import builtins
import datetime
import decimal
import math
import operator
import re
import time
from collections.abc import Callable, Iterable, Iterator
from types import BuiltinFunctionType, BuiltinMethodType, SimpleNamespace
from typing import Any

from RestrictedPython.Guards import safe_builtins, safer_getattr

MAX_SEQUENCE_LENGTH = 1_000_000
MAX_INT_BITS = 100_000  # about 30,000 decimal digits


class SandboxError(Exception):
    """Raised when an expression would exceed a bound; expressions.py turns it into ExpressionError."""


class SandboxTimeout(SandboxError):
    pass


class Clock:
    """Deadline for one evaluation; checked by the injected ticks and the guarded iterators."""

    __slots__ = ("deadline", "limit")

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.deadline = time.monotonic() + limit

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise SandboxTimeout(f"expression exceeded the time limit of {self.limit:g} s")

    def guarded_iter(self, obj: Iterable[Any]) -> Iterator[Any]:
        for item in obj:
            self.tick()
            yield item

    def guard_call(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """`func` with every iterator argument consumed through a ticking generator."""

        def call(*args: Any, **kwargs: Any) -> Any:
            return func(*(self.guarded_iter(a) if isinstance(a, Iterator) else a for a in args), **kwargs)

        return call


def _check_int(value: Any) -> Any:
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise SandboxError("integer result is too large")
    return value


def _len_hint(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else None


def guarded_pow(base: Any, exponent: Any) -> Any:
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        if base.bit_length() * exponent > MAX_INT_BITS:
            raise SandboxError(f"exponent {exponent} is too large")
    return _check_int(base**exponent)


def guarded_mul(left: Any, right: Any) -> Any:
    for seq, count in ((left, right), (right, left)):
        size = _len_hint(seq)
        if size is not None and isinstance(count, int) and size * count > MAX_SEQUENCE_LENGTH:
            raise SandboxError("sequence repetition is too large")
    if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise SandboxError("integer result is too large")
    return left * right


def guarded_lshift(left: Any, right: Any) -> Any:
    if isinstance(left, int) and isinstance(right, int) and left and right > MAX_INT_BITS:
        raise SandboxError("shift is too large")
    return left << right


_WIDTH = re.compile(r"(?<![0-9])(\d{7,})")  # a width or precision of a million or more


def _check_format(template: Any) -> None:
    if isinstance(template, (str, bytes)):
        text = template.decode("latin-1") if isinstance(template, bytes) else template
        if _WIDTH.search(text):
            raise SandboxError("format width is too large")


def guarded_mod(left: Any, right: Any) -> Any:
    if isinstance(left, (str, bytes)):
        _check_format(left)
        args = right if isinstance(right, tuple) else (right,)
        text = left.decode("latin-1") if isinstance(left, bytes) else left
        if "*" in text and any(isinstance(a, int) and abs(a) > MAX_SEQUENCE_LENGTH for a in args):
            raise SandboxError("format width is too large")
    return left % right


def _bounded_width(method: Callable[..., Any]) -> Callable[..., Any]:
    def call(width: Any, *args: Any) -> Any:
        if isinstance(width, int) and width > MAX_SEQUENCE_LENGTH:
            raise SandboxError("string width is too large")
        return method(width, *args)

    return call


def _bounded_replace(text: Any, method: Callable[..., Any]) -> Callable[..., Any]:
    def call(old: Any, new: Any, *args: Any) -> Any:
        if isinstance(old, type(text)) and isinstance(new, type(text)):
            growth = max(len(new) - len(old), 0) * (text.count(old) if old else len(text) + 1)
            if len(text) + growth > MAX_SEQUENCE_LENGTH:
                raise SandboxError("replacement result is too large")
        return method(old, new, *args)

    return call


def guarded_getattr(clock: Clock) -> Callable[..., Any]:
    def getattr_(obj: Any, name: str, *default: Any) -> Any:
        value = safer_getattr(obj, name, *default)
        if isinstance(obj, (str, bytes)):
            if name in ("ljust", "rjust", "center", "zfill", "expandtabs"):
                return _bounded_width(value)
            if name == "replace":
                return _bounded_replace(obj, value)
        if isinstance(value, (BuiltinFunctionType, BuiltinMethodType)):
            return clock.guard_call(value)  # e.g. ''.join(iterator), set().update(iterator)
        return value

    return getattr_


def guarded_range(*args: int) -> range:
    span = range(*args)
    if len(span) > MAX_SEQUENCE_LENGTH:
        raise SandboxError(f"range of {len(span)} items is too long")
    return span


def inplacevar(op: str, x: Any, y: Any) -> Any:
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
        raise SandboxError(f"operator {op} is not allowed")
    if op == "%=":
        return guarded_mod(x, y)
    return ops[op](x, y)


SAFE_MATH = SimpleNamespace(
    **{
        name: getattr(math, name)
        for name in (
            "sqrt",
            "floor",
            "ceil",
            "fabs",
            "log",
            "log10",
            "log2",
            "exp",
            "isclose",
            "isnan",
            "isinf",
            "trunc",
            "pi",
            "e",
            "inf",
            "nan",
            "fsum",
            "hypot",
        )
    }
)
# Builtins that consume an iterable in C: their iterator arguments tick.
_CONSUMERS = (
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
_BASE_BUILTINS = {**safe_builtins}
for _name in ("__build_class__", "pow"):
    _BASE_BUILTINS.pop(_name, None)


def sandbox_builtins(clock: Clock) -> dict[str, Any]:
    guarded = {name: clock.guard_call(getattr(builtins, name)) for name in _CONSUMERS}
    guarded["iter"] = lambda obj, *sentinel: clock.guarded_iter(iter(obj, *sentinel))
    return {**_BASE_BUILTINS, **guarded, "range": guarded_range}


HELPERS = {
    "math": SAFE_MATH,
    "datetime": datetime.datetime,
    "date": datetime.date,
    "timedelta": datetime.timedelta,
    "Decimal": decimal.Decimal,
}
