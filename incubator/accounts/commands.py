"""What an administrator asks of account administration, as typed commands."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from incubator.roles import Role

Name = Annotated[str, Meta(min_length=1, max_length=100)]


class AccountDetails(Struct, frozen=True, kw_only=True):
    display_name: Name
    email: Annotated[str, Meta(max_length=254)] = ""
    role: Role
    language: str = "zh_CN"
    organization_id: int | None = None  # members: their organization
    park_ids: tuple[int, ...] = ()  # park managers: the parks they manage


class CreateAccount(AccountDetails, frozen=True, kw_only=True):
    username: Annotated[str, Meta(min_length=3, max_length=64)]
    password: Annotated[str, Meta(max_length=1000)]


class UpdateAccount(AccountDetails, frozen=True, kw_only=True):
    is_active: bool = True


class ResetPassword(Struct, frozen=True, kw_only=True):
    password: Annotated[str, Meta(max_length=1000)]


class NewInvitation(Struct, frozen=True, kw_only=True):
    """Whom a manager or a member invites into an organization."""

    display_name: Name
    email: Annotated[str, Meta(max_length=254)] = ""
    username: Annotated[str, Meta(max_length=64)] = ""  # blank: the invitee chooses one


class AcceptInvitation(Struct, frozen=True, kw_only=True):
    """What the invitee chooses when accepting: the account's name and password."""

    username: Annotated[str, Meta(min_length=3, max_length=64)]
    display_name: Name
    password: Annotated[str, Meta(max_length=1000)]
    language: str = "zh_CN"
