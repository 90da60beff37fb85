"""Booking's scheduled job: bookings nobody checked in to are released (no-shows)."""

from __future__ import annotations

from incubator.booking import check_in
from incubator.config import Settings


async def release_no_shows(settings: Settings) -> dict:
    return await check_in.release_no_shows()
