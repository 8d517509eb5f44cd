"""Reads of 督查督办: the task list (任务清单) with its filters and colours, the issue pool (问题清单), and
the per-unit figures the public ranking (晾晒) is built from.

Colours [practice]: red = a unit is past its due time with no completion report sent in time (one sent
in time and waiting for the office does not turn red: it is the office's turn); yellow = behind (the
latest progress lags the share of working time used by more than BEHIND_MARGIN points) or poor quality
(returned by the office); blue = due within TONGBAN["SUPERVISION_BLUE_WORKING_DAYS"] (3) working days;
green otherwise.
An item takes the worst colour of its open units (a split item: of its sub-items' units); a closed item,
or one not yet handed to its units, has none."""

import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Avg, Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from processes.ports import calendar

from .choices import CLOSED_ITEM_STATUSES, Colour, ItemStatus, UnitStatus
from .models import Problem, ProgressReport, SupervisionItem, SupervisionUnit

BEHIND_MARGIN = 30
_SEVERITY = {Colour.GREEN: 0, Colour.BLUE: 1, Colour.YELLOW: 2, Colour.RED: 3}


def blue_working_days() -> float:
    return float(getattr(settings, "TONGBAN", {}).get("SUPERVISION_BLUE_WORKING_DAYS", 3))


@dataclass
class UnitRow:
    unit: SupervisionUnit
    colour: Colour | None
    latest_percent: int | None


@dataclass
class ItemRow:
    item: SupervisionItem
    colour: Colour | None
    overdue: bool
    units: list[UnitRow] = field(default_factory=list)


def unit_colour(unit: SupervisionUnit, now: datetime, latest_percent: int | None = None) -> Colour | None:
    """The unit's warning colour now; None once it is done or before it has a due time."""
    if unit.status == UnitStatus.DONE or unit.due_at is None:
        return None
    if unit_late(unit, now):
        return Colour.RED
    if unit.status == UnitStatus.IN_REVIEW:
        return Colour.GREEN  # sent in time: the office has it
    if unit.returned_count or _behind(unit, now, latest_percent):
        return Colour.YELLOW
    if calendar().working_days_between(now, unit.due_at) <= blue_working_days():
        return Colour.BLUE
    return Colour.GREEN


def unit_late(unit: SupervisionUnit, now: datetime) -> bool:
    """Past its due time without a completion report — or with one sent late and still under review. A
    report sent in time does not turn late while it waits for the office."""
    if unit.due_at is None or unit.status == UnitStatus.DONE:
        return False
    if unit.status == UnitStatus.IN_REVIEW and unit.submitted_at is not None:
        return unit.submitted_at > unit.due_at
    return now > unit.due_at


def _behind(unit: SupervisionUnit, now: datetime, latest_percent: int | None) -> bool:
    if latest_percent is None or unit.assigned_at is None or unit.status != UnitStatus.HANDLING:
        return False
    total = calendar().working_days_between(unit.assigned_at, unit.due_at)  # type: ignore[arg-type]
    if total <= 0:
        return False
    used = 100 * calendar().working_days_between(unit.assigned_at, now) / total
    return latest_percent + BEHIND_MARGIN < used


def _worst(colours: list[Colour | None]) -> Colour | None:
    present = [colour for colour in colours if colour is not None]
    return max(present, key=_SEVERITY.__getitem__) if present else None


def _units_with_progress() -> QuerySet[SupervisionUnit]:
    latest = ProgressReport.objects.filter(unit=OuterRef("pk")).order_by("-submitted_at", "-pk").values("percent")[:1]
    return SupervisionUnit.objects.select_related("department").annotate(latest_percent=Subquery(latest))


class ItemRows:
    """The task list as Django's Paginator wants it: `count()` in the database, and a slice loads only
    its own items (with their units, sub-items and latest progress), so a page costs the same however many
    items the office holds. Iterating gives every row."""

    def __init__(self, items: QuerySet[SupervisionItem], now: datetime) -> None:
        self._items = items
        self._now = now

    def count(self) -> int:
        return self._items.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[ItemRow]:
        return self._rows(self._items[index])

    def __iter__(self) -> Iterator[ItemRow]:
        return iter(self._rows(self._items))

    def _rows(self, items: QuerySet[SupervisionItem]) -> list[ItemRow]:
        units = Prefetch("units", queryset=_units_with_progress())
        child_units = Prefetch("children__units", queryset=_units_with_progress())
        return [_item_row(item, self._now) for item in items.prefetch_related(units, "children", child_units)]


