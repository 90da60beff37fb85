"""What each account administration page shows, typed."""

from __future__ import annotations

from dataclasses import dataclass, field

from incubator.auth.models import User
from incubator.parks.models import Park
from incubator.web import Page


@dataclass
class AccountsPage:  # accounts/users.html
    users: list[User]
    page: Page
    parks_by_user: dict[int, list[Park]]
    q: str
    role: str
    roles: list[tuple[str, str]]


@dataclass
class AccountFormPage:  # accounts/user_form.html
    values: dict
    errors: dict[str, str]
    edited: User | None
    actions: frozenset[str]  # service.account_actions for the edited account (empty when creating)
    roles: list[tuple[str, str]]
    parks: list[Park]
    organization_options: list[tuple[int, str]]
    languages: tuple[str, ...]
    password_errors: dict[str, str] = field(default_factory=dict)


@dataclass
class OrganizationChoices:  # accounts/_organization_choices.html (also inside the account form)
    organization_options: list[tuple[int, str]]
    values: dict
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class UsernameCheck:  # accounts/_username_check.html
    problem: str | None
    username: str
