"""Month arithmetic. A month is an integer ``ym = year * 12 + (month - 1)``."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np

NEVER = np.iinfo(np.int64).max // 4  # "no such month": far beyond any simulated date

# Chinese New Year (春节) dates; the holiday shifts the January/February dip every year.
_CNY = {
    2015: (2, 19), 2016: (2, 8), 2017: (1, 28), 2018: (2, 16), 2019: (2, 5), 2020: (1, 25),
    2021: (2, 12), 2022: (2, 1), 2023: (1, 22), 2024: (2, 10), 2025: (1, 29), 2026: (2, 17),
    2027: (2, 6), 2028: (1, 26), 2029: (2, 13), 2030: (2, 3), 2031: (1, 23), 2032: (2, 11),
    2033: (1, 31), 2034: (2, 19), 2035: (2, 8),
}  # fmt: skip


def parse_month(text: str) -> int:
    m = re.fullmatch(r"(\d{4})-?(\d{2})", text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"month must look like 2026-09, got {text!r}")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def year_of(ym: int) -> int:
    return ym // 12


def month_of(ym: int) -> int:
    return ym % 12 + 1


def yyyymm(ym: int) -> str:
    return f"{year_of(ym):04d}{month_of(ym):02d}"


def label(ym: int) -> str:
    return f"{year_of(ym):04d}-{month_of(ym):02d}"


def first_day(ym: int) -> dt.date:
    return dt.date(year_of(ym), month_of(ym), 1)


def last_day(ym: int) -> dt.date:
    return first_day(ym + 1) - dt.timedelta(days=1)


def days_in(ym: int) -> int:
    return last_day(ym).day


def day64(ym: int) -> np.datetime64:
    """First day of the month as numpy datetime64[D]."""
    return np.datetime64(first_day(ym), "D")


def ym_of_days(days: np.ndarray) -> np.ndarray:
    """Month index of an array of datetime64[D]."""
    m = days.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    return m + 1970 * 12


def cny_dip_share(ym: int) -> float:
    """Share of the Spring-Festival shutdown (~30 days around CNY) falling in this month."""
    year, month = year_of(ym), month_of(ym)
    if month not in (1, 2, 3):
        return 0.0
    mon, day = _CNY.get(year, (2, 5))
    cny = dt.date(year, mon, day)
    start, end = cny - dt.timedelta(days=10), cny + dt.timedelta(days=20)
    lo, hi = first_day(ym), last_day(ym) + dt.timedelta(days=1)
    overlap = (min(end, hi) - max(start, lo)).days
    return max(overlap, 0) / 30.0


def days(ym: int, day: np.ndarray) -> np.ndarray:
    """datetime64[D] of day numbers ``day`` (1-based) in month ``ym``."""
    return (day64(ym) + (day - 1)).astype("datetime64[D]")


def days_many(ym: np.ndarray, day: np.ndarray) -> np.ndarray:
    """datetime64[D] of months ``ym`` and days ``day``, element-wise (NEVER gives year 0)."""
    ym = np.where(ym >= NEVER, 0, ym)
    months = (ym - 1970 * 12).astype("timedelta64[M]") + np.datetime64("1970-01", "M")
    return (months.astype("datetime64[D]") + (day - 1)).astype("datetime64[D]")


def when(m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """datetime64[D] of month index ``m`` and day ``d``; NaT where ``m`` is NEVER."""
    m = np.asarray(m, dtype=np.int64)
    ok = m < NEVER
    months = (np.where(ok, m, 1970 * 12) - 1970 * 12).astype("timedelta64[M]") + np.datetime64(
        "1970-01", "M"
    )
    days = months.astype("datetime64[D]") + (np.asarray(d, dtype=np.int64) - 1)
    return np.where(ok, days, np.datetime64("NaT")).astype("datetime64[D]")
