"""What a user asks of shared spaces, as typed, immutable commands (forms and the JSON API build
the same ones; the service takes only these)."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated

from msgspec import Meta, Struct

MAX_WEEKS = 26


class Book(Struct, frozen=True, kw_only=True):
    """A booking of one space, on one day, in the park's time zone. A member books for their own
    organization; a manager names the organization, or none to block the time."""

    space_id: int
    day: date
    start: time
    end: time
    attendees: Annotated[int, Meta(ge=1, le=10_000)] = 1
    purpose: Annotated[str, Meta(max_length=200)] = ""
    organization_id: Annotated[int, Meta(ge=1)] | None = None
    weeks: Annotated[int, Meta(ge=1, le=MAX_WEEKS)] = 1  # a weekly series: this day and the weeks after it
    skip: frozenset[date] = frozenset()  # days of the series not to book


class Cancel(Struct, frozen=True, kw_only=True):
    reason: Annotated[str, Meta(max_length=300)] = ""
    rest_of_series: bool = False  # also the later dates of the booking's weekly series


class Move(Struct, frozen=True, kw_only=True):
    """A manager moves a booking to another time (and space) of the same park."""

    space_id: int
    day: date
    start: time
    end: time
    reason: Annotated[str, Meta(max_length=300)] = ""


class Watch(Struct, frozen=True, kw_only=True):
    """Be told when a taken time of a space frees."""

    space_id: int
    day: date
    start: time
    end: time


class SetRules(Struct, frozen=True, kw_only=True):
    """How a space may be booked (its park's managers set it)."""

    slot_minutes: int = 30  # one of models.SLOT_MINUTES
    min_minutes: Annotated[int, Meta(ge=1, le=1440)] = 30
    max_minutes: Annotated[int, Meta(ge=1, le=1440)] = 240
    notice_minutes: Annotated[int, Meta(ge=0, le=60 * 24 * 30)] = 60
    horizon_days: Annotated[int, Meta(ge=1, le=366)] = 60
    buffer_minutes: Annotated[int, Meta(ge=0, le=240)] = 0
    release_minutes: Annotated[int, Meta(ge=0, le=240)] = 15


class SetQuota(Struct, frozen=True, kw_only=True):
    """A park's quota per organization, shared by its members."""

    week_hours: Annotated[int, Meta(ge=0, le=168)] = 8
    month_hours: Annotated[int, Meta(ge=0, le=744)] = 16
    open_bookings: Annotated[int, Meta(ge=0, le=1000)] = 4
    graduate_week_hours: Annotated[int, Meta(ge=0, le=168)] = 0  # all zero: graduates no longer book
    graduate_month_hours: Annotated[int, Meta(ge=0, le=744)] = 0
    graduate_open_bookings: Annotated[int, Meta(ge=0, le=1000)] = 0
