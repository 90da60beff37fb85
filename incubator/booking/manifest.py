"""Shared-space booking (issue 11). So far: the rules, quotas and bookings; the service that books
and cancels under serialization; the week grid, the booking form and one's bookings. Approval,
recurrence, check-in, watching, feeds and figures come next."""

from incubator.audit.labels import Field
from incubator.booking import service
from incubator.booking.models import BOOKING_STATUS_LABELS
from incubator.capability import AuditKind, Capability, MessageKind, NavItem, Subscription
from incubator.i18n import N_
from incubator.organizations.events import StageChanged
from incubator.roles import Role


def _routes():
    from incubator.booking.routes import routes

    return routes


capability = Capability(
    name="booking",
    models="incubator.booking.models",
    rules="incubator.booking.rules",
    routes=_routes,
    nav=[NavItem("booking:list", N_("Bookings"), frozenset({Role.ADMIN.value, Role.OFFICIAL.value,
                                                            Role.MANAGER.value, Role.MEMBER.value}), order=45)],
    messages=[MessageKind("bookings_cancelled",
                          N_("Your organization's %(count)s bookings to come were cancelled: it has left the park."))],
    subscriptions=[Subscription(StageChanged, service.on_stage_changed)],
    audit=[
        AuditKind("Booking", N_("Booking"), {
            "space_id": N_("Space"), "organization_id": N_("Organization"), "starts_at": N_("Starts"),
            "ends_at": N_("Ends"), "status": Field(N_("Status"), BOOKING_STATUS_LABELS),
        }),
    ],
)
