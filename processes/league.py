"""晾晒 league table: per department and month, computed by SQL aggregation."""

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Avg, Count, F, Q
from django.utils import timezone

from .models import HumanTask, TaskReminder, TaskStatus


def month_bounds(month: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(month.replace(day=1), time.min, tzinfo=zone)
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return start, datetime.combine(following, time.min, tzinfo=zone)


def league_table(*, month: date, department_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """One row per department: completed, on_time (of the completed tasks that had a due time),
    on_time_rate, overdue (completed late in the month, or open past due at the month's end),
    avg_working_days, reminders; ranked by on-time rate, then fewest overdue, then shortest handling."""
    start, end = month_bounds(month)
    cutoff = min(end, timezone.now())
    tasks = HumanTask.objects.filter(department__isnull=False)
    if department_ids is not None:
        tasks = tasks.filter(department_id__in=department_ids)
    done = Q(status=TaskStatus.COMPLETED, completed_at__gte=start, completed_at__lt=end)
    # On-time rate counts only tasks that had a deadline: a department must not rank first on tasks
    # that could never be late.
    timed = done & Q(due_at__isnull=False)
    late = timed & Q(completed_at__gt=F("due_at"))
    # Open past due at the month's end, judged as of then: a past month's table does not change when
    # the work is finished (or cancelled) later.
    still_open_late = Q(due_at__lt=cutoff, created_at__lt=end) & (Q(status=TaskStatus.OPEN) | Q(completed_at__gte=end))
    rows = (
        tasks.values("department_id", "department__name")
        .annotate(
            completed=Count("id", filter=done),
            timed=Count("id", filter=timed),
            late=Count("id", filter=late),
            open_late=Count("id", filter=still_open_late),
            avg_working_days=Avg("handling_working_days", filter=done),
        )
        .filter(Q(completed__gt=0) | Q(open_late__gt=0))
    )
    reminders = dict(
        TaskReminder.objects.filter(sent_at__gte=start, sent_at__lt=end)
        .values_list("task__department_id")
        .annotate(n=Count("id"))
        .values_list("task__department_id", "n")
    )
    table = [_row(row, reminders.get(row["department_id"], 0)) for row in rows]
    table.sort(key=lambda r: (-r["on_time_rate"], r["overdue"], r["avg_working_days"] or 0.0, r["department"]))
    for rank, row in enumerate(table, start=1):
        row["rank"] = rank
    return table


def _row(row: dict[str, Any], reminders: int) -> dict[str, Any]:
    completed, timed, late = row["completed"], row["timed"], row["late"]
    return {
        "department_id": row["department_id"],
        "department": row["department__name"],
        "completed": completed,
        "on_time": timed - late,
        "on_time_rate": round((timed - late) / timed, 4) if timed else 0.0,
        "overdue": late + row["open_late"],
        "avg_working_days": round(row["avg_working_days"], 2) if row["avg_working_days"] is not None else None,
        "reminders": reminders,
    }


LEAGUE_COLUMNS = [
    ("rank", "排名"),
    ("department", "部门"),
    ("completed", "办结数"),
    ("on_time", "按时办结"),
    ("on_time_rate", "按时率"),
    ("overdue", "逾期数"),
    ("avg_working_days", "平均办理工作日"),
    ("reminders", "被催办次数"),
]


def league_xlsx(table: list[dict[str, Any]], *, month: date) -> bytes:
    from io import BytesIO

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{month:%Y-%m} 晾晒"
    sheet.append([title for _key, title in LEAGUE_COLUMNS])
    for row in table:
        sheet.append([row[key] for key, _title in LEAGUE_COLUMNS])
    for cell in sheet["E"][1:]:
        cell.number_format = "0.0%"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
