"""ISO-8601 due times as modelers write them in `camunda:dueDate`."""

import calendar as calendar_module
import re
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime, parse_duration

ISO_CALENDAR = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?$")
ISO_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def iso_due(text: str, now: datetime) -> datetime:
    """An ISO-8601 date, date-time or duration (P3D, PT4H, P1W, P1M, P1Y) from `now`; ValueError otherwise."""
    match = ISO_CALENDAR.match(text)
    if match and any(match.groups()):
        years, months, weeks = (int(g or 0) for g in match.groups())
        return _add_months(now, years * 12 + months) + timedelta(weeks=weeks)
    duration = ISO_DURATION.match(text) and parse_duration(text)
    if duration:
        return now + duration
    moment = parse_datetime(text + ("T23:59:59" if re.match(r"^\d{4}-\d{2}-\d{2}$", text) else ""))
    if moment is None:
        raise ValueError("unrecognised format")
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar_module.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
