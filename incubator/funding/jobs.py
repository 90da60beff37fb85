"""Seed funding's scheduled job: tranches whose condition came true become ready, or are held."""

from __future__ import annotations

from incubator.config import Settings
from incubator.funding import service


async def tranche_readiness(settings: Settings) -> dict:
    return await service.refresh_readiness()
