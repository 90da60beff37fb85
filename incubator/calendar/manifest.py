"""The working-day calendar: official holidays and the administrator's corrections."""

from incubator.capability import AuditKind, Capability, NavItem
from incubator.i18n import N_
from incubator.roles import Role


def _routes():
    from incubator.calendar.routes import routes

    return routes


capability = Capability(
    name="calendar",
    models="incubator.calendar.models",
    rules="incubator.calendar.rules",
    routes=_routes,
    nav=[NavItem("calendar:overrides", N_("Calendar"), frozenset({Role.ADMIN.value}), order=90)],
    audit=[AuditKind("WorkdayOverride", N_("Calendar"), {"is_working": N_("Working day"), "note": N_("Note")})],
)
