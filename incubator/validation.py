"""Small, shared checks that services use to turn submitted text into clean values.

Each check records a translated message against its field and returns None when the
input is wrong, so a service reports every wrong field at once.

Whatever a check returns is safe to hand to the database even before `done()` (services look
up names for uniqueness before they report): control characters are gone, text is no longer
than its column and integers fit the 32-bit id and count columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TypeVar

from incubator.errors import ValidationFailed
from incubator.i18n import gettext as _
from incubator.money import MoneyError, parse_fen

E = TypeVar("E", bound=StrEnum)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# Control characters (Unicode category Cc) other than tab and newline: a NUL is refused by
# PostgreSQL, the others break exports and show as nothing. Carriage returns are line breaks.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# The id and count columns are 32-bit INTEGER.
INT_MIN = -(2**31)
INT_MAX = 2**31 - 1


@dataclass(frozen=True)
class DateRange:
    """The dates a field may plausibly hold. A slip of the keyboard (9999-12-31, 0001-01-01) is
    refused on its field rather than stored: asyncpg writes date.max and date.min to PostgreSQL
    as `infinity` and `-infinity`, and any far date makes nonsense of the terms, flags and figures
    computed from it."""

    earliest: date
    latest: date

    def __contains__(self, day: date) -> bool:
        return self.earliest <= day <= self.latest

    def message(self) -> str:
        return _("Enter a date between %(earliest)s and %(latest)s.",
                 earliest=self.earliest.isoformat(), latest=self.latest.isoformat())


# Every date field's range unless it says otherwise: what people record of the past and plan.
PLAUSIBLE = DateRange(date(1900, 1, 1), date(2100, 12, 31))
# What the incubator itself plans or records as it happens (funds, payments, agreements, tokens,
# working days): nothing of it predates the district's first funds (fiscal years start at 2000).
IN_SERVICE = DateRange(date(2000, 1, 1), date(2100, 12, 31))
# Some organizations registered today were founded long ago (a guild, a charity of the 1800s).
FOUNDING = DateRange(date(1800, 1, 1), date(2100, 12, 31))


def has_control_characters(value: str) -> bool:
    return CONTROL.search(value.replace("\r\n", "\n").replace("\r", "\n")) is not None


def without_control_characters(value: str) -> str:
    """Line breaks as newlines, other control characters removed: for input read outside a
    form, where there is no field to show a message on (search boxes, filters)."""
    return CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def parse_int(raw: str, minimum: int = INT_MIN, maximum: int = INT_MAX) -> int | None:
    """An integer within bounds (32-bit by default), or None: never an exception, whatever the text."""
    raw = raw.strip()
    if not raw or len(raw) > 40:
        return None
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if minimum <= value <= maximum else None


class Checker:
    def __init__(self, data: Mapping[str, str]) -> None:
        self.data = data
        self.errors: dict[str, str] = {}

    def raw(self, name: str) -> str:
        """The field's text, stripped; control characters are refused (and removed from what is
        returned, so a lookup before `done()` cannot fail on them)."""
        value = self.data.get(name, "")
        if not isinstance(value, str):
            return ""
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        if CONTROL.search(value):
            self.fail(name, _("Remove the invisible control characters (often copied along with the text)."))
            value = CONTROL.sub("", value)
        return value.strip()

    def secret(self, name: str) -> str:
        """A password as typed (not stripped): control characters are refused."""
        value = self.data.get(name, "")
        if not isinstance(value, str):
            return ""
        if CONTROL.search(value):
            self.fail(name, _("Remove the invisible control characters (often copied along with the text)."))
        return value

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def done(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)

    def text(self, name: str, max_length: int, required: bool = False) -> str:
        value = self.raw(name)
        if required and not value:
            self.fail(name, _("This field is required."))
        elif len(value) > max_length:
            self.fail(name, _("At most %(n)s characters.", n=max_length))
            return value[:max_length]  # never longer than its column, even for a lookup
        return value

    def integer(
        self, name: str, minimum: int | None = None, maximum: int | None = None, required: bool = False
    ) -> int | None:
        """A whole number; a bound not given is that of the 32-bit integer columns."""
        raw = self.raw(name).replace(",", "").replace("，", "")
        if not raw:
            if required:
                self.fail(name, _("This field is required."))
            return None
        try:
            value = int(raw)
        except ValueError:  # not a number, or thousands of digits
            self.fail(name, _("Enter a whole number."))
            return None
        if minimum is not None and value < minimum:
            self.fail(name, _("Enter a number of at least %(n)s.", n=minimum))
            return None
        if maximum is not None and value > maximum:
            self.fail(name, _("Enter a number of at most %(n)s.", n=maximum))
            return None
        if maximum is None and value > INT_MAX:
            self.fail(name, _("This number is too large."))
            return None
        if minimum is None and value < INT_MIN:
            self.fail(name, _("This number is too small."))
            return None
        return value

    def ids(self, name: str, values: Iterable[object]) -> list[int]:
        """The ids of a multiple choice (checkboxes, a multi-select), sorted and distinct."""
        ids = set()
        for value in values:
            text = "" if value is None else str(value).strip()
            if not text:
                continue
            number = parse_int(text, minimum=1) if text.isascii() and text.isdigit() else None
            if number is None:
                self.fail(name, _("Choose one of the options."))
                return []
            ids.add(number)
        return sorted(ids)

    def choice(self, name: str, enum: type[E], required: bool = True) -> E | None:
        raw = self.raw(name)
        if not raw and not required:
            return None
        try:
            return enum(raw)
        except ValueError:
            self.fail(name, _("Choose one of the options."))
            return None

    def one_of(self, name: str, options: Iterable[str]) -> str | None:
        raw = self.raw(name)
        if raw not in set(options):
            self.fail(name, _("Choose one of the options."))
            return None
        return raw

    def flag(self, name: str) -> bool:
        return self.raw(name).lower() in {"1", "on", "true", "yes"}

    def email(self, name: str, required: bool = False) -> str:
        value = self.text(name, 254, required=required)
        if value and not _EMAIL.match(value):
            self.fail(name, _("Enter a valid email address."))
        return value

    def date(self, name: str, required: bool = False, within: DateRange = PLAUSIBLE) -> date | None:
        """A date as YYYY-MM-DD (also with / or . between the parts), within the field's range."""
        raw = self.raw(name).replace("/", "-").replace(".", "-")
        if not raw:
            if required:
                self.fail(name, _("This field is required."))
            return None
        try:
            value = date.fromisoformat(raw)
        except ValueError:
            self.fail(name, _("Enter a date as YYYY-MM-DD, for example 2026-03-01."))
            return None
        if value not in within:
            self.fail(name, within.message())
            return None
        return value

    def money(self, name: str, required: bool = True) -> int | None:
        """An amount in yuan as people type it (12,000.50, ¥3,000, 1.2万), as integer fen."""
        raw = self.raw(name)
        if not raw:
            if required:
                self.fail(name, _("Enter an amount in yuan, for example 12,000.50."))
            return None
        try:
            return parse_fen(raw)
        except MoneyError as exc:
            self.fail(name, exc.message)
            return None

    def time_of_day(self, name: str) -> str | None:
        raw = self.raw(name).replace("：", ":")
        if not raw:
            return None
        if len(raw) == 4 and raw[1] == ":":
            raw = "0" + raw
        if not _TIME.match(raw):
            self.fail(name, _("Enter a time as HH:MM, for example 08:30."))
            return None
        return raw
