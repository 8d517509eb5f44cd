"""The month or quarter a ranking (晾晒) covers, named for people and for URLs.

Its own module because the RankingSnapshot model names its period with it, and ranking.py (which builds
periods) imports the models."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class RankingPeriod:
    """[start, end): a whole month or a whole quarter of local time."""

    start: datetime
    end: datetime

    @property
    def is_quarter(self) -> bool:
        return (self.end - self.start).days > 40  # a month has at most 31 days, a quarter at least 90

    @property
    def label(self) -> str:
        """“2026年6月” / “2026年第2季度”, in the language active now (not the publisher's)."""
        local = timezone.localtime(self.start)
        if self.is_quarter:
            return _("%(year)s年第%(quarter)s季度") % {"year": local.year, "quarter": (local.month - 1) // 3 + 1}
        return _("%(year)s年%(month)s月") % {"year": local.year, "month": local.month}

    @property
    def value(self) -> str:
        """`YYYY-MM` or `YYYY-Qn`: what the period field takes and file names use."""
        local = timezone.localtime(self.start)
        if self.is_quarter:
            return f"{local.year}-Q{(local.month - 1) // 3 + 1}"
        return f"{local:%Y-%m}"


def previous_month(today: date) -> date:
    """The first day of the month before the one holding `today`: the month the monthly jobs (the stored
    progress report, the frozen ranking) close."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)
