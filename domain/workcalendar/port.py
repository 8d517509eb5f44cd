"""The work calendar as the orchestration core sees it (processes.ports.WorkCalendar)."""

from datetime import datetime

from processes.ports import Due

from . import services


class CalendarPort:
    def add_working_days(self, start: datetime, days: int) -> Due:
        return services.add_working_days(start, days)

    def working_days_between(self, start: datetime, end: datetime) -> float:
        return services.working_days_between(start, end)

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        return services.working_hours_between(start, end)
