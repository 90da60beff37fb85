"""The booking forms: submitted text into typed commands (`commands.py`), every wrongly typed field
reported at once, keyed by the form's input names (the commands' field names)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, time

from incubator import clock
from incubator.booking.commands import MAX_WEEKS, Book, Cancel, Move, SetQuota, SetRules, Watch
from incubator.booking.models import SLOT_MINUTES
from incubator.i18n import gettext as _
from incubator.validation import Checker

FIELDS: dict[str, str] = {}  # the inputs are named as the commands' fields
BLOCK = "block"  # a manager's choice of "no organization": the time is blocked


def _when(check: Checker) -> tuple[date | None, str | None, str | None]:
    """The day, start and end every booking form has (a day within a year of today)."""
    day = check.date("day", required=True)
    if day is not None and abs((day - clock.today()).days) > 366:
        check.fail("day", _("Choose a day within a year of today."))
        day = None
    start = check.time_of_day("start")
    end = check.time_of_day("end")
    for name, value in (("start", start), ("end", end)):
        if value is None:
            check.fail(name, _("This field is required."))
    return day, start, end


def book(space_id: int, data: Mapping[str, str], *, manager: bool = False, skipped: Sequence[str] = ()) -> Book:
    check = Checker(data)
    day, start, end = _when(check)
    attendees = check.integer("attendees", minimum=1, maximum=10_000, required=True)
    purpose = check.text("purpose", 200)
    organization_id = None
    if manager and check.raw("organization_id") != BLOCK:
        organization_id = check.integer("organization_id", minimum=1, required=True)
    weeks = check.integer("weeks", minimum=1, maximum=MAX_WEEKS) or 1
    skip = set()
    for text in skipped:
        try:
            skip.add(date.fromisoformat(text))
        except ValueError:
            check.fail("weeks", _("Choose one of the options."))
    check.done()
    assert day is not None and start is not None and end is not None and attendees is not None
    return Book(space_id=space_id, day=day, start=time.fromisoformat(start), end=time.fromisoformat(end),
                attendees=attendees, purpose=purpose, organization_id=organization_id, weeks=weeks,
                skip=frozenset(skip))


def watch(space_id: int, data: Mapping[str, str]) -> Watch:
    check = Checker(data)
    day, start, end = _when(check)
    check.done()
    assert day is not None and start is not None and end is not None
    return Watch(space_id=space_id, day=day, start=time.fromisoformat(start), end=time.fromisoformat(end))


def move(data: Mapping[str, str], space_ids: list[int]) -> Move:
    check = Checker(data)
    space = check.one_of("space_id", [str(i) for i in space_ids])
    day, start, end = _when(check)
    reason = check.text("reason", 300)
    check.done()
    assert space is not None and day is not None and start is not None and end is not None
    return Move(space_id=int(space), day=day, start=time.fromisoformat(start), end=time.fromisoformat(end),
                reason=reason)


def cancel(data: Mapping[str, str]) -> Cancel:
    check = Checker(data)
    reason = check.text("reason", 300)
    rest = check.raw("rest_of_series") == "1"
    check.done()
    return Cancel(reason=reason, rest_of_series=rest)


def set_rules(data: Mapping[str, str]) -> SetRules:
    check = Checker(data)
    slot = check.one_of("slot_minutes", [str(m) for m in SLOT_MINUTES])
    values = {name: check.integer(name, minimum=low, maximum=high, required=True) for name, low, high in (
        ("min_minutes", 1, 1440), ("max_minutes", 1, 1440), ("notice_minutes", 0, 60 * 24 * 30),
        ("horizon_days", 1, 366), ("buffer_minutes", 0, 240), ("release_minutes", 0, 240))}
    check.done()
    assert slot is not None
    return SetRules(slot_minutes=int(slot), **{k: v for k, v in values.items() if v is not None})


def set_quota(data: Mapping[str, str]) -> SetQuota:
    check = Checker(data)
    values = {name: check.integer(name, minimum=0, maximum=high, required=required) for name, high, required in (
        ("week_hours", 168, True), ("month_hours", 744, True), ("open_bookings", 1000, True),
        ("graduate_week_hours", 168, False), ("graduate_month_hours", 744, False),
        ("graduate_open_bookings", 1000, False))}
    check.done()
    return SetQuota(**{k: v for k, v in values.items() if v is not None})
