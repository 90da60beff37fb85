"""Working days in mainland China: weekends and public holidays are off, and the official
make-up working days (调休) on weekends are on. The `holidays` library keeps the State
Council's schedule; an administrator's overrides (later) can correct a year it lacks."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays


@cache
def _calendar(year: int) -> holidays.HolidayBase:
    return holidays.China(years=[year])


def is_working_day(day: date, overrides: dict[date, bool] | None = None) -> bool:
    if overrides and day in overrides:
        return overrides[day]
    return bool(_calendar(day.year).is_working_day(day))


def add_working_days(start: date, count: int, overrides: dict[date, bool] | None = None) -> date:
    """The date `count` working days after `start` (start itself not counted)."""
    day = start
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, overrides):
            remaining -= 1
    return day


def next_working_day(day: date, overrides: dict[date, bool] | None = None) -> date:
    while not is_working_day(day, overrides):
        day += timedelta(days=1)
    return day


def add_months(day: date, months: int) -> date:
    """Same day-of-month `months` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def is_public_holiday(day: date) -> bool:
    """A statutory holiday (国庆节, 春节…), whatever the weekday: shared spaces are closed."""
    return day in _calendar(day.year)


def month_range(text: str) -> tuple[date, date] | None:
    """A month ("2026-03") or a span of months ("2025-12:2026-11", both included) as the days
    [first, after); None for anything else (a list's filter then filters nothing)."""
    parts = text.split(":")
    well_formed = all(len(p) == 7 and p.isascii() and p[4] == "-" and p[:4].isdigit() and p[5:].isdigit()
                      for p in parts)
    if not 1 <= len(parts) <= 2 or not well_formed:
        return None
    try:
        start, end = (date(int(p[:4]), int(p[5:]), 1) for p in (parts[0], parts[-1]))
    except ValueError:
        return None
    if end < start or start.year < 2000 or end.year > 2999:
        return None
    return start, add_months(end, 1)
