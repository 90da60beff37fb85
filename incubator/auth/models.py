"""Accounts, roles, server-side sessions and login throttling."""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint
from tortoise.models import Model

from incubator.i18n import gettext
from incubator.roles import ROLE_LABELS, Role


class User(Model):
    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    display_name = fields.CharField(max_length=100)
    email = fields.CharField(max_length=254, default="")
    password_hash = fields.CharField(max_length=255)
    role = fields.CharEnumField(Role, max_length=16)
    language = fields.CharField(max_length=8, default="zh_CN")
    is_active = fields.BooleanField(default=True)
    # An organization member belongs to exactly one organization; other roles to none.
    organization: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.Organization", null=True, related_name="members", on_delete=fields.RESTRICT
    )
    organization_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    password_changed_at = fields.DatetimeField(null=True)
    last_login_at = fields.DatetimeField(null=True)

    class Meta:
        table = "account"
        ordering = ["username"]
        constraints = [
            CheckConstraint(
                check="(role = 'member') = (organization_id IS NOT NULL)",
                name="ck_account_member_has_organization",
            ),
        ]
        # Pages filter on these (SQLite does not index foreign keys by itself).
        indexes = [
            Index(fields=("organization_id",), name="ix_account_organization"),
            Index(fields=("role", "display_name"), name="ix_account_role"),  # evaluators to assign, by name
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def role_label(self) -> str:
        return gettext(ROLE_LABELS[Role(self.role)])


class ParkManager(Model):
    # A park manager's assignment to a park: the scope of what they may manage.

    id = fields.IntField(primary_key=True)
    park: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.Park", related_name="manager_links", on_delete=fields.CASCADE
    )
    park_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "incubator.User", related_name="park_links", on_delete=fields.CASCADE
    )
    user_id: int

    class Meta:
        table = "park_manager"
        constraints = [UniqueConstraint(fields=("park_id", "user_id"), name="uq_park_manager")]
        # Pages filter on these (SQLite does not index foreign keys by itself).
        indexes = [
            Index(fields=("user_id",), name="ix_park_manager_user"),
        ]

class UserSession(Model):
    # A signed-in browser. The cookie holds a random token; we keep only its hash.

    id = fields.IntField(primary_key=True)
    key_hash = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "incubator.User", related_name="sessions", on_delete=fields.CASCADE
    )
    user_id: int
    created_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)
    address = fields.CharField(max_length=64, default="")
    user_agent = fields.CharField(max_length=300, default="")

    class Meta:
        table = "user_session"
        # Pages filter on these (SQLite does not index foreign keys by itself).
        indexes = [
            Index(fields=("user_id",), name="ix_user_session_user"),
        ]

class LoginFailure(Model):
    # One failed sign-in, kept for the throttling window only.

    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, db_index=True)
    address = fields.CharField(max_length=64, db_index=True)
    at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "login_failure"
