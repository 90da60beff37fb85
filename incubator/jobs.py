"""Scheduled jobs. A job only picks its targets and calls a service; each is idempotent,
so running it twice, or in two processes at once, changes nothing more."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from incubator.auth import service as auth_service
from incubator.config import Settings

log = logging.getLogger("incubator.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Settings], Awaitable[object]]
    minutes: int


async def purge_expired_sessions(settings: Settings) -> object:
    sessions, failures = await auth_service.purge_expired(settings)
    return {"sessions": sessions, "login_failures": failures}


JOBS = [Job("purge_expired_sessions", purge_expired_sessions, minutes=60)]


async def run_all(settings: Settings) -> dict[str, object]:
    results: dict[str, object] = {}
    for job in JOBS:
        results[job.name] = await job.run(settings)
    return results


async def run_logged(job: Job, settings: Settings) -> object:
    result = await job.run(settings)
    log.info("job %s: %s", job.name, result)
    return result


def build_scheduler(settings: Settings) -> AsyncIOScheduler:
    """Every job hourly-or-so and once right at start-up. A run that comes late (the process
    was busy or asleep) still runs: APScheduler's default grace of 1 s would skip it."""
    scheduler = AsyncIOScheduler(timezone=settings.timezone)
    now = datetime.now(scheduler.timezone)
    for job in JOBS:
        scheduler.add_job(
            run_logged, "interval", minutes=job.minutes, args=[job, settings], id=job.name,
            next_run_time=now, misfire_grace_time=600, coalesce=True, max_instances=1,
        )
    return scheduler


def start(settings: Settings) -> AsyncIOScheduler:
    scheduler = build_scheduler(settings)
    scheduler.start()
    return scheduler
