"""Invitations: how an organization's people get their accounts. The link's secret is shown once
(or mailed) and kept only as its SHA-256 hash, like an API token's; the row says whether the link
is still open, and the database lets it be accepted once (a conditional update, see invitations.py)."""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model


class Invitation(Model):
    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.Organization", related_name="invitations", on_delete=fields.CASCADE
    )
    organization_id: int
    display_name = fields.CharField(max_length=100)
    email = fields.CharField(max_length=254, default="")
    username = fields.CharField(max_length=64, default="")  # suggested by the inviter; blank: the invitee's choice
    token_hash = fields.CharField(max_length=64, unique=True)
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.User", null=True, related_name="invitations_sent", on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    mailed_to = fields.CharField(max_length=254, default="")  # blank: the link was shown to the inviter
    accepted_at = fields.DatetimeField(null=True)
    user: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.User", null=True, related_name="invitation_accepted", on_delete=fields.SET_NULL
    )  # the account it made
    user_id: int | None
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "invitation"
        constraints = [
            # Used or withdrawn, never both: accepting and revoking each claim an open invitation.
            CheckConstraint(check="accepted_at IS NULL OR revoked_at IS NULL",
                            name="ck_invitation_accepted_or_revoked"),
        ]
        # The organization page lists its open invitations (SQLite does not index foreign keys by itself).
        indexes = [Index(fields=("organization_id", "accepted_at"), name="ix_invitation_organization")]

    def __str__(self) -> str:
        return self.display_name
