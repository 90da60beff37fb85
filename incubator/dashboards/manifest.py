"""District and park dashboards: organizations by stage and park, admissions, graduations and
exits, registration, seed funds, training, rooms and reviews, each figure drilling down to its list
and exported to Excel or CSV; the monthly report workbook; closed months kept as reported."""

from incubator.capability import AuditKind, Capability, NavItem
from incubator.dashboards import api
from incubator.i18n import N_
from incubator.roles import Role


def _routes():
    from incubator.dashboards.routes import routes

    return routes


capability = Capability(
    name="dashboards",
    models="incubator.dashboards.models",
    rules="incubator.dashboards.rules",
    routes=_routes,
    nav=[NavItem("dashboards:dashboard", N_("Dashboard"), frozenset({Role.ADMIN.value, Role.OFFICIAL.value,
                                                                     Role.MANAGER.value}), order=15)],
    audit=[AuditKind("ClosedMonth", N_("Closed month"), {"is_closed": N_("Month closed"),
                                                         "reopen_reason": N_("Reason for reopening")})],
    resources=api.resources,
)
