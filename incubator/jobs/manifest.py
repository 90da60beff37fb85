"""Running the scheduled jobs every capability declares, one runner at a time, with their history."""

from incubator.capability import Capability, Job, NavItem
from incubator.i18n import N_
from incubator.jobs import maintenance
from incubator.roles import Role


def _routes():
    from incubator.jobs.routes import routes

    return routes


capability = Capability(
    name="jobs",
    models="incubator.jobs.models",
    rules="incubator.jobs.rules",
    routes=_routes,
    nav=[NavItem("jobs:runs", N_("Job runs"), frozenset({Role.ADMIN.value}), order=80)],
    # Last: the statistics then count what the other jobs wrote.
    jobs=[Job("refresh_statistics", maintenance.refresh_statistics, N_("Refresh the database's statistics"),
              {"milliseconds": N_("milliseconds")}, order=1000)],
)
