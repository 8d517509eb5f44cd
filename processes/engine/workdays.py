"""`working_days_later(n)`: available to timer expressions, for `tongban:workingDays` timers."""

from typing import Any

from django.utils import timezone

from ..ports import calendar
from .sandbox import SandboxError


def working_days_later(days: Any) -> str:
    """The ISO due time `days` working days from now, on the registered work calendar."""
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise SandboxError(f"workingDays must give a whole number of days, got {days!r}")
    return calendar().add_working_days(timezone.now(), days).at.isoformat()
