"""Service-task handlers, registered by operator name.

A handler is a small adapter: unpack the call, call one domain service, return JSON-safe data.
Celery delivers at least once, so a handler must be idempotent under `call.idempotency_key`.
"""

import inspect
import re
from collections.abc import Callable, Sequence
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
    # The user whose step queued the call (who completed the task before it); None when the system did.
    queued_by_id: int | None = None
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
class HandlerParam:
    """One documented parameter of a handler (what a designer fills in on the service task)."""

    name: str
    type: str = "any"
    doc: str = ""


@dataclass(frozen=True)
class HandlerInfo:
    name: str
    func: HandlerFunc
    doc: str
    # Declared on the decorator; when None, read from the docstring's "Params:" and "Result:".
    params: tuple[HandlerParam, ...] | None = None
    result: str | None = None


@dataclass(frozen=True)
class HandlerDoc:
    """What the process designer shows for an operator."""

    operator: str
    summary: str
    doc: str
    parameters: list[HandlerParam]
    result: str
    # Whether the handler says what it takes and returns (a "Params:" and a "Result:", or both declared).
    documented: bool


_REGISTRY: dict[str, HandlerInfo] = {}


def handler(
    name: str, *, params: Sequence[HandlerParam] | None = None, result: str | None = None
) -> Callable[[HandlerFunc], HandlerFunc]:
    """Register `func` under the operator `name` ("<domain>/<entity>_<action>", never renamed).

    Document it in the docstring: `Params: entry_id:int (目录条目), note:str. Result: {"code": str}.`;
    `params=`/`result=` declare the same explicitly when a docstring cannot say it well."""

    def register(func: HandlerFunc) -> HandlerFunc:
        existing = _REGISTRY.get(name)
        if existing is not None and existing.func is not func:
            raise ValueError(f"handler '{name}' is registered twice")
        declared = tuple(params) if params is not None else None
        _REGISTRY[name] = HandlerInfo(name, func, inspect.getdoc(func) or "", declared, result)
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
    params, result = (previous.params, previous.result) if previous else (None, None)
    _REGISTRY[name] = HandlerInfo(name, func, inspect.getdoc(func) or "", params, result)
    return previous.func if previous else None


def handler_docs() -> list[HandlerDoc]:
    """Every registered operator with its documentation, by operator name (the designer's dropdown)."""
    return [handler_doc(_REGISTRY[name]) for name in sorted(_REGISTRY)]


def handler_doc(info: HandlerInfo) -> HandlerDoc:
    summary, params, result = parse_handler_docstring(info.doc)
    return HandlerDoc(
        operator=info.name,
        summary=summary,
        doc=info.doc,
        parameters=list(info.params) if info.params is not None else params or [],
        result=info.result if info.result is not None else result or "",
        documented=(info.params is not None or params is not None) and bool(info.result or result),
    )


_PARAMS = re.compile(r"\bParams:[ \t]*", re.IGNORECASE)
_RESULT = re.compile(r"\bResult:\s*(?P<text>.*?)\.?\s*(?:\n\s*\n|$)", re.IGNORECASE | re.DOTALL)
_PARAM = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*(?::\s*(?P<type>[^()]+?))?\s*(?:\((?P<doc>.*)\))?$", re.DOTALL)


def parse_handler_docstring(doc: str) -> tuple[str, list[HandlerParam] | None, str | None]:
    """(summary, parameters, result) from the STYLE.md convention

        Records a decision. Params: approved:bool (通过与否), opinion:str. Result: {"record_id": int}.

    A parameter is `name:type`, optionally followed by `(what it is)`; `Params: none` says there are
    none. Parameters or result are None when the docstring does not say."""
    params: list[HandlerParam] | None = None
    rest = doc
    found = _PARAMS.search(doc)
    if found:
        items, end = _split_params(doc, found.end())
        parsed = [_PARAM.match(" ".join(item.split())) for item in items]
        params = [HandlerParam(m["name"], (m["type"] or "any").strip(), (m["doc"] or "").strip()) for m in parsed if m]
        rest = doc[: found.start()] + doc[end:]
    result_match = _RESULT.search(rest)
    result = " ".join(result_match["text"].split()) if result_match else None
    if result_match:
        rest = rest[: result_match.start()] + rest[result_match.end() :]
    text = " ".join(rest.split()).strip(" ;")
    summary = re.split(r"(?<=[.。!?！？])\s*", text, maxsplit=1)[0] if text.strip(".") else ""
    return summary, params, result


def _split_params(doc: str, start: int) -> tuple[list[str], int]:
    """The comma-separated items after "Params:", up to the sentence's full stop (brackets respected)."""
    items: list[str] = []
    current, depth, index = "", 0, start
    while index < len(doc):
        char, after = doc[index], doc[index + 1 : index + 2]
        index += 1
        if depth == 0 and ((char in ".;" and after in (" ", "\n", "")) or (char == "\n" and after in ("\n", ""))):
            break
        depth += (char in "([{") - (char in ")]}")
        if char == "," and depth == 0:
            items, current = [*items, current], ""
        else:
            current += char
    words = [item.strip() for item in [*items, current] if item.strip()]
    return ([] if [w.lower() for w in words] == ["none"] else words), index
