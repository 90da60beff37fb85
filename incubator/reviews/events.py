"""What the reviews capability tells the others, after the change has committed."""

from __future__ import annotations

from dataclasses import dataclass

from incubator.events import Event


@dataclass(frozen=True)
class ReviewDecided(Event):
    review_id: int
    organization_id: int
    code: str
    decision: str
