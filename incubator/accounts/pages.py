"""What each account administration page shows, typed."""

from __future__ import annotations

from dataclasses import dataclass, field

from incubator.accounts.models import Invitation
from incubator.auth.models import User
from incubator.organizations.models import Organization
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


@dataclass
class InvitationFormPage:  # accounts/invitation_form.html
    organization: Organization
    values: dict
    errors: dict[str, str]
    days: int  # how long the link works
    mails: bool  # mail is set up: a link to an address is mailed, not shown


@dataclass
class InvitationCreatedPage:  # accounts/invitation_created.html (shown once: the link is in it)
    organization: Organization
    invitation: Invitation
    link: str
    mail_failed: bool  # mail is set up, yet the e-mail could not be sent


@dataclass
class AcceptInvitationPage:  # accounts/invitation_accept.html (public: reached by the link)
    invitation: Invitation | None
    closed: str  # why the link no longer makes an account; blank while it does
    values: dict
    errors: dict[str, str]


@dataclass
class OrganizationAccountsPage:  # accounts/organization_accounts.html
    organization: Organization
    actions: frozenset[str]  # invitations.actions: see_accounts, invite, revoke
    members: list[User]
    invitations: list[Invitation]  # neither used nor revoked (lately expired ones too)
    closed: dict[int, str]  # invitation id → why its link no longer works ("" while it does)
