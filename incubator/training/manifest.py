"""Capacity-building training: sessions and weekly courses holding their rooms through booking's
occupancy rules; rosters; sign-up with a share per organization and a fair, self-promoting
waitlist; attendance marked on a sheet or by scanning a rotating code; hours credited per person
and organization, counting toward graduation."""

from incubator.audit.labels import Field
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
)
from incubator.i18n import N_
from incubator.roles import Role
from incubator.training import api, dashboard, flags, hours, jobs, panels
from incubator.training.models import ATTENDANCE_LABELS, PERSON_ROLE_LABELS, SEAT_STATUS_LABELS


def _routes():
    from incubator.training import record_routes
    from incubator.training.routes import routes

    return routes + record_routes.routes


capability = Capability(
    name="training",
    models="incubator.training.models",
    rules="incubator.training.rules",
    routes=_routes,
    nav=[NavItem("training:list", N_("Training"), frozenset({Role.ADMIN.value, Role.OFFICIAL.value,
                                                             Role.MANAGER.value, Role.MEMBER.value}), order=47)],
    messages=[
        MessageKind("training_seat_given", N_("%(person)s has a seat at %(session)s, %(when)s: one was given back.")),
        MessageKind("training_session_moved", N_("%(session)s has moved: now %(when)s, %(space)s.")),
        MessageKind("training_session_cancelled", N_("%(session)s, %(when)s, is cancelled: %(reason)s")),
        MessageKind("training_reminder", N_("Tomorrow: %(session)s, %(when)s. Seated: %(people)s.")),
    ],
    flag_sources=[FlagSource("training", (
        FlagKind("training_unsigned", N_("Nobody signed up for mandatory training"),
                 N_("%(organization)s has signed nobody up for the mandatory %(session)s, %(when)s.")),
    ), flags.unsigned_mandatory)],
    jobs=[Job("training_reminders", jobs.remind_tomorrow, N_("Remind those signed up for tomorrow's training"),
              {"reminded": N_("sessions reminded")}, minutes=60, order=60)],
    criteria=[Criterion("training_hours", hours.training_hours_met)],
    panels=[Panel("training", "training/_organization_panel.html", panels.organization_hours, order=65)],
    park_links=[ParkLink("training_settings", "training:settings", N_("Training settings"),
                         lambda principal, park: principal.manages(park.id), order=40)],
    audit=[
        AuditKind("TrainingSession", N_("Training session"), {
            "title": N_("Title"), "space_id": N_("Space"), "starts_at": N_("Starts"), "ends_at": N_("Ends"),
            "capacity": N_("Capacity"), "per_organization": N_("Seats per organization"),
            "credit_minutes": N_("Minutes credited"), "cancelled_at": N_("Cancelled"), "reason": N_("Reason")}),
        AuditKind("Seat", N_("Training seat"), {
            "status": Field(N_("Status"), SEAT_STATUS_LABELS), "attendance": Field(N_("Attendance"), ATTENDANCE_LABELS),
            "session_id": N_("Training session"), "person_id": N_("Person"), "credit_minutes": N_("Minutes credited")}),
        AuditKind("Person", N_("Person"), {"name": N_("Name"), "phone": N_("Phone"),
                                           "role": Field(N_("Role"), PERSON_ROLE_LABELS), "is_active": N_("Active")}),
        # A park's training settings are audited on the park (audit.save_settings).
        AuditKind("Park", N_("Park"), {"min_hours": N_("Minimum training hours")}),
        AuditKind("Feedback", N_("Training feedback"), {"rating": N_("Rating"), "comment": N_("Comment")}),
        AuditKind("Topic", N_("Training topic"), {"name_zh": N_("Name (Chinese)"), "name_en": N_("Name (English)")}),
        AuditKind("Material", N_("Training material"), {"filename": N_("File")}),
    ],
    figures=dashboard.figures,
    resources=api.resources,
)