def item_rows(
    *,
    status: str = "",
    source: str = "",
    department_id: int | None = None,
    office_id: int | None = None,
    overdue: bool | None = None,
    colour: str = "",
    q: str = "",
    top_level: bool = True,
    now: datetime | None = None,
) -> ItemRows | list[ItemRow]:
    """任务清单: items (by default without their sub-items, which show under the parent), newest first.

    `department_id`: items where that department is a lead or co-unit (of the item or a sub-item);
    `overdue`: items with an open unit past its due time (False: those without); `q`: text in the title or
    the source reference. Everything but the colour filters in the database and pages lazily (ItemRows).
    Red is exact in SQL (pages lazily too); the other colours are computed (working days, progress against
    time used), so their filter narrows in the database to the items that can have them, then computes: a list."""
    now = now or timezone.now()
    items = SupervisionItem.objects.select_related("office", "parent")
    if top_level:
        items = items.filter(parent__isnull=True)
    if status:
        items = items.filter(status=status)
    if source:
        items = items.filter(source=source)
    if office_id is not None:
        items = items.filter(office_id=office_id)
    if q:
        items = items.filter(Q(title__icontains=q) | Q(source_reference__icontains=q))
    if department_id is not None:
        items = items.filter(_of_units(SupervisionUnit.objects.filter(department_id=department_id)))
    late = _of_units(_late_units(now))
    if overdue is True:
        items = items.filter(late)
    elif overdue is False:
        items = items.exclude(late)
    if not colour:
        return ItemRows(items, now)
    if colour == Colour.RED:  # exact in SQL: a late unit makes an open item red whatever else
        return ItemRows(_may_have_colour(items, colour, now), now)
    return [row for row in ItemRows(_may_have_colour(items, colour, now), now) if row.colour == colour]


def item_list(**filters: Any) -> list[ItemRow]:
    """Every row `item_rows` selects (for reports and tests; pages use `item_rows` and slice)."""
    return list(item_rows(**filters))


def _of_units(units: QuerySet[SupervisionUnit]) -> Q:
    """Items one of `units` belongs to, or whose sub-item it belongs to. (No NULL parent ids in the
    subquery: `NOT IN` a list holding NULL is never true, which would empty every `exclude`.)"""
    parents = units.filter(item__parent__isnull=False).values("item__parent_id")
    return Q(pk__in=units.values("item_id")) | Q(pk__in=parents)


def _late_units(now: datetime) -> QuerySet[SupervisionUnit]:
    """`unit_late` in SQL."""
    at_work = Q(status__in=(UnitStatus.ASSIGNED, UnitStatus.HANDLING), due_at__lt=now)
    sent_late = Q(status=UnitStatus.IN_REVIEW, submitted_at__gt=F("due_at"))
    return SupervisionUnit.objects.filter(at_work | sent_late)


def _may_have_colour(items: QuerySet[SupervisionItem], colour: str, now: datetime) -> QuerySet[SupervisionItem]:
    """A necessary condition for the colour, in SQL: closed or undispatched items have none; red needs a
    late unit; yellow and blue need an open unit and no late one (yellow: returned or handling; blue: due
    within the blue window); green needs no late unit and none surely yellow or blue. What is left is
    computed exactly."""
    items = items.exclude(status__in=CLOSED_ITEM_STATUSES).exclude(status=ItemStatus.REGISTERED, dispatched_at=None)
    late = _of_units(_late_units(now))
    if colour == Colour.RED:
        return items.filter(late)
    open_units = SupervisionUnit.objects.exclude(status=UnitStatus.DONE).exclude(due_at=None)
    if colour == Colour.YELLOW:
        open_units = open_units.filter(Q(returned_count__gt=0) | Q(status=UnitStatus.HANDLING))
    elif colour == Colour.BLUE:
        horizon = calendar().add_working_days(now, math.ceil(blue_working_days()) + 1).at
        open_units = open_units.filter(due_at__lte=horizon)
    if colour == Colour.GREEN:
        return items.exclude(late).exclude(_of_units(_surely_warned(now)))
    return items.filter(_of_units(open_units)).exclude(late)


def _surely_warned(now: datetime) -> QuerySet[SupervisionUnit]:
    """Units at work that are certainly yellow (returned) or blue, so their items are not green. Blue: due
    within the blue window counted in calendar days — a calendar day holds at most one working day, so a unit
    due within B calendar days has at most B working days left, whatever the calendar counts in part days.
    Units with the office (in review) are green whatever their history."""
    horizon = now + timedelta(days=blue_working_days())
    at_work = SupervisionUnit.objects.filter(status__in=(UnitStatus.ASSIGNED, UnitStatus.HANDLING))
    return at_work.filter(Q(returned_count__gt=0) | Q(due_at__lte=horizon))


def _item_row(item: SupervisionItem, now: datetime) -> ItemRow:
    units = list(item.units.all()) + [unit for child in item.children.all() for unit in child.units.all()]
    unit_rows = [
        UnitRow(u, unit_colour(u, now, getattr(u, "latest_percent", None)), getattr(u, "latest_percent", None))
        for u in units
    ]
    closed = item.status in CLOSED_ITEM_STATUSES or item.status == ItemStatus.REGISTERED and item.dispatched_at is None
    late = any(unit_late(row.unit, now) for row in unit_rows)
    colour = None if closed else _worst([row.colour for row in unit_rows])
    return ItemRow(item=item, colour=colour, overdue=late, units=unit_rows)


