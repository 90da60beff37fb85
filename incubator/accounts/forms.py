"""The account administration forms: submitted text into typed commands."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from incubator.accounts.commands import (
    AcceptInvitation,
    AccountDetails,
    CreateAccount,
    NewInvitation,
    ResetPassword,
    UpdateAccount,
)
from incubator.auth.passwords import password_problem
from incubator.i18n import LOCALES
from incubator.i18n import gettext as _
from incubator.roles import Role
from incubator.validation import Checker, decode

# A username is kept in lower case, however it is typed. What can be told without the database is
# told at once, beside the other fields' errors; the service checks it again (and whether it is taken).
USERNAME = {"username": lambda check, name: check.raw(name).lower() or None}


def _details(check: Checker, command: type[AccountDetails]) -> dict[str, Any]:
    """The fields every account has; a member's organization and a manager's parks by role."""
    values = check.read(command, skip=("organization_id", "park_ids"), choices={"language": LOCALES},
                        parsers=USERNAME)
    if values.get("role") == Role.MEMBER:
        values |= check.read(command, "organization_id")
        if "organization_id" not in values:
            check.fail("organization_id", _("An organization member needs an organization."))
    if values.get("role") == Role.MANAGER:
        values |= check.read(command, "park_ids")
        if "park_ids" not in values:
            check.fail("park_ids", _("A park manager needs at least one park."))
    return values


def create_account(data: Mapping[str, str], park_ids: Iterable[str] = ()) -> CreateAccount:
    check = Checker(data, {"park_ids": park_ids})
    values = _details(check, CreateAccount)
    if problem := password_problem(values.get("password", ""), check.raw("username").lower()):
        check.fail("password", problem)
    return check.build(CreateAccount, values)


def update_account(data: Mapping[str, str], park_ids: Iterable[str] = ()) -> UpdateAccount:
    check = Checker(data, {"park_ids": park_ids})
    return check.build(UpdateAccount, _details(check, UpdateAccount))


def reset_password(data: Mapping[str, str]) -> ResetPassword:
    return decode(ResetPassword, data)


def new_invitation(data: Mapping[str, str]) -> NewInvitation:
    return decode(NewInvitation, data, parsers=USERNAME)


def accept_invitation(data: Mapping[str, str], language: str) -> AcceptInvitation:
    """Every mistake at once: the name, the password's strength and its repetition."""
    check = Checker(data)
    values = check.read(AcceptInvitation, skip=("language",), parsers=USERNAME)
    password, again = values.get("password", ""), check.secret("password_again")
    if problem := password_problem(password, check.raw("username").lower()):
        check.fail("password", problem)
    elif password != again:
        check.fail("password_again", _("The two passwords differ."))
    return check.build(AcceptInvitation, values | {"language": language if language in LOCALES else "zh_CN"})
