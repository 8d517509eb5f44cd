"""Service-task handlers, registered by operator name.

A handler is a small adapter: unpack the call, call one domain service, return JSON-safe data.
Celery delivers at least once, so a handler must be idempotent under `call.idempotency_key`.
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

HandlerFunc = Callable[["ServiceCall"], dict[str, Any]]


class HandlerError(Exception):
    """A business failure. Routed to a BPMN error boundary event (matched by `code`), else an Incident."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class TransientHandlerError(Exception):
    """A failure worth retrying (network, lock, remote 5xx): retried with exponential backoff."""


class UnknownHandler(LookupError):
    pass


@dataclass(frozen=True)
class ServiceCall:
    operator: str
    params: dict[str, Any]
    instance_id: int
    task_id: str
    idempotency_key: str
    business_key: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def require(self, name: str) -> Any:
        if name not in self.params or self.params[name] is None:
            raise HandlerError(f"missing parameter '{name}' for {self.operator}", code="bad_parameters")
        return self.params[name]

    def int(self, name: str) -> int:
        value = self.require(name)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise HandlerError(f"parameter '{name}' must be an integer, got {value!r}", code="bad_parameters")

    def str(self, name: str) -> str:
        return str(self.require(name))


@dataclass(frozen=True)
class HandlerInfo:
    name: str
    func: HandlerFunc
    doc: str


_REGISTRY: dict[str, HandlerInfo] = {}


def handler(name: str) -> Callable[[HandlerFunc], HandlerFunc]:
    """Register `func` under the operator `name` ("<domain>/<entity>_<action>", never renamed)."""

    def register(func: HandlerFunc) -> HandlerFunc:
        existing = _REGISTRY.get(name)
        if existing is not None and existing.func is not func:
            raise ValueError(f"handler '{name}' is registered twice")
        _REGISTRY[name] = HandlerInfo(name=name, func=func, doc=inspect.getdoc(func) or "")
        return func

    return register


def get_handler(name: str) -> HandlerInfo:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownHandler(name) from None


def handler_names() -> set[str]:
    return set(_REGISTRY)


def replace_handler(name: str, func: HandlerFunc) -> HandlerFunc | None:
    """Swap a handler by name (tests); returns the previous function."""
    previous = _REGISTRY.get(name)
    _REGISTRY[name] = HandlerInfo(name=name, func=func, doc=inspect.getdoc(func) or "")
    return previous.func if previous else None
