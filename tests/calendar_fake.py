"""A stand-in work calendar for tests of the orchestration core: weekdays are working days and a
deadline is 18:00 Asia/Shanghai on the N-th working day after the start day."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from processes import ports

SHANGHAI = ZoneInfo("Asia/Shanghai")


class WeekdayCalendar:
    def add_working_days(self, start: datetime, days: int) -> ports.Due:
        day = start.astimezone(SHANGHAI).date()
        left = days
        while left > 0:
            day += timedelta(days=1)
            if day.weekday() < 5:
                left -= 1
        return ports.Due(at=datetime.combine(day, time(18, 0), tzinfo=SHANGHAI), provisional=day.year > 2026)

    def working_days_between(self, start: datetime, end: datetime) -> float:
        day, count = start.astimezone(SHANGHAI).date(), 0
        while day < end.astimezone(SHANGHAI).date():
            day += timedelta(days=1)
            count += day.weekday() < 5
        return float(count)


@contextmanager
def weekday_calendar() -> Iterator[WeekdayCalendar]:
    previous = ports._calendar
    fake = WeekdayCalendar()
    ports.register_calendar(fake)
    try:
        yield fake
    finally:
        ports._calendar = previous
