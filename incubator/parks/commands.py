"""What a user asks of parks and spaces, as typed, immutable commands.

The HTML forms (`forms.py`) and the JSON API build the same commands; the services take only
these. `msgspec.json.schema(SpaceDetails)` gives the JSON Schema.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated

from msgspec import Meta, Struct

from incubator.i18n import N_
from incubator.parks.models import WEEKDAYS, ParkKind, SpaceKind

Term = Annotated[int, Meta(ge=1, le=60, description="an incubation term, in months")]


class ParkDetails(Struct, frozen=True, kw_only=True):
    """What a park's managers set about it (administrators also set its kind and status)."""

    name_zh: Annotated[str, Meta(min_length=1, max_length=100)]
    name_en: Annotated[str, Meta(max_length=150)] = ""
    theme: Annotated[str, Meta(max_length=200)] = ""
    address: Annotated[str, Meta(max_length=300)] = ""
    floor_area_m2: Annotated[int, Meta(ge=1, le=1_000_000)] | None = None
    resident_slots: Annotated[int, Meta(ge=0, le=10_000)] = 0
    operator: Annotated[str, Meta(max_length=200)] = ""
    description: Annotated[str, Meta(max_length=5000)] = ""
    # The incubation terms the park offers, ascending and distinct.
    agreement_terms: Annotated[tuple[Term, ...], Meta(min_length=1, extra={
        "message": N_("Each term is between 1 and 60 months.")})] = (6, 12, 24)
    registration_due_months: Annotated[int, Meta(ge=1, le=60)] = 6
    accepts_applications: bool = True


class CreatePark(ParkDetails, frozen=True, kw_only=True):
    """An administrator opens a park (or the district's one hub)."""

    kind: ParkKind = ParkKind.PARK


class UpdatePark(ParkDetails, frozen=True, kw_only=True):
    """A park's new details. `kind` and `is_active` are the administrators' (None: unchanged)."""

    kind: ParkKind | None = None
    is_active: bool | None = None


class Hours(Struct, frozen=True, kw_only=True):
    """Open on one day from `opens` until `closes`: a span always ends after it starts."""

    opens: time
    closes: time

    def __post_init__(self) -> None:
        if self.closes <= self.opens:
            raise ValueError("a day's hours must close after they open")

    def as_stored(self) -> list[str]:
        return [self.opens.strftime("%H:%M"), self.closes.strftime("%H:%M")]


class OpeningHours(Struct, frozen=True, kw_only=True):
    """A space's hours on each weekday; None: closed that day."""

    mon: Hours | None = None
    tue: Hours | None = None
    wed: Hours | None = None
    thu: Hours | None = None
    fri: Hours | None = None
    sat: Hours | None = None
    sun: Hours | None = None

    def days(self) -> dict[str, Hours | None]:
        return {day: getattr(self, day) for day in WEEKDAYS}

    def any_open(self) -> bool:
        return any(hours is not None for hours in self.days().values())

    def as_stored(self) -> dict[str, list[str] | None]:
        """As the space's JSON column holds them: {"mon": ["08:30", "17:30"], "sun": None, ...}."""
        return {day: hours.as_stored() if hours else None for day, hours in self.days().items()}


class SpaceDetails(Struct, frozen=True, kw_only=True):
    """A space of a park, new or changed."""

    kind: SpaceKind
    name: Annotated[str, Meta(min_length=1, max_length=100)]
    capacity: Annotated[int, Meta(ge=1, le=10_000, description="people")]
    area_m2: Annotated[int, Meta(ge=1, le=100_000)] | None = None
    opening_hours: OpeningHours = OpeningHours()
    bookable: bool = False
    needs_approval: bool = False  # only a bookable space can need approval
    is_active: bool = True
