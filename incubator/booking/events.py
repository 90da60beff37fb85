"""What the booking capability tells the others (and itself), after the change has committed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from incubator.events import Event


@dataclass(frozen=True)
class TimeFreed(Event):
    """A space's time held by a booking is free again (cancelled, rejected, released, moved away)."""

    space_id: int
    starts_at: datetime
    held_until: datetime


@dataclass(frozen=True)
class NoShowRecorded(Event):
    """Nobody of the organization checked in to its booking: released by the job, counted as a no-show."""

    organization_id: int
    booking_id: int
    space_name: str
    starts_at: datetime
