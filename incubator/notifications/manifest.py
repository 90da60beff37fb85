"""The in-app inbox and the daily e-mail digest."""

from incubator.capability import Capability, Job
from incubator.i18n import N_
from incubator.notifications import jobs


def _routes():
    from incubator.notifications.routes import routes

    return routes


capability = Capability(
    name="notifications",
    models="incubator.notifications.models",
    rules="incubator.notifications.rules",
    routes=_routes,
    jobs=[Job("email_digest", jobs.email_digest, N_("Daily e-mail digest"),
              {"queued": N_("queued"), "sent": N_("sent"), "failed": N_("failed")}, order=80)],
)
