"""Scheduled jobs. A job only picks its targets and calls services; each is idempotent and
works from the current state, so a rerun changes nothing and a missed day is caught up."""

from incubator.jobs.service import JOBS, Job, build_scheduler, run_all, run_logged, start

__all__ = ["JOBS", "Job", "build_scheduler", "run_all", "run_logged", "start"]
