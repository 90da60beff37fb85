"""Account administration: administrators manage accounts and link them to parks and organizations."""

from incubator.capability import Capability, NavItem
from incubator.i18n import N_
from incubator.roles import Role


def _routes():
    from incubator.accounts.routes import routes

    return routes


capability = Capability(
    name="accounts",
    routes=_routes,
    nav=[NavItem("users:list", N_("Accounts"), frozenset({Role.ADMIN.value}), order=30)],
)
