"""What an administrator asks of account administration, as typed commands."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from incubator.auth.commands import Secret, Username
from incubator.roles import Role
from incubator.validation import Email

Name = Annotated[str, Meta(min_length=1, max_length=100)]


class AccountDetails(Struct, frozen=True, kw_only=True):
    display_name: Name
    email: Email = ""
    role: Role
    language: str = "zh_CN"  # one of i18n.LOCALES
    organization_id: Annotated[int, Meta(ge=1)] | None = None  # members: their organization
    park_ids: tuple[int, ...] = ()  # park managers: the parks they manage


class CreateAccount(AccountDetails, frozen=True, kw_only=True):
    username: Username
    password: Secret


class UpdateAccount(AccountDetails, frozen=True, kw_only=True):
    is_active: bool = True


class ResetPassword(Struct, frozen=True, kw_only=True):
    password: Secret


class NewInvitation(Struct, frozen=True, kw_only=True):
    """Whom a manager or a member invites into an organization."""

    display_name: Name
    email: Email = ""
    username: Username = ""  # blank: the invitee chooses one


class AcceptInvitation(Struct, frozen=True, kw_only=True):
    """What the invitee chooses when accepting: the account's name and password."""

    username: Username
    display_name: Name
    password: Secret
    language: str = "zh_CN"
