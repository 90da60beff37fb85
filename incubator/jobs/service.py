"""Running the jobs: one runner at a time across processes, every run recorded with its counts
or its error, and nothing that a runner killed mid-run (kill -9, out of memory) leaves behind
blocks or loses anything afterwards.

Who runs:
- PostgreSQL: a session-level advisory lock (pg_try_advisory_lock), taken on a connection of
  its own, opened from the configured database URL and held for the whole run; never a pooled
  ORM connection, which would go back to the pool with the lock still held. The server releases
  the lock when that connection ends, so it dies with its process.
- SQLite: a lease row, short (LEASE_TTL) and renewed by a heartbeat while the run works. The
  holder's name carries host and pid: a lease held by a process of this host that no longer
  exists is taken over at once; one from another host lapses after LEASE_TTL at most.
On both, the lease row names the last holder for the job page, and the winner closes the runs
that a dead runner left "running" as "abandoned" (only the lock's holder writes running rows,
so whoever wrote them is gone). Each job is idempotent, so the rerun repairs the rest."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import traceback
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from tortoise.exceptions import IntegrityError

from incubator import capability, clock, events
from incubator.capability import Job
from incubator.config import Settings, is_sqlite
from incubator.i18n import N_, gettext
from incubator.jobs.models import JobLease, JobRun

log = logging.getLogger("incubator.jobs")
LEASE = "scheduled-jobs"
# A live runner renews its lease every HEARTBEAT; a dead one's lapses after LEASE_TTL at most.
LEASE_TTL = timedelta(seconds=60)
HEARTBEAT = timedelta(seconds=20)
# pg_try_advisory_lock's key: the first 8 bytes of sha256(b"incubator:scheduled-jobs"), signed.
ADVISORY_LOCK_KEY = -489561188452886777
SKIPPED = "another process holds the lease"
# This process's name in the lease: host, pid and a random part (pids repeat across hosts).
HOST = socket.gethostname()[:40]
HOLDER = f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


RUN_STATUS_LABELS = {
    "running": N_("running"),
    "ok": N_("done"),
    "error": N_("failed"),
    "skipped": N_("skipped"),
    "abandoned": N_("abandoned"),
}
# What a run's counts may say besides the jobs' own: a skipped run names why.
RUN_COUNT_LABELS = {"reason": N_("reason"), "error": N_("error")}


def describe_run(job: str, counts: dict) -> tuple[str, list[tuple[str, object]]]:
    """A run's job and counts as the job page shows them, in the reader's language."""
    by_name = {j.name: j for j in capability.jobs()}
    known = by_name.get(job)
    name = gettext(known.label) if known else (gettext("All jobs") if job == "*" else job)
    labels = {**RUN_COUNT_LABELS, **(known.count_labels if known else {})}
    shown = []
    for key, value in counts.items():
        if key == "reason" and value == SKIPPED:
            value = gettext("another process was running the jobs")
        shown.append((gettext(labels[key]) if key in labels else key, value))
    return name, shown


def _process_gone(holder: str) -> bool:
    """True when the holder was a process of this host that no longer runs (or is a zombie,
    which holds nothing). A holder from another host, or not named host:pid:random, is unknown."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != HOST or not pid_text.isdigit() or int(pid_text) <= 0 or int(pid_text) == os.getpid():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: it exists, as another user
        return False
    if not Path("/proc/self/stat").exists():
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return True
    except (OSError, IndexError):
        return False
    return state in ("Z", "X")


async def acquire_lease(holder: str = HOLDER, now: datetime | None = None) -> bool:
    """True when this holder now has the lease row. Conditional UPDATEs (or the INSERT's primary
    key) let exactly one of several racing processes win: an expired lease, this holder's own,
    a new row, or a lease whose holder died on this host (taken only from that same holder)."""
    now = now or clock.now()
    until = now + LEASE_TTL
    if await JobLease.filter(name=LEASE, expires_at__lt=now).update(holder=holder, expires_at=until):
        return True
    if await JobLease.filter(name=LEASE, holder=holder).update(expires_at=until):
        return True
    current = await JobLease.filter(name=LEASE).first()
    if current is None:
        try:
            async with events.transaction():
                await JobLease.create(name=LEASE, holder=holder, expires_at=until)
        except IntegrityError:
            return False
        return True
    if _process_gone(current.holder):
        log.warning("taking over the jobs lease of %s: that process no longer exists", current.holder)
        return bool(await JobLease.filter(name=LEASE, holder=current.holder).update(holder=holder, expires_at=until))
    return False


