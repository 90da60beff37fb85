"""The booking forms: submitted text into typed commands (`commands.py`), every wrongly typed field
reported at once, keyed by the form's input names (the commands' field names)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from msgspec import Struct

from incubator import clock
from incubator.booking.commands import Book, Cancel, Move, SetQuota, SetRules, Watch
from incubator.booking.models import SLOT_MINUTES
from incubator.i18n import gettext as _
from incubator.validation import Checker, decode

FIELDS: dict[str, str] = {}  # the inputs are named as the commands' fields
BLOCK = "block"  # a manager's choice of "no organization": the time is blocked


def _when(check: Checker, command: type[Struct]) -> dict[str, Any]:
    """The day, start and end every booking form has (a day within a year of today)."""
    values = check.read(command, "day", "start", "end")
    if "day" in values and abs((values["day"] - clock.today()).days) > 366:
        check.fail("day", _("Choose a day within a year of today."))
    return values


def book(space_id: int, data: Mapping[str, str], *, manager: bool = False, skipped: Sequence[str] = ()) -> Book:
    """`skipped`: the days of a weekly series not to book, as the page offered them."""
    check = Checker(data)
    values = _when(check, Book) | check.read(Book, "attendees", "purpose", "weeks", required={"attendees"})
    if manager and check.raw("organization_id") != BLOCK:
        values |= check.read(Book, "organization_id", required={"organization_id"})
    skip = set()
    for text in skipped:
        try:
            skip.add(date.fromisoformat(text))
        except ValueError:
            check.fail("weeks", _("Choose one of the options."))
    return check.build(Book, values | {"space_id": space_id, "skip": frozenset(skip)})


def watch(space_id: int, data: Mapping[str, str]) -> Watch:
    check = Checker(data)
    return check.build(Watch, _when(check, Watch) | {"space_id": space_id})


def move(data: Mapping[str, str], space_ids: list[int]) -> Move:
    """`space_ids`: the park's spaces, where the booking may move."""
    check = Checker(data)
    values = check.read(Move, "space_id", "reason", choices={"space_id": space_ids})
    return check.build(Move, values | _when(check, Move))


def cancel(data: Mapping[str, str]) -> Cancel:
    return decode(Cancel, data)


def set_rules(data: Mapping[str, str]) -> SetRules:
    """Every rule is given: the form shows the space's."""
    return decode(SetRules, data, required=SetRules.__struct_fields__, choices={"slot_minutes": SLOT_MINUTES})


def set_quota(data: Mapping[str, str]) -> SetQuota:
    """A graduate's quota left empty is none."""
    return decode(SetQuota, data, required=("week_hours", "month_hours", "open_bookings"))
