"""The audit trail: who changed what, when, with the values before and after."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class AuditEntry(Model):
    id = fields.IntField(primary_key=True)
    at = fields.DatetimeField(db_index=True)
    # The actor is kept by id and by name: the name survives the account's removal.
    actor: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.User", null=True, related_name="audit_entries", on_delete=fields.SET_NULL
    )
    actor_name = fields.CharField(max_length=100, default="")
    action = fields.CharField(max_length=40)
    object_type = fields.CharField(max_length=40)
    object_id = fields.CharField(max_length=40)
    object_repr = fields.CharField(max_length=200, default="")
    # {"field": [before, after], ...}
    changes = fields.JSONField(default=dict)
    address = fields.CharField(max_length=64, default="")

    class Meta:
        table = "audit_entry"
        ordering = ["-at", "-id"]
        indexes = (("object_type", "object_id"),)
