"""Scheduled jobs. Each capability declares its jobs in its manifest; a job only picks its
targets and calls services, is idempotent and works from the current state, so a rerun changes
nothing and a missed day is caught up. This package runs them: one runner at a time."""

from incubator.jobs.service import build_scheduler, run_all, run_logged, start

__all__ = ["build_scheduler", "run_all", "run_logged", "start"]
