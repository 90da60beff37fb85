"""The in-app inbox: one row per message to one user."""

from tortoise import fields
from tortoise.models import Model


class Notification(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.User", related_name="notifications", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=32)
    link = fields.CharField(max_length=200, default="")
    details = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(db_index=True)
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notification"
        ordering = ["-created_at", "-id"]
        indexes = (("user_id", "read_at"),)
