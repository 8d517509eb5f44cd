"""Which days are working days before any administrator's override: pure functions, cached per day.

Years `chinese-calendar` knows (2004–2026 in 1.11.0) follow the State Council's arrangement it carries,
调休 make-up days included. Any other year falls back to weekends plus the statutory holidays of the
《全国年节及纪念日放假办法》 as revised from 2025: 元旦 (1 Jan), 春节 (除夕 to 初三), 清明, 劳动节 (1–2 May),
端午, 中秋 and 国庆 (1–3 Oct). The fallback has no bridging days and no 调休, which the State Council
only sets each autumn; due dates over such a year are therefore provisional.
"""

import logging
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
from chinese_calendar.constants import holidays as _library_holidays

from . import lunar

logger = logging.getLogger(__name__)

LIBRARY_YEARS = range(min(_library_holidays).year, max(_library_holidays).year + 1)


def library_knows(year: int) -> bool:
    """Whether `chinese-calendar` carries the official arrangement of `year`."""
    return year in LIBRARY_YEARS


@lru_cache(maxsize=64)
def fallback_holidays(year: int) -> frozenset[date]:
    """The statutory holidays of a year without official data (see the module docstring)."""
    days = {date(year, 1, 1), date(year, 5, 1), date(year, 5, 2)}
    days.update(date(year, 10, day) for day in (1, 2, 3))
    try:
        spring = lunar.spring_festival(year)
        days.update(spring + timedelta(days=offset) for offset in (-1, 0, 1, 2))
        days.update({lunar.tomb_sweeping_day(year), lunar.dragon_boat_festival(year), lunar.mid_autumn_festival(year)})
    except (NotImplementedError, OverflowError, ValueError, StopIteration):
        # Solar terms are tabulated for 1900–2100 only; beyond that, the fixed-date holidays must do.
        logger.warning("lunar festivals of %s cannot be computed; using the fixed-date holidays only", year)
    return frozenset(days)


@lru_cache(maxsize=8192)
def default_is_working_day(day: date) -> bool:
    """Working day according to `chinese-calendar`, or to the fallback for a year it does not know."""
    if library_knows(day.year):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5 and day not in fallback_holidays(day.year)
