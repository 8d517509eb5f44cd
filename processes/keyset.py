"""Keyset pages: "the 25 rows after (or before) this one" in a fixed order, however deep the page.

An offset page makes the database walk and drop every earlier row; a keyset page starts from the
sort values of the row next to it, so page 200 costs what page 1 costs when an index matches the order.
Nulls sort last in either direction, the way the inbox wants tasks without a deadline.
"""

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.db.models import F, Model, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils.dateparse import parse_datetime

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool = False
    kind: type = int  # int or datetime: how a cursor value is read back
    nullable: bool = False  # nulls sort last going forward

    def order(self, *, reverse: bool = False) -> OrderBy:
        nulls = ({"nulls_first": True} if reverse else {"nulls_last": True}) if self.nullable else {}
        expression = F(self.field)
        return expression.desc(**nulls) if self.descending != reverse else expression.asc(**nulls)

    def beyond(self, value: Any, *, reverse: bool = False) -> Q:
        """Rows strictly past `value` in this key's order (strictly before it when `reverse`)."""
        if value is None:
            # Nulls come last: nothing is after a null; going back, every value is before it.
            return Q(**{f"{self.field}__isnull": False}) if reverse else Q(pk__in=[])
        lookup = "lt" if self.descending != reverse else "gt"
        past = Q(**{f"{self.field}__{lookup}": value})
        return past | Q(**{f"{self.field}__isnull": True}) if self.nullable and not reverse else past

    def same(self, value: Any) -> Q:
        return Q(**{f"{self.field}__isnull": True}) if value is None else Q(**{self.field: value})


@dataclass(frozen=True)
class Page(Generic[M]):
    rows: list[M]
    next_cursor: str = ""  # "" when this is the last page
    previous_cursor: str = ""  # "" when this is the first page


def cursor_of(keys: Sequence[SortKey], row: Any) -> str:
    values = [getattr(row, key.field) for key in keys]
    text = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def cursor_values(keys: Sequence[SortKey], cursor: str) -> list[Any] | None:
    """The sort values a cursor holds, or None when it is not one of ours (a stale or edited link)."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(raw, list) or len(raw) != len(keys):
        return None
    values: list[Any] = []
    for key, value in zip(keys, raw, strict=True):
        if value is None:
            values.append(None)
        elif key.kind is datetime and isinstance(value, str) and (moment := parse_datetime(value)) is not None:
            values.append(moment)
        elif key.kind is int and isinstance(value, int) and not isinstance(value, bool):
            values.append(value)
        else:
            return None
    return values


def _past(keys: Sequence[SortKey], values: list[Any], *, reverse: bool) -> Q:
    """Lexicographic "after" over all keys: past on the first, or equal on it and past on the next, …"""
    condition = Q(pk__in=[])
    equal = Q()
    for key, value in zip(keys, values, strict=True):
        condition |= equal & key.beyond(value, reverse=reverse)
        equal &= key.same(value)
    return condition


def keyset_page(rows: QuerySet[M], keys: Sequence[SortKey], *, size: int, after: str = "", before: str = "") -> Page[M]:
    """One page of `rows` in `keys` order: the first, the one after cursor `after`, or the one before `before`.
    The last key must be unique (the primary key) so that every row has one place."""
    forward = [key.order() for key in keys]
    if before and (values := cursor_values(keys, before)) is not None:
        backwards = [key.order(reverse=True) for key in keys]
        found = list(rows.filter(_past(keys, values, reverse=True)).order_by(*backwards)[: size + 1])
        if len(found) <= size:
            # Back at the beginning (rows may have gone meanwhile): show the first page as it is now.
            return keyset_page(rows, keys, size=size)
        shown = found[:size][::-1]
        return Page(shown, next_cursor=cursor_of(keys, shown[-1]), previous_cursor=cursor_of(keys, shown[0]))
    values = cursor_values(keys, after) if after else None
    if values is not None:
        rows = rows.filter(_past(keys, values, reverse=False))
    found = list(rows.order_by(*forward)[: size + 1])
    shown = found[:size]
    return Page(
        shown,
        next_cursor=cursor_of(keys, shown[-1]) if len(found) > size else "",
        previous_cursor=cursor_of(keys, shown[0]) if values is not None and shown else "",
    )
