"""The flags' scheduled job: every capability's sources reconciled with the stored flags."""

from __future__ import annotations

from incubator.config import Settings
from incubator.flags import service


async def refresh_flags(settings: Settings) -> dict:
    return await service.refresh_all()
