"""What a user asks of shared spaces, as typed, immutable commands (forms and the JSON API build
the same ones; the service takes only these)."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated

from msgspec import Meta, Struct


class Book(Struct, frozen=True, kw_only=True):
    """A booking of one space, on one day, in the park's time zone. A member books for their own
    organization; a manager names the organization, or none to block the time."""

    space_id: int
    day: date
    start: time
    end: time
    attendees: Annotated[int, Meta(ge=1, le=10_000)] = 1
    purpose: Annotated[str, Meta(max_length=200)] = ""
    organization_id: int | None = None


class Cancel(Struct, frozen=True, kw_only=True):
    reason: Annotated[str, Meta(max_length=300)] = ""
