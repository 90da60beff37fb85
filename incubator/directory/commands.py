"""What an organization asks of the directory, as typed, immutable commands (the forms build them;
the service takes only these)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from msgspec import Meta, Struct

from incubator.directory.models import CONTACT_MAX, SUMMARY_MAX


class SaveListing(Struct, frozen=True, kw_only=True):
    listed: bool  # the organization agrees to be in the public directory
    contact: Annotated[str, Meta(max_length=CONTACT_MAX)] = ""


class ProjectDetails(Struct, frozen=True, kw_only=True):
    name: Annotated[str, Meta(min_length=1, max_length=100)]
    domain_id: Annotated[int, Meta(ge=1)] | None = None
    started_on: date
    ended_on: date | None = None
    people_reached: Annotated[int, Meta(ge=0, le=100_000_000)] = 0
    summary: Annotated[str, Meta(max_length=SUMMARY_MAX)] = ""
