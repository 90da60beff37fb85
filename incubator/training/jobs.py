"""Training's scheduled job: the day before a session, those signed up are reminded."""

from __future__ import annotations

from incubator.config import Settings
from incubator.training import notices


async def remind_tomorrow(settings: Settings) -> dict:
    return await notices.remind_tomorrow()
