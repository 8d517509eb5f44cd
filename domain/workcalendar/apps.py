from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkCalendarConfig(AppConfig):
    name = "domain.workcalendar"
    label = "workcalendar"
    verbose_name = _("工作日历")

    def ready(self) -> None:
        from processes.ports import register_calendar

        from . import cache
        from .port import CalendarPort
        from .signals import calendar_changed

        cache.connect_invalidation()
        register_calendar(CalendarPort())
        # When a year's official arrangement arrives, open tasks that rested on the provisional
        # fallback get their due times recomputed (and their escalation ladder re-based).
        calendar_changed.connect(_recompute_provisional_deadlines, dispatch_uid="tongban_recompute_deadlines")


def _recompute_provisional_deadlines(sender: Any, year: int, **kwargs: Any) -> None:
    from processes.services.deadlines import deadlines_recompute_provisional

    deadlines_recompute_provisional(years=[year])
