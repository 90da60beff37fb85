"""Shared-space booking: each space's rules and each park's quota; booking (weekly series too),
approval, cancelling and moving under serialization; the week grid and a park's day view;
check-in at the door and the release of no-shows; watching a taken time; calendar feeds; and the
rooms' utilization."""

from incubator.audit.labels import Field
from incubator.booking import api, dashboard, decisions, jobs, new_bookings, panels, utilization, watches
from incubator.booking.events import TimeFreed
from incubator.booking.models import BOOKING_STATUS_LABELS
from incubator.capability import (
    AuditKind,
    Capability,
    Job,
    MessageKind,
    NavItem,
    Panel,
    ParkLink,
    SpaceLink,
    Subscription,
)
from incubator.i18n import N_
from incubator.organizations.events import StageChanged
from incubator.roles import Role


def _routes():
    from incubator.booking.routes import routes

    return routes


async def _always(principal, space) -> bool:
    return True  # a space's week shows taken time only, to anyone who may see the space


capability = Capability(
    name="booking",
    models="incubator.booking.models",
    rules="incubator.booking.rules",
    routes=_routes,
    nav=[NavItem("booking:list", N_("Bookings"), frozenset({Role.ADMIN.value, Role.OFFICIAL.value,
                                                            Role.MANAGER.value, Role.MEMBER.value}), order=45)],
    messages=[
        MessageKind("bookings_cancelled",
                    N_("Your organization's %(count)s bookings to come were cancelled: it has left the park.")),
        MessageKind("booking_requested", N_("%(organization)s asks to book %(space)s, %(when)s.")),
        MessageKind("booking_approved", N_("Your booking of %(space)s, %(when)s, is confirmed.")),
        MessageKind("booking_rejected", N_("Your request to book %(space)s, %(when)s, was not approved.")),
        MessageKind("booking_cancelled", N_("The park cancelled your booking of %(space)s, %(when)s: %(reason)s")),
        MessageKind("booking_moved", N_("The park moved your booking to %(space)s, %(when)s. %(reason)s")),
        MessageKind("booking_time_free", N_("%(space)s, %(when)s, is free now: book it before someone else does.")),
        MessageKind("booking_released", N_("Nobody checked in to your booking of %(space)s, %(when)s: it was "
                                           "released and counts as a no-show.")),
    ],
    subscriptions=[Subscription(StageChanged, decisions.on_stage_changed),
                   Subscription(TimeFreed, watches.on_time_freed)],
    jobs=[Job("release_no_shows", jobs.release_no_shows, N_("Release bookings nobody checked in to"),
              {"released": N_("released")}, minutes=5, order=50)],
    panels=[Panel("bookings", "booking/_organization_panel.html", panels.organization_bookings, order=60)],
    park_links=[ParkLink("booking_day", "booking:day", N_("Spaces booked today"), lambda principal, park: True,
                         order=25),
                ParkLink("booking_utilization", "booking:utilization", N_("Space utilization"),
                         lambda principal, park: utilization.may_view(principal, park.id), order=27),
                ParkLink("booking_quota", "booking:quota", N_("Booking quota"),
                         lambda principal, park: principal.manages(park.id), order=30)],
    space_links=[SpaceLink("booking_week", "booking:week", N_("The space's week"), _always, order=10),
                 SpaceLink("booking_book", "booking:form", N_("Book this space"), new_bookings.may_book, order=20)],
    audit=[
        AuditKind("BookingWatch", N_("Watched time"), {"space_id": N_("Space"), "starts_at": N_("Starts")}),
        AuditKind("Booking", N_("Booking"), {
            "space_id": N_("Space"), "organization_id": N_("Organization"), "starts_at": N_("Starts"),
            "ends_at": N_("Ends"), "status": Field(N_("Status"), BOOKING_STATUS_LABELS),
        }),
    ],
    figures=dashboard.figures,
    resources=api.resources,
)
