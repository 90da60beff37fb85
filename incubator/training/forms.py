"""The training forms: submitted text into typed commands (`commands.py`), every wrongly typed field
reported at once, keyed by the form's input names."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from msgspec import Struct

from incubator import clock
from incubator.i18n import gettext as _
from incubator.organizations.models import Stage
from incubator.training.commands import (
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
from incubator.validation import Checker, decode

FIELDS = {"credit_minutes": "credit_hours"}  # command field → the form's input
_HOURS = re.compile(r"^\d{1,2}(\.\d{1,2})?$")


def _minutes(check: Checker, name: str) -> int | None:
    """Hours as typed (3, 1.5, 2.25) as whole minutes."""
    raw = check.raw(name)
    if raw and (not _HOURS.match(raw) or round(float(raw) * 60) != float(raw) * 60):
        check.fail(name, _("Enter hours such as 3 or 1.5 (at most 24)."))
    return round(float(raw) * 60) if raw and name not in check.errors else None


def _when(check: Checker, command: type[Struct]) -> dict[str, Any]:
    """The day (within a year of today), start and end (after the start) of a session."""
    values = check.read(command, "day", "start", "end")
    if "day" in values and abs((values["day"] - clock.today()).days) > 366:
        check.fail("day", _("Choose a day within a year of today."))
    if "start" in values and "end" in values and values["end"] <= values["start"]:
        check.fail("end", _("The end must be after the start."))
    return values


def _details(check: Checker) -> dict[str, Any]:
    return check.read(SessionDetails, names=FIELDS, parsers={"credit_minutes": _minutes},
                      required={"per_organization", "cancel_hours"},
                      choices={"audience_stages": [stage.value for stage in Stage]})


def plan(park_id: int, data: Mapping[str, str], lists: Mapping[str, Sequence[str]]) -> PlanSessions:
    check = Checker(data, lists)
    values = {"details": _details(check)} | check.read(PlanSessions, "space_id", "weeks") | _when(check, PlanSessions)
    return check.build(PlanSessions, values | {"park_id": park_id})


def edit(data: Mapping[str, str], lists: Mapping[str, Sequence[str]]) -> EditSession:
    check = Checker(data, lists)
    values = {"details": _details(check)} | check.read(EditSession, "space_id") | _when(check, EditSession)
    return check.build(EditSession, values | {"whole_course": check.raw("scope") == "course"})


def cancel(data: Mapping[str, str]) -> CancelSession:
    return decode(CancelSession, data)


def person(data: Mapping[str, str]) -> SavePerson:
    return decode(SavePerson, data)


def sign_up(values: Sequence[str]) -> SignUp:
    return decode(SignUp, {}, lists={"person_ids": values})


def mark(data: Mapping[str, str]) -> Mark:
    return decode(Mark, data)


def self_check_in(data: Mapping[str, str], values: Sequence[str]) -> SelfCheckIn:
    return decode(SelfCheckIn, data, lists={"seat_ids": values}, names={"code": "pass"})


def settings(data: Mapping[str, str]) -> SetTrainingSettings:
    return decode(SetTrainingSettings, data, required={"min_hours"})


def feedback(data: Mapping[str, str]) -> GiveFeedback:
    return decode(GiveFeedback, data)


def topic(data: Mapping[str, str]) -> AddTopic:
    return decode(AddTopic, data)
