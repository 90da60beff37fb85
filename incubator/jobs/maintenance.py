"""The database's own upkeep, a job of the jobs capability: the query planner's statistics."""

from __future__ import annotations

import time

from incubator import db
from incubator.config import Settings


async def refresh_statistics(settings: Settings) -> dict:
    """ANALYZE (see db.refresh_statistics): hourly, a fraction of a second at city scale; the page
    cache is untouched (statistics are not rows)."""
    started = time.perf_counter()
    await db.refresh_statistics()
    return {"milliseconds": round((time.perf_counter() - started) * 1000)}