def item_reports(*, item_id: int) -> QuerySet[ProgressReport]:
    """An item's progress and completion reports, newest first."""
    return ProgressReport.objects.filter(item_id=item_id).select_related("unit__department", "submitted_by")


def problem_pool(
    *, status: str = "", department_id: int | None = None, item_id: int | None = None, office_id: int | None = None
) -> QuerySet[Problem]:
    """问题清单: the problems raised in every unit's reports, open ones first, newest first."""
    problems = Problem.objects.select_related("item", "unit__department", "report")
    if status:
        problems = problems.filter(status=status)
    if department_id is not None:
        problems = problems.filter(unit__department_id=department_id)
    if item_id is not None:
        problems = problems.filter(Q(item_id=item_id) | Q(item__parent_id=item_id))
    if office_id is not None:
        problems = problems.filter(item__office_id=office_id)
    # "open" sorts before "resolved".
    return problems.order_by("status", "-raised_at", "-pk")


@dataclass(frozen=True)
class UnitPerformance:
    """One department's record over a period, as the ranking (晾晒) shows it."""

    department_id: int
    department_code: str
    department_name: str
    on_time: int
    overdue: int
    average_handling_working_days: float | None

    @property
    def on_time_rate(self) -> float | None:
        judged = self.on_time + self.overdue
        return self.on_time / judged if judged else None


def unit_performance(
    *, start: datetime, end: datetime, now: datetime | None = None, office_id: int | None = None
) -> list[UnitPerformance]:
    """Per department, over [start, end): each unit is judged once, when its result is known —
    on time when its accepted completion report came by its due time (counted in the period it came);
    overdue when its due time passed without one (counted in the period the due time fell), unless a
    completion sent in time is still waiting for the office. Average handling time: working days from
    交办 to the accepted completion report, over the units completed in the period.

    Best first: highest on-time rate, then fewest overdue, then quickest."""
    horizon = min(end, now or timezone.now())
    units = SupervisionUnit.objects.all()
    if office_id is not None:
        units = units.filter(item__office_id=office_id)
    completed = units.filter(completed_at__gte=start, completed_at__lt=end)
    on_time = completed.filter(on_time=True).values("department_id").annotate(n=Count("pk"))
    speed = completed.values("department_id").annotate(avg=Avg("handling_working_days"))
    in_time = Q(completed_at__lte=F("due_at")) | Q(status=UnitStatus.IN_REVIEW, submitted_at__lte=F("due_at"))
    late = units.filter(due_at__gte=start, due_at__lt=horizon).exclude(in_time)
    overdue = late.values("department_id").annotate(n=Count("pk"))
    figures: dict[int, dict[str, float | None]] = defaultdict(dict)
    for row in on_time:
        figures[row["department_id"]]["on_time"] = row["n"]
    for row in overdue:
        figures[row["department_id"]]["overdue"] = row["n"]
    for row in speed:
        figures[row["department_id"]]["avg"] = round(row["avg"], 2) if row["avg"] is not None else None
    return _ranked(figures)


def _ranked(figures: dict[int, dict[str, float | None]]) -> list[UnitPerformance]:
    from domain.directory.models import Department

    names = {d.pk: (d.code, d.name) for d in Department.objects.filter(pk__in=figures)}
    rows = [
        UnitPerformance(
            department_id=dept,
            department_code=names[dept][0],
            department_name=names[dept][1],
            on_time=int(values.get("on_time") or 0),
            overdue=int(values.get("overdue") or 0),
            average_handling_working_days=values.get("avg"),
        )
        for dept, values in figures.items()
    ]
    return sorted(
        rows,
        key=lambda r: (
            -(r.on_time_rate if r.on_time_rate is not None else -1),
            r.overdue,
            r.average_handling_working_days if r.average_handling_working_days is not None else float("inf"),
            r.department_code,
        ),
    )


def period_bounds(year: int, *, month: int | None = None, quarter: int | None = None) -> tuple[datetime, datetime]:
    """[start, end) of a month or quarter (or the year), at local midnight in the calendar's timezone."""
    zone = ZoneInfo(getattr(settings, "TIME_ZONE", "Asia/Shanghai") or "Asia/Shanghai")
    if month is not None:
        first, months = month, 1
    elif quarter is not None:
        first, months = 3 * (quarter - 1) + 1, 3
    else:
        first, months = 1, 12
    start = datetime(year, first, 1, tzinfo=zone)
    after = first + months
    end = datetime(year + (after - 1) // 12, (after - 1) % 12 + 1, 1, tzinfo=zone)
    return start, end
