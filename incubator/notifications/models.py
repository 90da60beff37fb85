"""The in-app inbox: one row per message to one user."""

from tortoise import fields
from tortoise.models import Model


class Notification(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.User", related_name="notifications", on_delete=fields.CASCADE
    )
    user_id: int
    kind = fields.CharField(max_length=32)
    link = fields.CharField(max_length=200, default="")
    details: fields.JSONField[dict] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(db_index=True)
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notification"
        ordering = ["-created_at", "-id"]
        indexes = (("user_id", "read_at"),)


class OutboxEmail(Model):
    # Mail is written here in the same transaction as what caused it, and sent after commit by
    # the jobs, with retries. `key` makes a digest once per user and day, however often jobs run.
    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=80, unique=True)
    to = fields.CharField(max_length=254)
    subject = fields.CharField(max_length=200)
    body = fields.TextField()
    created_at = fields.DatetimeField()
    send_after = fields.DatetimeField(db_index=True)
    sent_at = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(default="")

    class Meta:
        table = "outbox_email"
        ordering = ["id"]