async def renew_lease(holder: str = HOLDER) -> bool:
    """The heartbeat: False when the lease is no longer this holder's."""
    return bool(await JobLease.filter(name=LEASE, holder=holder).update(expires_at=clock.now() + LEASE_TTL))


async def release_lease(holder: str = HOLDER) -> None:
    await JobLease.filter(name=LEASE, holder=holder).update(expires_at=clock.now() - timedelta(seconds=1))


async def _record_holder(holder: str) -> None:
    """PostgreSQL: the advisory lock decides; the lease row only tells the job page who runs."""
    until = clock.now() + LEASE_TTL
    if await JobLease.filter(name=LEASE).update(holder=holder, expires_at=until):
        return
    try:
        async with events.transaction():
            await JobLease.create(name=LEASE, holder=holder, expires_at=until)
    except IntegrityError:
        await JobLease.filter(name=LEASE).update(holder=holder, expires_at=until)


class RunnerLock:
    """Held by the one process that runs the jobs. `lost` turns true if the heartbeat finds
    that it is no longer held (its connection broke, or its lease went to someone else)."""

    def __init__(self, holder: str) -> None:
        self.holder = holder
        self.lost = False

    async def acquire(self) -> bool:
        raise NotImplementedError

    async def renew(self) -> bool:
        raise NotImplementedError

    async def release(self) -> None:
        raise NotImplementedError

    async def heartbeat(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), HEARTBEAT.total_seconds())
                return
            try:
                held = await self.renew()
            except Exception:
                log.exception("renewing the jobs lock of %s failed", self.holder)
                continue
            if not held:
                log.error("the jobs lock of %s was lost; no further job starts in this run", self.holder)
                self.lost = True
                return


class LeaseLock(RunnerLock):
    """SQLite: the lease row, renewed by the heartbeat."""

    async def acquire(self) -> bool:
        return await acquire_lease(self.holder)

    async def renew(self) -> bool:
        return await renew_lease(self.holder)

    async def release(self) -> None:
        await release_lease(self.holder)


def _connect_kwargs(database_url: str) -> dict:
    from tortoise.backends.base.config_generator import expand_db_url

    credentials = expand_db_url(database_url)["credentials"]
    kwargs = {key: credentials[key] for key in ("host", "port", "user", "password", "database", "ssl")
              if credentials.get(key) is not None}
    return kwargs


class AdvisoryLock(RunnerLock):
    """PostgreSQL: a session-level advisory lock on a dedicated connection (not the ORM's pool)."""

    def __init__(self, holder: str, database_url: str) -> None:
        super().__init__(holder)
        self.database_url = database_url
        self.connection = None

    async def acquire(self) -> bool:
        import asyncpg

        connection = await asyncpg.connect(**_connect_kwargs(self.database_url), timeout=10,
                                           server_settings={"application_name": f"jobs {self.holder}"[:63]})
        try:
            taken = await connection.fetchval("SELECT pg_try_advisory_lock($1)", ADVISORY_LOCK_KEY)
            if taken:
                self.connection = connection
                await _record_holder(self.holder)
        except BaseException:
            connection.terminate()
            self.connection = None
            raise
        if not taken:
            await connection.close()
        return bool(taken)

    async def renew(self) -> bool:
        if self.connection is None or self.connection.is_closed():
            return False
        await self.connection.fetchval("SELECT 1", timeout=10)
        await renew_lease(self.holder)  # the page's "until"; the lock is what counts
        return True

    async def release(self) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        try:
            await release_lease(self.holder)
        finally:
            try:
                await connection.fetchval("SELECT pg_advisory_unlock($1)", ADVISORY_LOCK_KEY)
                await connection.close()
            except Exception:
                connection.terminate()  # closing the session releases the lock as well


