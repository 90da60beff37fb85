"""Accounts, roles, sessions and sign-in."""

from incubator.audit.labels import Field
from incubator.auth import jobs
from incubator.capability import AuditKind, Capability, Job
from incubator.i18n import N_
from incubator.roles import ROLE_LABELS


def _routes():
    from incubator.auth.routes import routes

    return routes


capability = Capability(
    name="auth",
    models="incubator.auth.models",
    rules="incubator.auth.rules",
    routes=_routes,
    audit=[AuditKind("User", N_("Account"), {
        "username": N_("Username"), "display_name": N_("Display name"),
        "role": Field(N_("Role"), ROLE_LABELS),
        "language": Field(N_("Language"), {"zh_CN": N_("Simplified Chinese"), "en": N_("English")}),
        "organization_id": N_("Organization"), "park_ids": N_("Parks"), "sessions": N_("Sessions"),
    })],
    jobs=[Job("purge_expired_sessions", jobs.purge_expired_sessions, N_("Remove expired sessions"),
              {"sessions": N_("sessions"), "login_failures": N_("old failed sign-ins")}, order=90)],
)
