"""Lunar festival dates computed offline, for years `chinese-calendar` has no data for.

New moons follow Meeus, *Astronomical Algorithms* ch. 49 (error of a few minutes); a lunar month
starts on the Beijing-time calendar day of its new moon. A regular lunar month N holds principal
term N, so 五月 is the month holding 夏至 and 八月 the month holding 秋分; 正月初一 is the first new
moon on or after 21 January. Checked against the official data 2004–2026 in the tests.
"""

import math
from datetime import date, datetime, timedelta
from functools import lru_cache

import chinese_calendar

_SYNODIC_MONTH = 29.530588861
_J2000_UNIX_JD = 2440587.5  # Julian day of 1970-01-01T00:00Z
_DELTA_T_DAYS = 70 / 86400  # TT − UTC in the 2020s–2030s; a minute either way changes nothing here

# (coefficient, uses E power, multipliers of M, M', F, Ω) of the new-moon periodic terms.
_TERMS: tuple[tuple[float, int, int, int, int, int], ...] = (
    (-0.40720, 0, 0, 1, 0, 0),
    (0.17241, 1, 1, 0, 0, 0),
    (0.01608, 0, 0, 2, 0, 0),
    (0.01039, 0, 0, 0, 2, 0),
    (0.00739, 1, -1, 1, 0, 0),
    (-0.00514, 1, 1, 1, 0, 0),
    (0.00208, 2, 2, 0, 0, 0),
    (-0.00111, 0, 0, 1, -2, 0),
    (-0.00057, 0, 0, 1, 2, 0),
    (0.00056, 1, 1, 2, 0, 0),
    (-0.00042, 0, 0, 3, 0, 0),
    (0.00042, 1, 1, 0, 2, 0),
    (0.00038, 1, 1, 0, -2, 0),
    (-0.00024, 1, -1, 2, 0, 0),
    (-0.00017, 0, 0, 0, 0, 1),
    (-0.00007, 0, 2, 1, 0, 0),
    (0.00004, 0, 0, 2, -2, 0),
    (0.00004, 0, 3, 0, 0, 0),
    (0.00003, 0, 1, 1, -2, 0),
    (0.00003, 0, 0, 2, 2, 0),
    (-0.00003, 0, 1, 1, 2, 0),
    (0.00003, 0, -1, 1, 2, 0),
    (-0.00002, 0, -1, 1, -2, 0),
    (-0.00002, 0, 1, 3, 0, 0),
    (0.00002, 0, 0, 4, 0, 0),
)
_PLANETARY = (
    (0.000325, 299.77, 0.107408),
    (0.000165, 251.88, 0.016321),
    (0.000164, 251.83, 26.651886),
    (0.000126, 349.42, 36.412478),
    (0.000110, 84.66, 18.206239),
    (0.000062, 141.74, 53.303771),
    (0.000060, 207.14, 2.453732),
    (0.000056, 154.84, 7.306860),
    (0.000047, 34.52, 27.261239),
    (0.000042, 207.19, 0.121824),
    (0.000040, 291.34, 1.844379),
    (0.000037, 161.72, 24.198154),
    (0.000035, 239.56, 25.513099),
    (0.000023, 331.55, 3.592518),
)


def _new_moon_jde(k: int) -> float:
    t = k / 1236.85
    jde = 2451550.09766 + _SYNODIC_MONTH * k + 0.00015437 * t**2 - 0.000000150 * t**3 + 0.00000000073 * t**4
    e = 1 - 0.002516 * t - 0.0000074 * t**2
    m = math.radians(2.5534 + 29.10535670 * k - 0.0000014 * t**2 - 0.00000011 * t**3)
    mp = math.radians(201.5643 + 385.81693528 * k + 0.0107582 * t**2 + 0.00001238 * t**3 - 0.000000058 * t**4)
    f = math.radians(160.7108 + 390.67050284 * k - 0.0016118 * t**2 - 0.00000227 * t**3 + 0.000000011 * t**4)
    omega = math.radians(124.7746 - 1.56375588 * k + 0.0020672 * t**2 + 0.00000215 * t**3)
    for coefficient, e_power, i_m, i_mp, i_f, i_omega in _TERMS:
        jde += coefficient * e**e_power * math.sin(i_m * m + i_mp * mp + i_f * f + i_omega * omega)
    a1_extra = -0.009173 * t**2  # only A1 has a T² term
    for index, (coefficient, base, rate) in enumerate(_PLANETARY):
        jde += coefficient * math.sin(math.radians(base + rate * k + (a1_extra if index == 0 else 0)))
    return jde


def _beijing_date(jde: float) -> date:
    unix_seconds = (jde - _DELTA_T_DAYS - _J2000_UNIX_JD) * 86400
    return (datetime(1970, 1, 1) + timedelta(seconds=unix_seconds, hours=8)).date()


def _lunation_near(day: date) -> int:
    return math.floor((day.year + (day.timetuple().tm_yday - 1) / 365.25 - 2000) * 12.3685)


def _new_moon_on_or_before(day: date) -> date:
    """The Beijing calendar day on which the lunar month containing `day` began."""
    k = _lunation_near(day) + 1
    while _beijing_date(_new_moon_jde(k)) > day:
        k -= 1
    return _beijing_date(_new_moon_jde(k))


def _new_moon_on_or_after(day: date) -> date:
    k = _lunation_near(day) - 1
    while _beijing_date(_new_moon_jde(k)) < day:
        k += 1
    return _beijing_date(_new_moon_jde(k))


def _principal_term(year: int, name: str, month: int) -> date:
    terms = chinese_calendar.get_solar_terms(date(year, month, 1), date(year, month, 28))
    return next(day for day, term in terms if term == name)


@lru_cache(maxsize=256)
def spring_festival(year: int) -> date:
    """正月初一: always between 21 January and 20 February, which may hold two new moons."""
    return _new_moon_on_or_after(date(year, 1, 21))


@lru_cache(maxsize=256)
def dragon_boat_festival(year: int) -> date:
    """五月初五."""
    return _new_moon_on_or_before(_principal_term(year, "夏至", 6)) + timedelta(days=4)


@lru_cache(maxsize=256)
def mid_autumn_festival(year: int) -> date:
    """八月十五."""
    return _new_moon_on_or_before(_principal_term(year, "秋分", 9)) + timedelta(days=14)


@lru_cache(maxsize=256)
def tomb_sweeping_day(year: int) -> date:
    """清明, a solar term rather than a lunar date."""
    return _principal_term(year, "清明", 4)
