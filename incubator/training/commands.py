"""What a user asks of training, as typed, immutable commands (forms and the JSON API build the same
ones; the service takes only these)."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated

from msgspec import Meta, Struct

from incubator.i18n import N_
from incubator.training.models import Attendance, Audience, PersonRole

MAX_WEEKS = 12  # a course of weekly sessions created in one step


class SessionDetails(Struct, frozen=True, kw_only=True):
    """What a session is, apart from when and where: edited for one session or a whole course."""

    title: Annotated[str, Meta(min_length=1, max_length=150)]
    topic_id: Annotated[int, Meta(ge=1)]
    description: Annotated[str, Meta(max_length=5000)] = ""
    trainer: Annotated[str, Meta(min_length=1, max_length=60)]
    trainer_organization: Annotated[str, Meta(max_length=150)] = ""
    trainer_external: bool = False
    capacity: Annotated[int, Meta(ge=1, le=1000)]
    per_organization: Annotated[int, Meta(ge=1, le=1000)] = 2
    cancel_hours: Annotated[int, Meta(ge=0, le=24 * 14)] = 24
    audience: Audience = Audience.RESIDENTS
    audience_stages: frozenset[str] = frozenset()  # organizations.models.Stage values
    audience_organizations: frozenset[int] = frozenset()
    mandatory: bool = False
    credit_minutes: Annotated[int, Meta(ge=0, le=24 * 60, extra={
        "message": N_("Enter hours such as 3 or 1.5 (at most 24).")})]


class PlanSessions(Struct, frozen=True, kw_only=True):
    """New sessions: one, or a course of `weeks` weekly sessions at the same time and room."""

    park_id: int
    space_id: Annotated[int, Meta(ge=1)]
    day: date
    start: time
    end: time
    weeks: Annotated[int, Meta(ge=1, le=MAX_WEEKS)] = 1
    details: SessionDetails


class EditSession(Struct, frozen=True, kw_only=True):
    """A session's details, for it alone or for every session of its course not yet begun; its own
    time and room (one session at a time)."""

    details: SessionDetails
    whole_course: bool = False
    space_id: Annotated[int, Meta(ge=1)]
    day: date
    start: time
    end: time


class CancelSession(Struct, frozen=True, kw_only=True):
    reason: Annotated[str, Meta(min_length=1, max_length=300)]


class SavePerson(Struct, frozen=True, kw_only=True):
    name: Annotated[str, Meta(min_length=1, max_length=60)]
    phone: Annotated[str, Meta(max_length=11, pattern=r"^1\d{10}$", extra={
        "message": N_("Enter an 11-digit mobile number.")})] = ""
    role: PersonRole = PersonRole.STAFF


class SignUp(Struct, frozen=True, kw_only=True):
    person_ids: Annotated[frozenset[int], Meta(min_length=1, extra={"required": N_("Choose who takes part.")})]


class Mark(Struct, frozen=True, kw_only=True):
    attendance: Attendance


class SelfCheckIn(Struct, frozen=True, kw_only=True):
    code: Annotated[str, Meta(max_length=40)] = ""  # the scanned pass ("minute.signature"); the service checks it
    seat_ids: Annotated[frozenset[int], Meta(min_length=1, extra={"required": N_("Choose who is here.")})]


class SetTrainingSettings(Struct, frozen=True, kw_only=True):
    min_hours: Annotated[int, Meta(ge=0, le=1000)] = 0


class GiveFeedback(Struct, frozen=True, kw_only=True):
    rating: Annotated[int, Meta(ge=1, le=5)]
    comment: Annotated[str, Meta(max_length=500)] = ""


class AddTopic(Struct, frozen=True, kw_only=True):
    name_zh: Annotated[str, Meta(min_length=1, max_length=60)]
    name_en: Annotated[str, Meta(max_length=80)] = ""
