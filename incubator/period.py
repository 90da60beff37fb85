"""The dashboard's period: a calendar month ("2026-11") or a calendar year ("2026"), and the
twelve months ending with it that the monthly series show."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from incubator.workdays import add_months

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_YEAR = re.compile(r"^(\d{4})$")
EARLIEST_YEAR, LATEST_YEAR = 2000, 2999


@dataclass(frozen=True)
class Period:
    first: date  # its first day
    after: date  # the day after its last

    @classmethod
    def month_of(cls, day: date) -> Period:
        first = day.replace(day=1)
        return cls(first, add_months(first, 1))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year + 1, 1, 1))

    @classmethod
    def parse(cls, text: str | None, today: date) -> Period:
        """"YYYY-MM" or "YYYY"; anything else (or a year out of range) is this month."""
        text = (text or "").strip()
        if match := _MONTH.match(text):
            year = int(match.group(1))
            if EARLIEST_YEAR <= year <= LATEST_YEAR:
                return cls.month_of(date(year, int(match.group(2)), 1))
        elif (match := _YEAR.match(text)) and EARLIEST_YEAR <= int(match.group(1)) <= LATEST_YEAR:
            return cls.year(int(match.group(1)))
        return cls.month_of(today)

    @property
    def is_month(self) -> bool:
        return add_months(self.first, 1) == self.after

    @property
    def key(self) -> str:
        """How the URL and the closed months name it: "2026-11" or "2026"."""
        return f"{self.first:%Y-%m}" if self.is_month else f"{self.first:%Y}"

    @property
    def window(self) -> tuple[date, date]:
        """The twelve months ending with the period (a year: itself): [first, after)."""
        return add_months(self.after, -12), self.after

    @property
    def months(self) -> list[str]:
        """The window's months, oldest first: ["2025-12", …, "2026-11"]."""
        first = self.window[0]
        return [f"{add_months(first, n):%Y-%m}" for n in range(12)]

    def ended_by(self, today: date) -> date:
        """The period's end, or today's end if the period is not over (stocks are counted to then)."""
        return min(self.after, date.fromordinal(today.toordinal() + 1))

    @property
    def previous(self) -> Period:
        return Period.month_of(add_months(self.first, -1)) if self.is_month else Period.year(self.first.year - 1)

    @property
    def next(self) -> Period:
        return Period.month_of(self.after) if self.is_month else Period.year(self.first.year + 1)

