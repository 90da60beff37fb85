"""The scheduled jobs: one runner at a time across processes, every run recorded, and a runner
that dies (kill -9) blocks nobody: its lock or lease goes with it and its runs are closed."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tortoise.connection import connections

from incubator import capability, jobs
from incubator.capability import Job
from incubator.jobs import service
from incubator.jobs.models import JobLease, JobRun

ROOT = Path(__file__).resolve().parent.parent


async def test_run_all_runs_every_job_and_records_it(clean, settings):
    results = await jobs.run_all(settings, holder="web-1")
    assert set(results) == {job.name for job in capability.jobs()}
    runs = await JobRun.all().order_by("id")
    assert [r.job for r in runs] == [job.name for job in capability.jobs()]
    assert all(r.status == "ok" and r.finished_at is not None for r in runs)
    assert {r.job: r.counts for r in runs}["refresh_flags"] == results["refresh_flags"]


async def test_only_one_holder_has_the_lease(clean):
    assert await service.acquire_lease("a")
    assert not await service.acquire_lease("b")
    assert await service.acquire_lease("a")  # renewing
    await service.release_lease("a")
    assert await service.acquire_lease("b")


async def test_an_expired_lease_is_taken_over(clean):
    await JobLease.create(name=service.LEASE, holder="crashed", expires_at=datetime.now(UTC) - timedelta(minutes=1))
    assert await service.acquire_lease("new")
    assert (await JobLease.get(name=service.LEASE)).holder == "new"


async def test_two_concurrent_runners_only_one_works(clean, settings):
    results = await asyncio.gather(*(jobs.run_all(settings, holder=f"process-{n}") for n in range(2)))
    worked = [r for r in results if "skipped" not in r]
    assert len(worked) == 1
    assert await JobRun.filter(status="skipped").count() == 1
    assert await JobRun.filter(job="refresh_flags", status="ok").count() == 1


async def test_a_failing_job_is_recorded_and_the_others_still_run(clean, settings, monkeypatch):
    async def broken(settings):
        raise ValueError("disk full")

    everything = capability.jobs()
    monkeypatch.setattr(capability, "jobs", lambda: [Job("broken", broken, "broken"), *everything])
    results = await service.run_all(settings, holder="web-1")
    failed = await JobRun.get(job="broken")
    assert failed.status == "error" and "disk full" in failed.error
    assert (await JobRun.get(job="refresh_flags")).status == "ok" and "error" in results["broken"]
    async with service.runner_lock(settings, "someone-else") as lock:
        assert lock is not None  # the lock (or lease) was released despite the error


# A runner in a process of its own, killed (SIGKILL: no finally, no atexit) in the middle of a run
# while it holds the lock or lease exactly as the scheduler's runner does.
KILLED_RUNNER = """
import asyncio, os, signal, sys
from pathlib import Path
from incubator import capability, db
from incubator.app import install_capabilities
from incubator.capability import Job
from incubator.config import Settings
from incubator.jobs import service

async def die_mid_run(settings):
    os.kill(os.getpid(), signal.SIGKILL)

async def main(url, data_dir):
    install_capabilities()
    everything = capability.jobs()
    after = [job.name for job in everything].index("refresh_flags") + 1
    capability.jobs = lambda: [*everything[:after], Job("dies_mid_run", die_mid_run, "dies"), *everything[after:]]
    async with db.connected(url):
        await service.run_all(Settings(database_url=url, secret_key="k" * 40, run_scheduler=False,
                                       data_dir=Path(data_dir)))

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


async def run_and_kill_a_runner(database_url: str, tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", KILLED_RUNNER, database_url, str(tmp_path),
                                                   cwd=ROOT)
    assert await asyncio.wait_for(process.wait(), 60) == -signal.SIGKILL
    # It was killed while holding the lock (the lease row names the holder once it has it), in the
    # middle of its run.
    assert f":{process.pid}:" in (await JobLease.get(name=service.LEASE)).holder
    assert await JobRun.filter(job="dies_mid_run", status="running").count() == 1
    assert await JobRun.filter(job="refresh_flags", status="ok").count() == 1
    if not database_url.startswith("sqlite"):
        await advisory_locks_released()


