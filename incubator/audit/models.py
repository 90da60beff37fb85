"""The audit trail: who changed what, when, with the values before and after."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from incubator.audit import labels


class AuditEntry(Model):
    id = fields.IntField(primary_key=True)
    at = fields.DatetimeField(db_index=True)
    # The actor is kept by id and by name: the name survives the account's removal.
    actor: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.User", null=True, related_name="audit_entries", on_delete=fields.SET_NULL
    )
    actor_id: int | None
    actor_name = fields.CharField(max_length=100, default="")
    action = fields.CharField(max_length=40)
    object_type = fields.CharField(max_length=40)
    object_id = fields.CharField(max_length=40)
    object_repr = fields.CharField(max_length=200, default="")
    # {"field": [before, after], ...}
    changes: fields.JSONField[dict] = fields.JSONField(default=dict)
    address = fields.CharField(max_length=64, default="")

    class Meta:
        table = "audit_entry"
        ordering = ["-at", "-id"]
        indexes = (("object_type", "object_id"),)

    @property
    def object_label(self) -> str:
        return labels.object_label(self.object_type)

    @property
    def shown_changes(self) -> list[tuple[str, str, str]]:
        """(field label, before, after) in the reader's language."""
        rows = []
        for name, pair in (self.changes or {}).items():
            before, after = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
            rows.append((labels.field_label(self.object_type, name),
                         labels.value_text(self.object_type, name, before),
                         labels.value_text(self.object_type, name, after)))
        return rows
