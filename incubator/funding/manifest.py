"""Seed funding: funds with budgets, grants paid in tranches released by reviews and dates."""

from incubator.audit.labels import Field
from incubator.capability import (
    AuditKind,
    Capability,
    FlagKind,
    FlagSource,
    Job,
    MessageKind,
    NavItem,
    Panel,
    Subscription,
)
from incubator.funding import api, dashboard, jobs, panels, service
from incubator.funding.flags import funding_flags
from incubator.funding.models import GRANT_STATUS_LABELS, SOURCE_LABELS, TRANCHE_STATUS_LABELS
from incubator.i18n import N_
from incubator.reviews.events import ReviewDecided
from incubator.roles import Role


def _routes():
    from incubator.funding.routes import routes

    return routes


capability = Capability(
    name="funding",
    models="incubator.funding.models",
    rules="incubator.funding.rules",
    routes=_routes,
    panels=[Panel("funding", "funding/_organization_panel.html", panels.organization_grants, order=50)],
    nav=[NavItem("funding:funds", N_("Seed funding"),
                 frozenset({Role.ADMIN.value, Role.OFFICIAL.value, Role.MANAGER.value}), order=50)],
    flag_sources=[FlagSource("funding", (
        FlagKind("tranche_ready", N_("Tranche ready to pay"),
                 N_("A tranche of %(amount)s for %(organization)s (%(grant)s) is ready to pay")),
        FlagKind("tranche_held", N_("Tranche held"),
                 N_("A tranche of %(amount)s for %(organization)s (%(grant)s) is held")),
    ), funding_flags)],
    messages=[MessageKind("grant_proposed",
                          N_("A grant of %(amount)s to %(organization)s (%(purpose)s) waits for your approval."))],
    subscriptions=[Subscription(ReviewDecided, service.on_review_decided)],
    jobs=[Job("tranche_readiness", jobs.tranche_readiness, N_("Release tranches whose condition is met"),
              {"ready": N_("ready to pay"), "held": N_("held")}, order=10)],
    audit=[
        AuditKind("Fund", N_("Fund"), {
            "budget_fen": Field(N_("Budget"), money=True), "park_id": N_("Park"),
            "source": Field(N_("Source"), SOURCE_LABELS),
        }),
        AuditKind("Grant", N_("Grant"), {
            "fund": N_("Fund"), "purpose": N_("Purpose"), "tranches": N_("Tranches"),
            "amount_fen": Field(N_("Amount"), money=True),
            "committed_fen": Field(N_("Committed"), money=True),
            "repaid_fen": Field(N_("Repaid"), money=True),
            "status": Field(N_("Status"), GRANT_STATUS_LABELS),
            "needs_official": N_("Needs a district official's approval"),
        }),
        AuditKind("Tranche", N_("Tranche"), {
            "amount_fen": Field(N_("Amount"), money=True), "voucher": N_("Voucher"),
            "status": Field(N_("Status"), TRANCHE_STATUS_LABELS),
        }),
    ],
    figures=dashboard.figures,
    resources=api.resources,
)
