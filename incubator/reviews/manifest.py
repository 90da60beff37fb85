"""Milestone reviews: plans, scheduling on working days, panels, blind scoring and decisions."""

from incubator.audit.labels import Field
from incubator.booking.events import NoShowRecorded
from incubator.capability import (
    AuditKind,
    Capability,
    Criterion,
    FlagKind,
    FlagSource,
    Job,
    MessageKind,
    NavItem,
    Panel,
    ParkLink,
    Subscription,
)
from incubator.i18n import N_
from incubator.organizations.events import StageChanged
from incubator.parks.events import ParkCreated
from incubator.reviews import api, dashboard, panels, scoring, service
from incubator.reviews.flags import review_flags
from incubator.reviews.models import DECISION_LABELS, PANEL_LABELS, REVIEW_STATUS_LABELS
from incubator.roles import Role


def _routes():
    from incubator.reviews.routes import routes

    return routes


def _indicators(value: object) -> str:
    rows = value if isinstance(value, list) else []
    return "; ".join(f"{r[0]} {r[2] if r[2] is not None else '—'}/{r[1]}" for r in rows if len(r) == 3) or "—"


def _plan(value: object) -> str:
    rows = value if isinstance(value, list) else []
    return "; ".join(str(r[1]) for r in rows if isinstance(r, list) and len(r) > 1) or "—"


capability = Capability(
    name="reviews",
    models="incubator.reviews.models",
    rules="incubator.reviews.rules",
    routes=_routes,
    panels=[Panel("reviews", "reviews/_organization_panel.html", panels.organization_reviews, order=40)],
    nav=[NavItem("reviews:list", N_("Reviews"), frozenset(r.value for r in Role), order=40)],
    flag_sources=[FlagSource("reviews", (
        FlagKind("review_due", N_("Review due soon"), N_("%(review)s of %(organization)s is due on %(due)s")),
        FlagKind("review_overdue", N_("Review overdue"),
                 N_("%(review)s of %(organization)s is overdue (due %(due)s)")),
    ), review_flags)],
    messages=[
        MessageKind("review_assigned",
                    N_("You are an evaluator on %(review)s: declare any conflict of interest, then score.")),
        MessageKind("review_decided", N_("The result of %(review)s: %(decision)s.")),
        MessageKind("conflict_declared",
                    N_("%(evaluator)s declared a conflict of interest on %(review)s of %(organization)s.")),
        MessageKind("conflict_lifted", N_("Your conflict of interest on %(review)s was lifted: %(reason)s. "
                                          "Declare again, then score.")),
    ],
    criteria=[Criterion("graduation_review", scoring.graduation_review_passed)],
    park_links=[ParkLink("review_plan", "reviews:plan", N_("Review plan"),
                         lambda principal, park: principal.manages(park.id), order=20)],
    subscriptions=[Subscription(StageChanged, service.on_stage_changed),
                   Subscription(ParkCreated, service.on_park_created),
                   Subscription(NoShowRecorded, service.on_no_show)],
    jobs=[Job("schedule_reviews", service.schedule_missing, N_("Schedule the reviews of new residents"),
              {"scheduled": N_("organizations scheduled")}, order=5)],
    audit=[
        AuditKind("Review", N_("Review"), {
            "decision": Field(N_("Decision"), DECISION_LABELS), "overall": N_("Overall score"),
            "indicators": Field(N_("Service indicators"), show=_indicators),
            "unscored": N_("Had not scored"), "unscored_reason": N_("Why decided without them"),
            "status": Field(N_("Status"), REVIEW_STATUS_LABELS),
        }),
        AuditKind("ReviewAssignment", N_("Evaluator"), {
            "evaluator": N_("Evaluator"), "panel": Field(N_("Panel"), PANEL_LABELS),
            "conflict": N_("Conflict of interest"), "conflict_note": N_("What is the conflict?"),
            "scores": N_("Scores"),
        }),
        AuditKind("Park", N_("Park"), {"review_plan": Field(N_("Review plan"), show=_plan)}),
        # A fact the review weighs, recorded by the system (a no-show at a booked room).
        AuditKind("ReviewFact", N_("Fact for a review"), {"review_id": N_("Review"), "kind": N_("Kind")}),
    ],
    figures=dashboard.figures,
    resources=api.resources,
)
