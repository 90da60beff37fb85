"""The public directory: the organizations that agreed to be listed, incubating or graduated, with
their brand projects; the organization's own pages for what it publishes."""

from incubator.capability import AuditKind, Capability, Panel
from incubator.directory import panels
from incubator.i18n import N_


def _routes():
    from incubator.directory.routes import routes

    return routes


capability = Capability(
    name="directory",
    models="incubator.directory.models",
    rules="incubator.directory.rules",
    routes=_routes,
    panels=[Panel("directory", "directory/_organization_panel.html", panels.organization_listing, order=90)],
    audit=[
        AuditKind("Listing", N_("Directory listing"), {
            "listed": N_("Listed in the public directory"),
            "contact": N_("Contact point to publish"), "logo_sha256": N_("Logo")}),
        AuditKind("BrandProject", N_("Brand project"), {
            "name": N_("Project name"), "domain_id": N_("Service domain"), "started_on": N_("Started on"),
            "ended_on": N_("Ended on"), "people_reached": N_("People reached"), "summary": N_("Short description")}),
    ],
)
