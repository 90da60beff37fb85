"""Who sees and revokes invitations, and whose accounts the organization page lists: its park's
managers and its own members (and administrators), as who may invite (invitations.actions)."""

from tortoise.expressions import Q

from incubator.access import ADMINS, Principal, extend, rule
from incubator.accounts.models import Invitation
from incubator.auth.models import User
from incubator.organizations.rules import organization_scope
from incubator.roles import Role


def _of_organizations(p: Principal) -> Q | bool:
    """Rows of an organization (`organization_id`) its park's managers or its members reach: the
    organizations' own ladder, less the officials (they read figures; they do not invite)."""
    return organization_scope(p, "organization__", everything=ADMINS)


@rule(Invitation, "view")
def view_invitations(p: Principal) -> Q | bool:
    return _of_organizations(p)


@rule(Invitation, "change")
def change_invitations(p: Principal) -> Q | bool:
    return _of_organizations(p)


@extend(User, "view")
def see_organization_members(p: Principal) -> Q | bool:
    """The member accounts of the organizations one may invite to (auth's rule: only one's own)."""
    if p.is_(Role.ADMIN):
        return True
    scope = _of_organizations(p)
    return Q(scope, role=Role.MEMBER) if isinstance(scope, Q) else scope
