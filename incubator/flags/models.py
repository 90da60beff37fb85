"""Flags a manager acts on (a review due or overdue, a term ending…), raised by the scheduled
jobs across every park. One row per target, kind and period: the unique constraint makes a
job that runs twice, or in two processes, unable to raise the same flag twice."""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import UniqueConstraint
from tortoise.models import Model


class Flag(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=32)
    target_type = fields.CharField(max_length=32)
    target_id = fields.IntField()
    period = fields.CharField(max_length=32, default="")
    park: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.Park", related_name="flags", on_delete=fields.CASCADE
    )
    park_id: int
    organization: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.Organization", null=True, related_name="flags", on_delete=fields.CASCADE
    )
    organization_id: int | None
    due_on = fields.DateField(null=True)
    details: fields.JSONField[dict] = fields.JSONField(default=dict)
    raised_at = fields.DatetimeField()
    resolved_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "flag"
        ordering = ["due_on", "id"]
        constraints = [
            UniqueConstraint(fields=("kind", "target_type", "target_id", "period"), name="uq_flag_target_period"),
        ]
        # Pages filter on these (SQLite does not index foreign keys by itself).
        indexes = [
            Index(fields=("organization_id",), name="ix_flag_organization"),
            # A park's open flags by due date (home pages, the flags list), read from the index alone.
            Index(fields=("park_id", "resolved_at", "due_on", "id"), name="ix_flag_park_open"),
            Index(fields=("resolved_at", "due_on", "id"), name="ix_flag_open"),  # the district's
        ]
