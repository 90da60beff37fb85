"""The scheduled jobs: one runner at a time across processes, every run recorded."""

import asyncio
from datetime import UTC, datetime, timedelta

from incubator import jobs
from incubator.jobs import service
from incubator.jobs.models import JobLease, JobRun


async def test_run_all_runs_every_job_and_records_it(clean, settings):
    results = await jobs.run_all(settings, holder="web-1")
    assert set(results) == {job.name for job in jobs.JOBS}
    runs = await JobRun.all().order_by("id")
    assert [r.job for r in runs] == [job.name for job in jobs.JOBS]
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

    monkeypatch.setattr(service, "JOBS", [service.Job("broken", broken), *service.JOBS])
    results = await service.run_all(settings, holder="web-1")
    failed = await JobRun.get(job="broken")
    assert failed.status == "error" and "disk full" in failed.error
    assert (await JobRun.get(job="refresh_flags")).status == "ok" and "error" in results["broken"]
    assert await service.acquire_lease("someone-else")  # the lease was released despite the error


def test_scheduler_runs_at_start_and_then_hourly(settings):
    scheduler = jobs.build_scheduler(settings)  # built, never started: tests call jobs directly
    [job] = scheduler.get_jobs()
    assert job.trigger.interval == timedelta(minutes=60)
    assert job.misfire_grace_time >= 60 and job.coalesce and job.max_instances == 1


async def test_admin_reads_the_job_history(browser, admin, settings):
    await jobs.run_all(settings, holder="web-1")
    await browser.login("admin")
    page = await browser.get("/jobs")
    assert "refresh_flags" in page.text and "web-1" in page.text


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
