"""Personal API tokens: the secret is shown once and kept only as its SHA-256 hash (it is 256 random
bits, so a slow hash adds nothing); the token row also counts its requests in the current minute,
in the database, so every app process sees the same count (the rate limit)."""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class ApiToken(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.User", related_name="api_tokens", on_delete=fields.CASCADE
    )
    user_id: int
    name = fields.CharField(max_length=60)
    token_hash = fields.CharField(max_length=64, unique=True)
    prefix = fields.CharField(max_length=16)  # the secret's first characters, to recognise it by
    created_at = fields.DatetimeField()
    expires_on = fields.DateField()  # usable through this day
    revoked_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)
    last_used_address = fields.CharField(max_length=64, default="")
    # The rate limit's window: the minute (since the epoch) counted, and its requests so far.
    window_minute = fields.BigIntField(default=0)
    window_count = fields.IntField(default=0)

    class Meta:
        table = "api_token"
        indexes = [Index(fields=("user_id", "created_at"), name="ix_api_token_user")]

    def __str__(self) -> str:
        return self.name
