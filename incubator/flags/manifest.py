"""Flags a manager acts on, raised and resolved by the scheduled job from every capability's sources."""

from incubator.capability import Capability, Job, MessageKind, NavItem
from incubator.flags import jobs
from incubator.flags.service import describe_message
from incubator.i18n import N_
from incubator.roles import Role


def _routes():
    from incubator.flags.routes import routes

    return routes


capability = Capability(
    name="flags",
    models="incubator.flags.models",
    rules="incubator.flags.rules",
    routes=_routes,
    nav=[NavItem("flags:list", N_("Flags"), frozenset({Role.ADMIN.value, Role.OFFICIAL.value, Role.MANAGER.value}),
                 order=60)],
    messages=[MessageKind("flag", N_("New flag: %(flag)s"), render=describe_message)],
    jobs=[Job("refresh_flags", jobs.refresh_flags, N_("Raise and resolve flags"),
              {"raised": N_("raised"), "reopened": N_("reopened"), "updated": N_("updated"),
               "resolved": N_("resolved"), "open": N_("open")}, order=50)],
)
