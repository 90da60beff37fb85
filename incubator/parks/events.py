"""What the parks capability tells the others, after the change has committed."""

from __future__ import annotations

from dataclasses import dataclass

from incubator.events import Event


@dataclass(frozen=True)
class ParkCreated(Event):
    """A park was opened: the capabilities that keep per-park defaults (an admission scorecard,
    a review plan) seed them here, so no page has to write them when it is first shown."""

    park_id: int
