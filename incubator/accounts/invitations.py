"""Invitations: how the people of an admitted organization get their accounts.

A park's managers (and administrators) invite the people of their parks' organizations; an
organization's members invite their colleagues. An invitation is a link holding a secret (256
random bits): mailed to the invitee when mail is set up and an address is known, otherwise shown
once to the inviter. The database keeps only the secret's SHA-256 hash. The link works once, for
INVITATION_DAYS, until it is revoked; accepting it makes an organization member's account with the
password rules of every account, and signs the invitee in.

Single use is the database's guarantee, not this module's: accepting claims the invitation with one
conditional UPDATE (… WHERE accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now) before
the account is made, in the same transaction; two tabs accepting at once make one account, since
the second UPDATE finds the row claimed (PostgreSQL waits for the first to commit, SQLite writes one
transaction at a time). The checks before it are there for the friendly message.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError

from incubator import access, clock, events
from incubator.access import Principal
from incubator.accounts.commands import AcceptInvitation, NewInvitation
from incubator.accounts.models import Invitation
from incubator.accounts.service import username_problem
from incubator.audit import service as audit
from incubator.auth import service as auth_service
from incubator.auth.models import User
from incubator.auth.passwords import hash_password, password_problem
from incubator.auth.service import USER_FIELDS, NewSession
from incubator.config import Settings
from incubator.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from incubator.i18n import format_date
from incubator.i18n import gettext as _
from incubator.notifications import mail
from incubator.organizations.models import Organization, Stage
from incubator.roles import Role

log = logging.getLogger("incubator.accounts")

INVITATION_DAYS = 7
SECRET_MAX = 100  # longer paths are no invitation of ours
# Organizations not (or no longer) in a park have no one to invite: applicants and the rejected
# are not admitted yet, an exited organization has left.
NOT_INVITING = frozenset({Stage.APPLIED, Stage.SCREENING, Stage.REJECTED, Stage.EXITED})
SHOWN_DAYS = 30  # an expired invitation stays on the organization's page this long, to revoke or redo
AUDITED = ["organization_id", "display_name", "email", "username", "expires_at"]


class InvitationClosed(DomainError):
    """The invitation was used, revoked or has expired: the link no longer makes an account."""


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def actions(principal: Principal, organization: Organization) -> frozenset[str]:
    """What the principal may do with the organization's accounts and invitations: its park's
    managers and administrators, and its own members, see them and revoke invitations; they invite
    while the organization is admitted and has not left."""
    own = principal.is_(Role.MEMBER) and principal.organization_id == organization.id
    if not (own or principal.manages(organization.park_id)):
        return frozenset()
    allowed = {"see_accounts", "revoke"}
    if Stage(organization.stage) not in NOT_INVITING:
        allowed.add("invite")
    return frozenset(allowed)


def require(principal: Principal, organization: Organization, action: str) -> None:
    allowed = actions(principal, organization)
    if action in allowed:
        return
    if action == "invite" and allowed:
        raise PermissionDenied(_("Only the people of an admitted organization can be invited."))
    raise PermissionDenied(_("Your role may not do this."))


def closed_reason(invitation: Invitation, now: datetime | None = None) -> str:
    """Why the link no longer makes an account (translated), or "" while it is open."""
    if invitation.accepted_at is not None:
        return _("This invitation has already been used to make an account. Sign in with that account.")
    if invitation.revoked_at is not None:
        return _("This invitation has been withdrawn. Ask whoever invited you for a new one.")
    if invitation.expires_at <= (now or clock.now()):
        return _("This invitation expired on %(date)s. Ask whoever invited you for a new one.",
                 date=format_date(invitation.expires_at))
    return ""


# ---- inviting -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invited:
    invitation: Invitation
    link: str  # to show the inviter once; blank when it was e-mailed
    mail_failed: bool  # mail is set up, yet the e-mail could not be sent: the link is shown instead


async def invite(settings: Settings, principal: Principal, organization: Organization, command: NewInvitation,
                 link_for: Callable[[str], str]) -> Invited:
    """`link_for(secret)` is the link's absolute address (the route knows the site's address). The
    link is e-mailed when mail is set up and the invitee's address given; otherwise, or when the
    e-mail fails, it is returned to be shown once."""
    require(principal, organization, "invite")
    if command.username and (problem := await username_problem(command.username)):
        raise ValidationFailed({"username": problem})
    secret = secrets.token_urlsafe(32)
    link = link_for(secret)
    now = clock.now()
    async with events.transaction():
        invitation = await Invitation.create(
            organization_id=organization.id, display_name=command.display_name, email=command.email,
            username=command.username, token_hash=hash_secret(secret), created_by_id=principal.id, created_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS))
        await audit.record(principal, "create", invitation, audit.diff({}, audit.snapshot(invitation, AUDITED)))
    if not (settings.smtp_host and command.email):
        return Invited(invitation, link, mail_failed=False)
    # After the commit, and straight to the server: the outbox would keep the link in clear.
    subject, body = _mail(principal, organization, invitation, link)
    try:
        await asyncio.to_thread(mail.send_directly, settings, command.email, subject, body)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("the invitation #%s could not be e-mailed: %s", invitation.id, exc)
        return Invited(invitation, link, mail_failed=True)
    invitation.mailed_to = command.email
    await invitation.save(update_fields=["mailed_to"])
    return Invited(invitation, "", mail_failed=False)


def _mail(principal: Principal, organization: Organization, invitation: Invitation, link: str) -> tuple[str, str]:
    """In the inviter's language: they know the invitee's."""
    subject = _("Your account for %(organization)s", organization=organization.name_zh)
    body = "\n".join([
        _("Hello %(name)s,", name=invitation.display_name), "",
        _("%(inviter)s invites you to make your account for %(organization)s.",
          inviter=principal.user.display_name, organization=organization.name_zh),
        _("Choose your username and password here (the link works once, until %(date)s):",
          date=format_date(invitation.expires_at)),
        link, "",
        _("If you did not expect this, ignore this e-mail."),
    ])
    return subject, body


async def revoke(principal: Principal, invitation_id: int) -> Invitation:
    async with events.transaction():
        invitation = await access.get_or_404(Invitation, principal, "change", id=invitation_id,
                                             related=("organization",))
        require(principal, invitation.organization, "revoke")
        now = clock.now()
        # Conditional, like accepting: of a revocation and an acceptance at the same moment, one wins.
        revoked = await Invitation.filter(id=invitation.id, accepted_at__isnull=True,
                                          revoked_at__isnull=True).update(revoked_at=now)
        if revoked:
            invitation.revoked_at = now
            await audit.record(principal, "revoke", invitation, {"revoked_at": [None, now.isoformat()]})
        elif (await Invitation.get(id=invitation.id)).accepted_at is not None:
            raise DomainError(_("This invitation has already been accepted."))
    return invitation


# ---- what the organization page shows --------------------------------------------------------------


async def organization_accounts(principal: Principal, organization: Organization
                                ) -> tuple[list[User], list[Invitation]]:
    """Its member accounts, and its invitations neither used nor revoked (lately expired ones too)."""
    members = await access.scope(User, principal).filter(organization_id=organization.id, role=Role.MEMBER).order_by(
        "display_name", "id")
    since = clock.now() - timedelta(days=SHOWN_DAYS)
    invitations = await access.scope(Invitation, principal).filter(
        organization_id=organization.id, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=since,
    ).select_related("created_by").order_by("-created_at", "-id")
    return list(members), list(invitations)


# ---- accepting ------------------------------------------------------------------------------------


async def find(secret: str) -> Invitation | None:
    """The invitation of a link, open or not, with its organization and park."""
    if not secret or len(secret) > SECRET_MAX:
        return None
    return await Invitation.get_or_none(token_hash=hash_secret(secret)).select_related("organization__park")


async def accept(settings: Settings, secret: str, command: AcceptInvitation, address: str, user_agent: str
                 ) -> NewSession:
    """Makes the invitee's account, marks the invitation used and signs them in: one transaction."""
    invitation = await find(secret)
    if invitation is None:
        raise NotFound(_("This invitation link is not valid: check that it was copied whole."))
    if reason := closed_reason(invitation):
        raise InvitationClosed(reason)
    errors: dict[str, str] = {}
    if problem := await username_problem(command.username):
        errors["username"] = problem
    if problem := password_problem(command.password, command.username):
        errors["password"] = problem
    if errors:
        raise ValidationFailed(errors)
    password_hash = hash_password(command.password)  # slow on purpose: before the transaction
    now = clock.now()
    try:
        async with events.transaction():
            claimed = await Invitation.filter(id=invitation.id, accepted_at__isnull=True, revoked_at__isnull=True,
                                              expires_at__gt=now).update(accepted_at=now)
            if not claimed:
                raise InvitationClosed(closed_reason(await Invitation.get(id=invitation.id), now) or _(
                    "This invitation has already been used to make an account. Sign in with that account."))
            user = await User.create(
                username=command.username, display_name=command.display_name, email=invitation.email,
                role=Role.MEMBER, language=command.language, organization_id=invitation.organization_id,
                password_hash=password_hash, password_changed_at=now)
            await Invitation.filter(id=invitation.id).update(user_id=user.id)
            await audit.record(user, "create", user, audit.diff({}, audit.snapshot(user, USER_FIELDS)))
            await audit.record(user, "accept", invitation, {"accepted_at": [None, now.isoformat()],
                                                            "username": [invitation.username or None, user.username]})
            return await auth_service.open_session(settings, user, address, user_agent)
    except IntegrityError:
        # Someone took the name between the check and the insert: the invitation stays open.
        raise ValidationFailed({"username": _("This username is taken.")}) from None
