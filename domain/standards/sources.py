"""Registries of field sources for 清洗比对, and of what their owners do when fields get mapped, so that
standards never imports the apps that own the fields.

An app registers a callable returning FieldRecords, usually at import of its own module:

    @field_source("assets.column")
    def registered_columns() -> Iterator[FieldRecord]: ...

The callable should stream (iterate a queryset with `.iterator()`), since a run may read 250,000 fields.
Fill `comment` with the column comment (an ASCII column is matched by the Chinese name its comment
starts with) and `context` with what tells ambiguous names apart, e.g. {"证件类型": "身份证"} when the
table's 证件类型 column holds only that value: 证件号码 then joins 公民身份号码.

An owner that keeps its own link to the element registers a callback, called inside the accepting
transaction with the ids (in that source) just mapped and the element's id:

    @on_fields_mapped("catalog.item")
    def items_mapped(ids: list[int], element_id: int) -> None: ...
"""

from collections.abc import Callable, Iterable

from .cleansing.records import FieldRecord
from .errors import UnknownFieldSource

FieldSource = Callable[[], Iterable[FieldRecord]]
MappedCallback = Callable[[list[int], int], None]

_SOURCES: dict[str, FieldSource] = {}
_MAPPED: dict[str, MappedCallback] = {}


def register_field_source(name: str, source: FieldSource) -> FieldSource:
    """Register `source` under `name`; registering another callable under a taken name is a programming error."""
    known = _SOURCES.get(name)
    if known is not None and known is not source:
        raise ValueError(f"field source {name!r} is already registered by {known!r}")
    _SOURCES[name] = source
    return source


def field_source(name: str) -> Callable[[FieldSource], FieldSource]:
    def decorate(source: FieldSource) -> FieldSource:
        return register_field_source(name, source)

    return decorate


def unregister_field_source(name: str) -> None:
    _SOURCES.pop(name, None)


def field_source_names() -> list[str]:
    return sorted(_SOURCES)


def field_source_get(name: str) -> FieldSource:
    try:
        return _SOURCES[name]
    except KeyError:
        raise UnknownFieldSource(name)


def on_fields_mapped(name: str) -> Callable[[MappedCallback], MappedCallback]:
    """Register what the owner of source `name` does when some of its fields are mapped to an element."""

    def decorate(callback: MappedCallback) -> MappedCallback:
        known = _MAPPED.get(name)
        if known is not None and known is not callback:
            raise ValueError(f"a mapping callback for {name!r} is already registered: {known!r}")
        _MAPPED[name] = callback
        return callback

    return decorate


def fields_mapped_notify(name: str, ids: list[int], element_id: int) -> None:
    """Tell the owner of source `name` (if it asked) that the fields `ids` now map to `element_id`."""
    callback = _MAPPED.get(name)
    if callback is not None and ids:
        callback(ids, element_id)
