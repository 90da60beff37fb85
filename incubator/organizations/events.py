"""What the organizations capability tells the others, after the change has committed."""

from __future__ import annotations

from dataclasses import dataclass

from incubator.events import Event


@dataclass(frozen=True)
class StageChanged(Event):
    """An organization moved along its path (admitted, extended, graduated, exited…), or arrived on
    it in a resident stage by an import (`source` empty)."""

    organization_id: int
    source: str
    target: str
