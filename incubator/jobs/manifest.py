"""Running the scheduled jobs every capability declares, one runner at a time, with their history."""

from incubator.capability import Capability, NavItem
from incubator.i18n import N_
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
)
