"""Running the jobs: one runner at a time across processes (a lease row in the database),
every run recorded with its counts or its error."""

from __future__ import annotations

import logging
import os
import socket
import traceback
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from incubator.config import Settings
from incubator.jobs.models import JobLease, JobRun

log = logging.getLogger("incubator.jobs")
LEASE = "scheduled-jobs"
LEASE_TTL = timedelta(minutes=15)
# This process's name in the lease: host, pid and a random part (pids repeat across hosts).
HOLDER = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Settings], Awaitable[dict]]
    minutes: int = 60


async def _purge_expired_sessions(settings: Settings) -> dict:
    from incubator.auth import service as auth_service

    sessions, failures = await auth_service.purge_expired(settings)
    return {"sessions": sessions, "login_failures": failures}


async def _refresh_flags(settings: Settings) -> dict:
    from incubator.flags import service as flags

    return await flags.refresh_all()


async def _email_digest(settings: Settings) -> dict:
    from incubator.notifications import mail

    queued = await mail.queue_digests(settings)
    return {"queued": queued, **await mail.send_pending(settings)}


async def _tranche_readiness(settings: Settings) -> dict:
    from incubator.funding import service as funding

    return await funding.refresh_readiness()


JOBS = [
    Job("tranche_readiness", _tranche_readiness),
    Job("refresh_flags", _refresh_flags),
    Job("email_digest", _email_digest),
    Job("purge_expired_sessions", _purge_expired_sessions),
]


async def acquire_lease(holder: str = HOLDER, now: datetime | None = None) -> bool:
    """True when this holder now has the lease. The conditional UPDATE (or the INSERT's primary
    key) lets exactly one of several racing processes win."""
    now = now or datetime.now(UTC)
    taken = await JobLease.filter(name=LEASE).filter(expires_at__lt=now).update(
        holder=holder, expires_at=now + LEASE_TTL)
    if taken:
        return True
    if await JobLease.filter(name=LEASE, holder=holder).update(expires_at=now + LEASE_TTL):
        return True
    try:
        async with in_transaction():
            await JobLease.create(name=LEASE, holder=holder, expires_at=now + LEASE_TTL)
    except IntegrityError:
        return False
    return True


async def release_lease(holder: str = HOLDER) -> None:
    await JobLease.filter(name=LEASE, holder=holder).update(expires_at=datetime.now(UTC) - timedelta(seconds=1))


async def run_all(settings: Settings, holder: str = HOLDER) -> dict[str, object]:
    """Runs every job once if this process gets the lease; records each run."""
    if not await acquire_lease(holder):
        await JobRun.create(job="*", holder=holder, started_at=datetime.now(UTC), finished_at=datetime.now(UTC),
                            status="skipped", counts={"reason": "another process holds the lease"})
        return {"skipped": "another process holds the lease"}
    results: dict[str, object] = {}
    try:
        for job in JOBS:
            results[job.name] = await _run_one(job, settings, holder)
    finally:
        await release_lease(holder)
    return results


async def _run_one(job: Job, settings: Settings, holder: str) -> object:
    run = await JobRun.create(job=job.name, holder=holder, started_at=datetime.now(UTC))
    try:
        counts = await job.run(settings)
    except Exception as exc:
        log.exception("job %s failed", job.name)
        await JobRun.filter(id=run.id).update(finished_at=datetime.now(UTC), status="error",
                                              error="".join(traceback.format_exception_only(exc)).strip()[:4000])
        return {"error": str(exc)}
    await JobRun.filter(id=run.id).update(finished_at=datetime.now(UTC), status="ok", counts=counts)
    return counts


async def run_logged(settings: Settings) -> dict[str, object]:
    results = await run_all(settings)
    log.info("jobs: %s", results)
    return results


def build_scheduler(settings: Settings) -> AsyncIOScheduler:
    """All jobs hourly and once right at start-up. A run that comes late (the process was busy
    or asleep) still runs: APScheduler's default grace of 1 s would skip it."""
    scheduler = AsyncIOScheduler(timezone=settings.timezone)
    scheduler.add_job(
        run_logged, "interval", minutes=min(job.minutes for job in JOBS), args=[settings], id="jobs",
        next_run_time=datetime.now(scheduler.timezone), misfire_grace_time=600, coalesce=True, max_instances=1,
    )
    return scheduler


def start(settings: Settings) -> AsyncIOScheduler:
    scheduler = build_scheduler(settings)
    scheduler.start()
    return scheduler
