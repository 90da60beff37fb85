"""Account administration: administrators manage accounts and link them to parks and organizations;
invitations let an organization's people make their own accounts."""

from incubator.accounts import panels
from incubator.capability import AuditKind, Capability, NavItem, Panel
from incubator.i18n import N_
from incubator.roles import Role


def _routes():
    from incubator.accounts.invitation_routes import routes as invitation_routes
    from incubator.accounts.routes import routes

    return [*routes, *invitation_routes]


capability = Capability(
    name="accounts",
    models="incubator.accounts.models",
    rules="incubator.accounts.rules",
    routes=_routes,
    nav=[NavItem("users:list", N_("Accounts"), frozenset({Role.ADMIN.value}), order=30)],
    panels=[Panel("accounts", "accounts/_organization_panel.html", panels.organization_accounts, order=30)],
    audit=[AuditKind("Invitation", N_("Invitation"), {
        "organization_id": N_("Organization"), "display_name": N_("Name"), "email": N_("Email"),
        "username": N_("Username"), "expires_at": N_("Expires at"),
        "accepted_at": N_("Accepted at"), "revoked_at": N_("Revoked at"),
    })],
)