@contextlib.asynccontextmanager
async def runner_lock(settings: Settings, holder: str = HOLDER) -> AsyncIterator[RunnerLock | None]:
    """The lock held while running the jobs, renewed meanwhile and released afterwards (also
    after an error), or None when another runner holds it."""
    lock: RunnerLock = LeaseLock(holder) if is_sqlite(settings.database_url) else AdvisoryLock(
        holder, settings.database_url)
    if not await lock.acquire():
        yield None
        return
    stop = asyncio.Event()
    beat = asyncio.create_task(lock.heartbeat(stop))
    try:
        yield lock
    finally:
        stop.set()
        await beat
        await lock.release()


async def close_abandoned_runs(holder: str = HOLDER) -> int:
    """Runs still "running" when a runner gets the lock were left by a process that died."""
    # `error` keeps which runner closed them; the page says it in the reader's language.
    closed = await JobRun.filter(status="running").update(status="abandoned", finished_at=clock.now(), error=holder)
    if closed:
        log.warning("%s closed %s job runs left running by a dead process", holder, closed)
    return closed


async def run_all(settings: Settings, holder: str = HOLDER, *, within_minutes: int | None = None
                  ) -> dict[str, object]:
    """Runs every job once if this process gets the lock (or, with `within_minutes`, only the jobs
    that ask to run at least that often); records each run."""
    async with runner_lock(settings, holder) as lock:
        if lock is None:
            now = clock.now()
            await JobRun.create(job="*", holder=holder, started_at=now, finished_at=now, status="skipped",
                                counts={"reason": SKIPPED})
            return {"skipped": SKIPPED}
        await close_abandoned_runs(holder)
        results: dict[str, object] = {}
        for job in capability.jobs():
            if lock.lost:
                break
            if within_minutes is not None and job.minutes > within_minutes:
                continue
            results[job.name] = await _run_one(job, settings, holder)
        return results


async def _run_one(job: Job, settings: Settings, holder: str) -> object:
    run = await JobRun.create(job=job.name, holder=holder, started_at=clock.now())
    try:
        counts = await job.run(settings)
    except Exception as exc:
        log.exception("job %s failed", job.name)
        await JobRun.filter(id=run.id).update(finished_at=clock.now(), status="error",
                                              error="".join(traceback.format_exception_only(exc)).strip()[:4000])
        return {"error": str(exc)}
    await JobRun.filter(id=run.id).update(finished_at=clock.now(), status="ok", counts=counts)
    return counts


async def run_logged(settings: Settings, within_minutes: int | None = None) -> dict[str, object]:
    results = await run_all(settings, within_minutes=within_minutes)
    log.info("jobs: %s", results)
    return results


HOURLY = 60


def build_scheduler(settings: Settings) -> AsyncIOScheduler:
    """All jobs hourly and once right at start-up; the jobs that ask to run more often (releasing
    no-show bookings: every 5 minutes) also at their own pace in between. A run that comes late (the
    process was busy or asleep) still runs: APScheduler's default grace of 1 s would skip it."""
    scheduler = AsyncIOScheduler(timezone=settings.timezone)
    scheduler.add_job(
        run_logged, "interval", minutes=HOURLY, args=[settings], id="jobs",
        next_run_time=datetime.now(scheduler.timezone), misfire_grace_time=600, coalesce=True, max_instances=1,
    )
    frequent = min((job.minutes for job in capability.jobs() if job.minutes < HOURLY), default=None)
    if frequent is not None:
        scheduler.add_job(run_logged, "interval", minutes=frequent, args=[settings, frequent], id="frequent_jobs",
                          misfire_grace_time=frequent * 60, coalesce=True, max_instances=1)
    return scheduler


def start(settings: Settings) -> AsyncIOScheduler:
    scheduler = build_scheduler(settings)
    scheduler.start()
    return scheduler