async def advisory_locks_released(seconds: float = 5.0) -> None:
    """The server ends a killed client's session when it reads the closed socket (milliseconds)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        [row] = await connections.get("default").execute_query_dict(
            "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
        if row["n"] == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the killed runner's advisory lock outlived its process")


async def test_a_killed_runner_does_not_block_the_next_run(clean, settings, database_url, tmp_path):
    await run_and_kill_a_runner(database_url, tmp_path)
    started = time.monotonic()
    results = await jobs.run_all(settings, holder="web-2")
    assert "skipped" not in results and set(results) == {job.name for job in capability.jobs()}
    assert time.monotonic() - started < 10
    assert await JobRun.filter(status="skipped").count() == 0
    assert await JobRun.filter(job="refresh_flags", status="ok").count() == 2
    # The rerun repaired what the dead runner left: its run is closed, the lock is free again.
    killed = await JobRun.get(job="dies_mid_run")
    assert killed.status == "abandoned" and killed.finished_at is not None
    async with service.runner_lock(settings, "web-3") as lock:
        assert lock is not None


async def test_runs_left_running_by_a_dead_process_are_closed_as_abandoned(clean, settings):
    crashed_at = datetime.now(UTC) - timedelta(hours=2)
    dead = await JobRun.create(job="refresh_flags", holder="gone:4242:0000", started_at=crashed_at)
    await jobs.run_all(settings, holder="web-1")
    dead = await JobRun.get(id=dead.id)
    assert dead.status == "abandoned" and dead.finished_at is not None and dead.finished_at > crashed_at
    assert "web-1" in dead.error
    assert await JobRun.filter(status="running").count() == 0
    assert await JobRun.filter(status="ok").count() == len(capability.jobs())


async def test_a_skipped_run_leaves_the_working_runs_alone(clean, settings):
    async with service.runner_lock(settings, "web-1") as lock:
        assert lock is not None
        working = await JobRun.create(job="refresh_flags", holder="web-1", started_at=datetime.now(UTC))
        assert await jobs.run_all(settings, holder="web-2") == {"skipped": "another process holds the lease"}
    assert (await JobRun.get(id=working.id)).status == "running"
    assert await JobRun.filter(status="skipped", holder="web-2").count() == 1


async def test_a_long_run_renews_its_lease_and_others_skip_meanwhile(clean, settings, monkeypatch):
    monkeypatch.setattr(service, "HEARTBEAT", timedelta(seconds=0.05))
    seen: dict[str, object] = {}

    async def long_job(settings):
        first = (await JobLease.get(name=service.LEASE)).expires_at
        await asyncio.sleep(0.3)
        seen["renewed"] = (await JobLease.get(name=service.LEASE)).expires_at > first
        seen["other"] = await service.run_all(settings, holder="web-2")
        return {}

    monkeypatch.setattr(capability, "jobs", lambda: [Job("long", long_job, "long")])
    await service.run_all(settings, holder="web-1")
    assert seen == {"renewed": True, "other": {"skipped": "another process holds the lease"}}
    assert (await JobRun.get(job="long")).status == "ok"


def dead_pid() -> int:
    process = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                             text=True, check=True)
    return int(process.stdout)


async def test_a_lease_held_by_a_dead_process_of_this_host_is_taken_over_at_once(clean):
    host = socket.gethostname()[:40]
    until = datetime.now(UTC) + timedelta(minutes=1)
    await JobLease.create(name=service.LEASE, holder=f"{host}:{os.getpid()}:alive000", expires_at=until)
    assert not await service.acquire_lease("new")  # a live process keeps its lease
    await JobLease.filter(name=service.LEASE).update(holder=f"elsewhere:{dead_pid()}:other000")
    assert not await service.acquire_lease("new")  # another host's pid says nothing here: it lapses
    dead = f"{host}:{dead_pid()}:dead0000"
    await JobLease.filter(name=service.LEASE).update(holder=dead)
    assert await service.acquire_lease("new")
    assert (await JobLease.get(name=service.LEASE)).holder == "new"


def test_scheduler_runs_at_start_and_then_hourly_and_the_frequent_jobs_in_between(settings):
    scheduler = jobs.build_scheduler(settings)  # built, never started: tests call jobs directly
    hourly, frequent = sorted(scheduler.get_jobs(), key=lambda job: job.id)[::-1]
    assert (hourly.id, hourly.trigger.interval) == ("jobs", timedelta(minutes=60))
    assert hourly.misfire_grace_time >= 60 and hourly.coalesce and hourly.max_instances == 1
    assert (frequent.id, frequent.trigger.interval) == ("frequent_jobs", timedelta(minutes=5))  # no-show release
    assert frequent.coalesce and frequent.max_instances == 1


async def test_a_frequent_run_runs_only_the_jobs_that_ask_for_it(clean, settings):
    results = await jobs.run_all(settings, holder="web-1", within_minutes=5)
    assert set(results) == {"release_no_shows"}


async def test_admin_reads_the_job_history(browser, admin, settings):
    await jobs.run_all(settings, holder="web-1")
    await browser.login("admin")
    page = await browser.get("/jobs")
    assert "生成和解除提醒" in page.text and "web-1" in page.text  # the job's name, not its code
    assert "refresh_flags" not in page.text


async def test_admin_corrects_the_calendar(browser, admin):
    from incubator.calendar.models import WorkdayOverride

    await browser.login("admin")
    bad = await browser.post("/calendar", {"day": "2027-02-30", "is_working": "1"})
    assert bad.status_code == 400
    good = await browser.post("/calendar", {"day": "2027-02-07", "is_working": "1", "note": "春节调休"})
    assert good.status_code == 303
    override = await WorkdayOverride.get(day="2027-02-07")
    assert override.is_working
    await browser.post(f"/calendar/{override.id}/delete")
    assert not await WorkdayOverride.exists()


async def test_the_statistics_job_gives_the_query_planner_each_table_s_size(park, settings):
    """Without statistics SQLite picks an index by its shape alone; the job brings them up to date
    on both databases (the count read back is the planner's, not a count of the rows)."""
    from incubator.organizations.models import Organization

    for n in range(7):
        await Organization.create(park=park, name_zh=f"统计{n}")
    results = await jobs.run_all(settings, holder="web-1")
    assert set(results["refresh_statistics"]) == {"milliseconds"}
    connection = connections.get("default")
    if connection.capabilities.dialect == "sqlite":
        stats = await connection.execute_query_dict(
            "SELECT stat FROM sqlite_stat1 WHERE tbl = 'organization' AND idx = 'ix_organization_park_stage'")
        assert [row["stat"].split()[0] for row in stats] == ["7"]
    else:
        (row,) = await connection.execute_query_dict("SELECT reltuples FROM pg_class WHERE relname = 'organization'")
        assert row["reltuples"] == 7
