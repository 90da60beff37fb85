"""Runs of the scheduled jobs, and the lease that lets only one process run them at a time."""

from tortoise import fields
from tortoise.models import Model


class JobLease(Model):
    # Whoever holds an unexpired lease runs the jobs; the others skip. A row per lease name.
    name = fields.CharField(max_length=40, primary_key=True)
    holder = fields.CharField(max_length=80)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "job_lease"


class JobRun(Model):
    id = fields.IntField(primary_key=True)
    job = fields.CharField(max_length=60, db_index=True)
    holder = fields.CharField(max_length=80, default="")
    started_at = fields.DatetimeField(db_index=True)
    finished_at = fields.DatetimeField(null=True)
    status = fields.CharField(max_length=12, default="running")  # running, ok, error, skipped, abandoned
    counts: fields.JSONField[dict] = fields.JSONField(default=dict)
    error = fields.TextField(default="")

    class Meta:
        table = "job_run"
        ordering = ["-started_at", "-id"]
