"""A closed month: the district's figures as they were reported, kept as a snapshot."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class ClosedMonth(Model):
    """A month whose figures were closed: the snapshot of every park's facts (dashboards.figures)
    taken when it was closed, read by the dashboard and the monthly report ever after. Reopened,
    the row stays with its reason, and closing again takes a new snapshot."""

    id = fields.IntField(primary_key=True)
    month = fields.CharField(max_length=7, unique=True)  # "2026-03"
    is_closed = fields.BooleanField(default=True)
    facts: fields.JSONField[dict] = fields.JSONField(default=dict)
    closed_at = fields.DatetimeField()
    closed_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.User", related_name="closed_months", null=True, on_delete=fields.SET_NULL)
    closed_by_name = fields.CharField(max_length=100, default="")
    reopened_at = fields.DatetimeField(null=True)
    reopened_by_name = fields.CharField(max_length=100, default="")
    reopen_reason = fields.TextField(default="")

    class Meta:
        table = "closed_month"
        ordering = ["-month"]

    def __str__(self) -> str:
        return self.month
