"""What the calendar reads from the database, kept per year in this process.

Why: the escalation tick asks the calendar hundreds of questions per task (bisection over working
days), so the override table cannot be queried per question. A year's overrides and the set of
official years are kept for TONGBAN["CALENDAR_CACHE_SECONDS"] (60 s by default); a write in this
process drops them at once, other processes see it within that time. A thread whose transaction has
written calendar rows neither reads nor fills the cache until it commits: a rollback (every test
ends in one) must not leave its rows behind in the cache.
"""

import threading
import time
from datetime import date
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_migrate, post_save

from .models import OfficialYear, WorkdayOverride

_lock = threading.Lock()
_local = threading.local()
_generation = 0
_years: dict[int, tuple[float, dict[date, bool]]] = {}
_official: tuple[float, frozenset[int]] | None = None


def _ttl() -> float:
    return float(getattr(settings, "TONGBAN", {}).get("CALENDAR_CACHE_SECONDS", 60))


def _usable() -> bool:
    if not connection.in_atomic_block:
        _local.dirty = False  # no transaction of this thread is pending: nothing to roll back
    return not getattr(_local, "dirty", False)


def overrides_for_year(year: int) -> dict[date, bool]:
    """{date: is_working_day} of the administrators' overrides in `year`."""
    usable = _usable()
    hit = _years.get(year)
    if usable and hit is not None and time.monotonic() - hit[0] < _ttl():
        return hit[1]
    generation, read_at = _generation, time.monotonic()
    rows = WorkdayOverride.objects.filter(date__gte=date(year, 1, 1), date__lte=date(year, 12, 31))
    mapping = dict(rows.values_list("date", "is_working_day"))
    if usable:
        with _lock:
            if generation == _generation:
                _years[year] = (read_at, mapping)
    return mapping


def official_years() -> frozenset[int]:
    """Years whose official arrangement an administrator has loaded."""
    global _official
    usable = _usable()
    hit = _official
    if usable and hit is not None and time.monotonic() - hit[0] < _ttl():
        return hit[1]
    generation, read_at = _generation, time.monotonic()
    years = frozenset(OfficialYear.objects.values_list("year", flat=True))
    if usable:
        with _lock:
            if generation == _generation:
                _official = (read_at, years)
    return years


def clear() -> None:
    global _generation, _official
    with _lock:
        _generation += 1
        _years.clear()
        _official = None


def _committed() -> None:
    _local.dirty = False
    clear()


def _calendar_written(**_kwargs: Any) -> None:
    clear()
    if connection.in_atomic_block:
        _local.dirty = True
        transaction.on_commit(_committed)


def _tables_reset(**_kwargs: Any) -> None:
    clear()  # a flush (transactional tests) empties the tables without delete signals


def connect_invalidation() -> None:
    for model in (WorkdayOverride, OfficialYear):
        post_save.connect(_calendar_written, sender=model, dispatch_uid=f"workcalendar-save-{model.__name__}")
        post_delete.connect(_calendar_written, sender=model, dispatch_uid=f"workcalendar-delete-{model.__name__}")
    post_migrate.connect(_tables_reset, dispatch_uid="workcalendar-post-migrate")
