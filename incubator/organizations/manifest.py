"""Incubated organizations: applications, admission, stages, registration, documents, follow-ups."""

from incubator.audit.labels import Field
from incubator.capability import (
    AuditKind,
    Capability,
    Criterion,
    FlagKind,
    FlagSource,
    MessageKind,
    NavItem,
    ParkFigure,
    ParkLink,
    SignInPanel,
    Subscription,
)
from incubator.i18n import N_
from incubator.organizations import admission, api, dashboard, graduation
from incubator.organizations.flags import organization_flags
from incubator.organizations.models import (
    FIELD_LABELS,
    KIND_LABELS,
    REGISTRATION_LABELS,
    STAGE_LABELS,
    SUPPORT_LABELS,
)
from incubator.parks.events import ParkCreated
from incubator.roles import Role


async def _open_parks() -> dict | None:
    """Applicants arrive at the sign-in page: it lists the parks taking applications."""
    from incubator.parks.models import Park

    parks = await Park.filter(is_active=True, accepts_applications=True).order_by("id")
    return {"parks": parks} if parks else None


async def _organizations_per_park(park_ids: list[int]) -> dict[int, int]:
    from tortoise.functions import Count

    from incubator.organizations.models import Organization

    return dict(await Organization.filter(park_id__in=park_ids).group_by("park_id").annotate(
        n=Count("id")).values_list("park_id", "n"))


def _routes():
    from incubator.organizations.routes import routes

    return routes


capability = Capability(
    name="organizations",
    models="incubator.organizations.models",
    rules="incubator.organizations.rules",
    routes=_routes,
    nav=[
        NavItem("organizations:mine", N_("My organization"), frozenset({Role.MEMBER.value}), order=5),
        NavItem("organizations:list", N_("Organizations"),
                frozenset({Role.ADMIN.value, Role.OFFICIAL.value, Role.MANAGER.value}), order=20),
    ],
    flag_sources=[FlagSource("organizations", (
        FlagKind("term_ending", N_("Term ending"), N_("The incubation term of %(organization)s ends on %(due)s")),
        FlagKind("unregistered", N_("Unregistered too long"),
                 N_("%(organization)s is still unregistered %(months)s months after admission")),
        FlagKind("follow_up_due", N_("Follow-up due"),
                 N_("Follow-up check-in with %(organization)s is due on %(due)s")),
    ), organization_flags)],
    messages=[MessageKind("application_received", N_("%(organization)s applied to %(park)s."))],
    park_links=[
        ParkLink("admission_scorecard", "organizations:criteria", N_("Admission scorecard"),
                 lambda principal, park: principal.manages(park.id), order=10),
        ParkLink("application_form", "organizations:apply", N_("Public application form"),
                 lambda principal, park: admission.accepts_applications(park), order=90),
    ],
    park_figures=[ParkFigure("organizations", N_("Organizations"), N_("%(num)s organization"),
                             _organizations_per_park, order=10, plural=N_("%(num)s organizations"))],
    subscriptions=[Subscription(ParkCreated, admission.on_park_created)],
    sign_in_panels=[SignInPanel("apply", "organizations/_apply_panel.html", _open_parks)],
    criteria=[Criterion("registered", graduation.registered), Criterion("profile", graduation.profile_complete)],
    audit=[
        AuditKind("Organization", N_("Organization"), {
            **{name: Field(label) for name, label in FIELD_LABELS.items()},
            "kind": Field(N_("Kind"), KIND_LABELS),
            "stage": Field(N_("Stage"), STAGE_LABELS),
            "registration": Field(N_("Registration"), REGISTRATION_LABELS),
            "name_preapproval": N_("Name pre-approval"),
            "filing_number": N_("Filing number"),
            "filing_authority": N_("Filed with"),
            "filed_on": N_("Filed on"),
            "registration_authority": N_("Registered with"),
            "registered_on": N_("Registered on"),
        }),
        AuditKind("Agreement", N_("Agreement"), {
            "start_on": N_("Starts on"), "end_on": N_("Ends on"), "term_months": N_("Term (months)"),
            "supports": Field(N_("Supports granted"), SUPPORT_LABELS), "space": N_("Desk or office"),
        }),
        AuditKind("Document", N_("Document")),
        AuditKind("FollowUp", N_("Follow-up check-in"), {"notes": N_("Notes"), "done_on": N_("Done on")}),
        AuditKind("ServiceDomain", N_("Service domain")),
    ],
    figures=dashboard.figures,
    resources=api.resources,
)
