"""The audit trail: who changed what, and when."""

from incubator.capability import Capability, NavItem
from incubator.i18n import N_
from incubator.roles import Role


def _routes():
    from incubator.audit.routes import routes

    return routes


capability = Capability(
    name="audit",
    models="incubator.audit.models",
    rules="incubator.audit.rules",
    routes=_routes,
    nav=[NavItem("audit:log", N_("Audit log"), frozenset({Role.ADMIN.value, Role.OFFICIAL.value}), order=70)],
)
