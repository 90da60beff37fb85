"""The data API: read-only JSON of the parks, organizations, reviews, funds, training, bookings and
dashboard figures at /api/v1, for personal API tokens; the account's token page."""

from incubator.capability import AuditKind, Capability
from incubator.i18n import N_


def _routes():
    from incubator.api.routes import routes

    return routes


capability = Capability(
    name="api",
    models="incubator.api.models",
    rules="incubator.api.rules",
    routes=_routes,
    audit=[
        AuditKind("ApiToken", N_("API token"), {
            "name": N_("Name"), "expires_on": N_("Expires on"), "revoked_at": N_("Revoked at")}),
    ],
)
