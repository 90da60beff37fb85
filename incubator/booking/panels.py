"""The bookings section of the organization page: what it has booked next, and its no-shows (a panel
the booking manifest declares; managers see repeated no-shows before the organization's review)."""

from __future__ import annotations

from datetime import timedelta

from incubator import access, clock
from incubator.access import Principal
from incubator.booking.models import ACTIVE_STATUSES, Booking, BookingStatus
from incubator.organizations.models import Organization

NO_SHOW_DAYS = 90


async def organization_bookings(principal: Principal, organization: Organization) -> dict | None:
    visible = access.scope(Booking, principal).filter(organization_id=organization.id)
    coming = await visible.filter(status__in=list(ACTIVE_STATUSES), ends_at__gt=clock.now()).select_related(
        "space").only("id", "starts_at", "ends_at", "status", "space_id", "space__id", "space__name").order_by(
        "starts_at").limit(5)
    # Counted among the bookings the principal sees, in one query whatever the organization's data.
    no_shows = await visible.filter(status=BookingStatus.RELEASED,
                                    starts_at__gte=clock.now() - timedelta(days=NO_SHOW_DAYS)).count()
    if not coming and not no_shows:
        return None
    return {"coming": list(coming), "no_shows": no_shows, "days": NO_SHOW_DAYS}
