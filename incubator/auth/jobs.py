"""The accounts' scheduled job."""

from __future__ import annotations

from incubator.auth import service
from incubator.config import Settings


async def purge_expired_sessions(settings: Settings) -> dict:
    sessions, failures = await service.purge_expired(settings)
    return {"sessions": sessions, "login_failures": failures}
