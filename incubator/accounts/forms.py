"""The account administration forms: submitted text into typed commands."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from incubator.accounts.commands import (
    AcceptInvitation,
    CreateAccount,
    NewInvitation,
    ResetPassword,
    UpdateAccount,
)
from incubator.auth.passwords import password_problem
from incubator.auth.service import USERNAME
from incubator.i18n import LOCALES
from incubator.i18n import gettext as _
from incubator.roles import Role
from incubator.validation import Checker


def _details(check: Checker, park_ids: Iterable[str]) -> dict:
    role = check.choice("role", Role)
    details = {
        "display_name": check.text("display_name", 100, required=True),
        "email": check.email("email"),
        "role": role,
        "language": check.one_of("language", LOCALES) or "zh_CN",
        "organization_id": check.integer("organization_id", minimum=1) if role == Role.MEMBER else None,
        "park_ids": tuple(check.ids("park_ids", park_ids)) if role == Role.MANAGER else (),
    }
    if role == Role.MEMBER and details["organization_id"] is None:
        check.fail("organization_id", _("An organization member needs an organization."))
    if role == Role.MANAGER and not details["park_ids"]:
        check.fail("park_ids", _("A park manager needs at least one park."))
    return details


def create_account(data: Mapping[str, str], park_ids: Iterable[str] = ()) -> CreateAccount:
    check = Checker(data)
    username = check.text("username", 64, required=True).lower()
    password = check.secret("password")
    # What can be told without the database is told at once, beside the other fields' errors;
    # the service checks it again (and whether the name is taken).
    if username and not USERNAME.match(username):
        check.fail("username", _("Use 3 to 64 lower-case letters, digits, dots, dashes or underscores."))
    if problem := password_problem(password, username):
        check.fail("password", problem)
    details = _details(check, park_ids)
    check.done()
    return CreateAccount(username=username, password=password, **details)


def update_account(data: Mapping[str, str], park_ids: Iterable[str] = ()) -> UpdateAccount:
    check = Checker(data)
    details = _details(check, park_ids)
    is_active = check.flag("is_active")
    check.done()
    return UpdateAccount(is_active=is_active, **details)


def reset_password(data: Mapping[str, str]) -> ResetPassword:
    check = Checker(data)
    password = check.secret("password")
    check.done()
    return ResetPassword(password=password)


def _username(check: Checker, required: bool) -> str:
    username = check.text("username", 64, required=required).lower()
    if username and not USERNAME.match(username):
        check.fail("username", _("Use 3 to 64 lower-case letters, digits, dots, dashes or underscores."))
    return username


def new_invitation(data: Mapping[str, str]) -> NewInvitation:
    check = Checker(data)
    invitation = {"display_name": check.text("display_name", 100, required=True), "email": check.email("email"),
                  "username": _username(check, required=False)}
    check.done()
    return NewInvitation(**invitation)


def accept_invitation(data: Mapping[str, str], language: str) -> AcceptInvitation:
    """Every mistake at once: the name, the password's strength and its repetition."""
    check = Checker(data)
    username = _username(check, required=True)
    display_name = check.text("display_name", 100, required=True)
    password = check.secret("password")
    again = check.secret("password_again")
    if problem := password_problem(password, username):
        check.fail("password", problem)
    elif password != again:
        check.fail("password_again", _("The two passwords differ."))
    check.done()
    return AcceptInvitation(username=username, display_name=display_name, password=password,
                            language=language if language in LOCALES else "zh_CN")
