"""The booking forms: submitted text into typed commands (`commands.py`), every wrongly typed field
reported at once, keyed by the form's input names (the commands' field names)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time

from incubator.booking.commands import Book, Cancel, SetQuota, SetRules
from incubator.booking.models import SLOT_MINUTES
from incubator.i18n import gettext as _
from incubator.validation import Checker

FIELDS: dict[str, str] = {}  # the inputs are named as the commands' fields
BLOCK = "block"  # a manager's choice of "no organization": the time is blocked


def book(space_id: int, data: Mapping[str, str], *, manager: bool = False) -> Book:
    check = Checker(data)
    day = check.date("day", required=True)
    start = check.time_of_day("start")
    end = check.time_of_day("end")
    for name, value in (("start", start), ("end", end)):
        if value is None:
            check.fail(name, _("This field is required."))
    attendees = check.integer("attendees", minimum=1, maximum=10_000, required=True)
    purpose = check.text("purpose", 200)
    organization_id = None
    if manager and check.raw("organization_id") != BLOCK:
        organization_id = check.integer("organization_id", minimum=1, required=True)
    check.done()
    assert day is not None and start is not None and end is not None and attendees is not None
    return Book(space_id=space_id, day=day, start=time.fromisoformat(start), end=time.fromisoformat(end),
                attendees=attendees, purpose=purpose, organization_id=organization_id)


def cancel(data: Mapping[str, str]) -> Cancel:
    check = Checker(data)
    reason = check.text("reason", 300)
    check.done()
    return Cancel(reason=reason)


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
    values = {name: check.integer(name, minimum=0, maximum=high, required=True) for name, high in (
        ("week_hours", 168), ("month_hours", 744), ("open_bookings", 1000))}
    check.done()
    return SetQuota(**{k: v for k, v in values.items() if v is not None})
