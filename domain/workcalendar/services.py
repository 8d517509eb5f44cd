"""The work calendar: working days, deadlines and working time, plus administrators' writes.

Rules, in the calendar's timezone (Asia/Shanghai by default; a naive datetime is read as local time):

* a date is a working day if the override table says so; otherwise as `rules.default_is_working_day`
  (`chinese-calendar`, or weekends plus statutory holidays for a year it does not know);
* `add_working_days(start, n)`: the deadline is the END of the n-th working day after the start's
  local date — TONGBAN["WORKDAY_END"] (18:00) on that day. The start day never counts, whatever the
  time of day, so "1 working day" from Friday 09:00 or Friday 20:00 is Monday 18:00; n = 0 means the
  end of the start day, or of the next working day if the start day is off. The deadline is
  provisional if any day from the start through the due day lies in a year without official data;
* `working_days_between(a, b)`: each working day counts as one whole day from 00:00 to 24:00 local,
  partially where a or b falls inside it; negative when b is before a;
* `working_hours_between(a, b)`: hours inside TONGBAN["WORK_HOURS"] (09:00–12:00, 13:30–18:00) of
  working days; negative when b is before a.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from processes.ports import Due

from . import cache, rules
from .models import OfficialYear, WorkdayOverride
from .signals import calendar_changed

DEFAULT_TZ = "Asia/Shanghai"
_DAY = timedelta(days=1)


def _tongban(key: str, default: object) -> object:
    return getattr(settings, "TONGBAN", {}).get(key, default)


def _parse_time(value: object) -> time:
    return value if isinstance(value, time) else time.fromisoformat(str(value))


def workday_end() -> time:
    return _parse_time(_tongban("WORKDAY_END", "18:00"))


def work_hours() -> list[tuple[time, time]]:
    periods = _tongban("WORK_HOURS", [("09:00", "12:00"), ("13:30", "18:00")])
    return [(_parse_time(start), _parse_time(end)) for start, end in periods]  # type: ignore[attr-defined]


class _View:
    """One question's view of the calendar: each year's overrides are looked up once."""

    def __init__(self) -> None:
        self._overrides: dict[int, dict[date, bool]] = {}
        self._official: frozenset[int] | None = None

    def is_working_day(self, day: date) -> bool:
        overrides = self._overrides.get(day.year)
        if overrides is None:
            overrides = self._overrides[day.year] = cache.overrides_for_year(day.year)
        found = overrides.get(day)
        return rules.default_is_working_day(day) if found is None else found

    def is_provisional(self, day: date) -> bool:
        if rules.library_knows(day.year):
            return False
        if self._official is None:
            self._official = cache.official_years()
        return day.year not in self._official


def is_working_day(d: date) -> bool:
    return _View().is_working_day(d)


def is_provisional(d: date) -> bool:
    """True for a date in a year `chinese-calendar` does not know and no administrator marked official."""
    return _View().is_provisional(d)


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def add_working_days(start: datetime, n: int, *, tz: str = DEFAULT_TZ) -> Due:
    """The end of the n-th working day after the start's local date (see the module docstring)."""
    if n < 0:
        raise ValueError(f"a number of working days cannot be negative (got {n})")
    zone, view = ZoneInfo(tz), _View()
    local = _local(start, zone)
    day = local.date()
    provisional = view.is_provisional(day)
    remaining = n
    if n == 0:
        if local.time() >= workday_end():
            day += _DAY  # "today" after the working day has ended means the next working day
        while not view.is_working_day(day):
            day += _DAY
            provisional = provisional or view.is_provisional(day)
    while remaining > 0:
        day += _DAY
        provisional = provisional or view.is_provisional(day)
        if view.is_working_day(day):
            remaining -= 1
    return Due(at=datetime.combine(day, workday_end(), tzinfo=zone), provisional=provisional)


def _sum_over_days(a: datetime, b: datetime, tz: str, measure: Callable[[date, datetime, datetime], float]) -> float:
    if b < a:
        return -_sum_over_days(b, a, tz, measure)
    zone, view = ZoneInfo(tz), _View()
    lo, hi = _local(a, zone), _local(b, zone)
    total, day = 0.0, lo.date()
    while day <= hi.date():
        if view.is_working_day(day):
            total += measure(day, lo, hi)
        day += _DAY
    return round(total, 6)


def _overlap_seconds(start: datetime, end: datetime, lo: datetime, hi: datetime) -> float:
    return max((min(end, hi) - max(start, lo)).total_seconds(), 0.0)


def working_days_between(a: datetime, b: datetime, *, tz: str = DEFAULT_TZ) -> float:
    """Working days from a to b: whole working days count 1, partly covered ones their covered share."""

    def share(day: date, lo: datetime, hi: datetime) -> float:
        midnight = datetime.combine(day, time(0), tzinfo=lo.tzinfo)
        return _overlap_seconds(midnight, midnight + _DAY, lo, hi) / 86400

    return _sum_over_days(a, b, tz, share)


def working_hours_between(a: datetime, b: datetime, *, tz: str = DEFAULT_TZ) -> float:
    """Hours from a to b inside the working hours of working days."""
    periods = work_hours()

    def hours(day: date, lo: datetime, hi: datetime) -> float:
        seconds = 0.0
        for start, end in periods:
            begin = datetime.combine(day, start, tzinfo=lo.tzinfo)
            seconds += _overlap_seconds(begin, datetime.combine(day, end, tzinfo=lo.tzinfo), lo, hi)
        return seconds / 3600

    return _sum_over_days(a, b, tz, hours)


# Administrators' writes. Each announces the changed years with `calendar_changed` after commit.


def calendar_changed_on_commit(*, years: Iterable[int], sender: type) -> None:
    for year in sorted(set(years)):
        transaction.on_commit(lambda year=year: calendar_changed.send(sender=sender, year=year))  # type: ignore[misc]


@dataclass(frozen=True)
class OverrideRow:
    day: date
    is_working_day: bool
    note: str = ""


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    years: list[int]


@transaction.atomic
def overrides_import(*, rows: list[OverrideRow], official_year: int | None = None, source: str = "") -> ImportSummary:
    """Create or update one override per row; optionally mark `official_year` as officially loaded."""
    created = 0
    for row in rows:
        _override, was_created = WorkdayOverride.objects.update_or_create(
            date=row.day, defaults={"is_working_day": row.is_working_day, "note": row.note}
        )
        created += was_created
    years = {row.day.year for row in rows}
    if official_year is not None:
        OfficialYear.objects.update_or_create(year=official_year, defaults={"source": source})
        years.add(official_year)
    calendar_changed_on_commit(years=years, sender=WorkdayOverride)
    return ImportSummary(created=created, updated=len(rows) - created, years=sorted(years))


@transaction.atomic
def official_year_mark(*, year: int, source: str = "") -> OfficialYear:
    """Record that `year`'s official arrangement is loaded: its due dates stop being provisional."""
    official, _created = OfficialYear.objects.update_or_create(year=year, defaults={"source": source})
    calendar_changed_on_commit(years=[year], sender=OfficialYear)
    return official
