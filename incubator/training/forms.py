"""The training forms: submitted text into typed commands (`commands.py`), every wrongly typed field
reported at once, keyed by the form's input names."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, time
from typing import Any

from incubator import clock
from incubator.i18n import gettext as _
from incubator.organizations.models import Stage
from incubator.training.commands import (
    MAX_WEEKS,
    AddTopic,
    CancelSession,
    EditSession,
    GiveFeedback,
    Mark,
    PlanSessions,
    SavePerson,
    SelfCheckIn,
    SessionDetails,
    SetTrainingSettings,
    SignUp,
)
from incubator.training.models import Attendance, Audience, PersonRole
from incubator.validation import Checker

FIELDS = {"credit_minutes": "credit_hours"}  # command field → the form's input
_HOURS = re.compile(r"^\d{1,2}(\.\d{1,2})?$")
_PHONE = re.compile(r"^1\d{10}$")


def _hours(check: Checker, name: str) -> int | None:
    """Hours as typed (3, 1.5, 2.25) as whole minutes."""
    raw = check.raw(name)
    if not raw:
        check.fail(name, _("This field is required."))
        return None
    if not _HOURS.match(raw) or float(raw) > 24 or round(float(raw) * 60) != float(raw) * 60:
        check.fail(name, _("Enter hours such as 3 or 1.5 (at most 24)."))
        return None
    return round(float(raw) * 60)


def _when(check: Checker) -> tuple[date | None, time | None, time | None]:
    day = check.date("day", required=True)
    if day is not None and abs((day - clock.today()).days) > 366:
        check.fail("day", _("Choose a day within a year of today."))
        day = None
    times = []
    for name in ("start", "end"):
        value = check.time_of_day(name)
        if value is None:
            check.fail(name, _("This field is required."))
        times.append(time.fromisoformat(value) if value else None)
    if times[0] is not None and times[1] is not None and times[1] <= times[0]:
        check.fail("end", _("The end must be after the start."))
    return day, times[0], times[1]


def _details(check: Checker, lists: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    audience = check.choice("audience", Audience)
    stages = set()
    for value in lists.get("audience_stages", ()):
        try:
            stages.add(Stage(value).value)
        except ValueError:
            check.fail("audience_stages", _("Choose one of the options."))
    values = {
        "title": check.text("title", 150, required=True),
        "topic_id": check.integer("topic_id", minimum=1, required=True),
        "description": check.text("description", 5000),
        "trainer": check.text("trainer", 60, required=True),
        "trainer_organization": check.text("trainer_organization", 150),
        "trainer_external": check.flag("trainer_external"),
        "capacity": check.integer("capacity", minimum=1, maximum=1000, required=True),
        "per_organization": check.integer("per_organization", minimum=1, maximum=1000, required=True),
        "cancel_hours": check.integer("cancel_hours", minimum=0, maximum=24 * 14, required=True),
        "audience": audience,
        "audience_stages": frozenset(stages),
        "audience_organizations": frozenset(check.ids("audience_organizations",
                                                      lists.get("audience_organizations", ()))),
        "mandatory": check.flag("mandatory"),
        "credit_minutes": _hours(check, "credit_hours"),
    }
    return values


def plan(park_id: int, data: Mapping[str, str], lists: Mapping[str, Sequence[str]]) -> PlanSessions:
    check = Checker(data)
    details = _details(check, lists)
    space = check.integer("space_id", minimum=1, required=True)
    day, start, end = _when(check)
    weeks = check.integer("weeks", minimum=1, maximum=MAX_WEEKS) or 1
    check.done()
    assert space is not None and day is not None and start is not None and end is not None
    return PlanSessions(park_id=park_id, space_id=space, day=day, start=start, end=end, weeks=weeks,
                        details=SessionDetails(**details))


def edit(data: Mapping[str, str], lists: Mapping[str, Sequence[str]]) -> EditSession:
    check = Checker(data)
    details = _details(check, lists)
    space = check.integer("space_id", minimum=1, required=True)
    day, start, end = _when(check)
    whole = check.raw("scope") == "course"
    check.done()
    assert space is not None and day is not None and start is not None and end is not None
    return EditSession(details=SessionDetails(**details), whole_course=whole, space_id=space, day=day, start=start,
                       end=end)


def cancel(data: Mapping[str, str]) -> CancelSession:
    check = Checker(data)
    reason = check.text("reason", 300, required=True)
    check.done()
    return CancelSession(reason=reason)


def person(data: Mapping[str, str]) -> SavePerson:
    check = Checker(data)
    name = check.text("name", 60, required=True)
    phone = check.text("phone", 11)
    if phone and not _PHONE.match(phone):
        check.fail("phone", _("Enter an 11-digit mobile number."))
    role = check.choice("role", PersonRole)
    check.done()
    assert role is not None
    return SavePerson(name=name, phone=phone, role=role)


def sign_up(values: Sequence[str]) -> SignUp:
    check = Checker({})
    ids = check.ids("person_ids", values)
    if not ids and not check.errors:
        check.fail("person_ids", _("Choose who takes part."))
    check.done()
    return SignUp(person_ids=frozenset(ids))


def mark(data: Mapping[str, str]) -> Mark:
    check = Checker(data)
    attendance = check.choice("attendance", Attendance)
    check.done()
    assert attendance is not None
    return Mark(attendance=attendance)


def self_check_in(data: Mapping[str, str], values: Sequence[str]) -> SelfCheckIn:
    check = Checker(data)
    code = check.text("pass", 40)
    ids = check.ids("seat_ids", values)
    if not ids and not check.errors:
        check.fail("seat_ids", _("Choose who is here."))
    check.done()
    return SelfCheckIn(code=code, seat_ids=frozenset(ids))


def settings(data: Mapping[str, str]) -> SetTrainingSettings:
    check = Checker(data)
    hours = check.integer("min_hours", minimum=0, maximum=1000, required=True)
    check.done()
    assert hours is not None
    return SetTrainingSettings(min_hours=hours)


def feedback(data: Mapping[str, str]) -> GiveFeedback:
    check = Checker(data)
    rating = check.integer("rating", minimum=1, maximum=5, required=True)
    comment = check.text("comment", 500)
    check.done()
    assert rating is not None
    return GiveFeedback(rating=rating, comment=comment)


def topic(data: Mapping[str, str]) -> AddTopic:
    check = Checker(data)
    name_zh = check.text("name_zh", 60, required=True)
    name_en = check.text("name_en", 80)
    check.done()
    return AddTopic(name_zh=name_zh, name_en=name_en)
