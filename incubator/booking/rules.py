"""Who sees which bookings: administrators and officials all; managers those of their parks'
spaces; members their own organization's. Nobody else learns who booked a slot or why: the week
grid shows others' bookings only as taken time."""

from tortoise.expressions import Q

from incubator.access import Principal, ladder, rule
from incubator.booking.models import Booking, BookingQuota, BookingRules
from incubator.roles import Role


@rule(Booking, "view")
def view_bookings(p: Principal) -> Q | bool:
    return ladder(p, park="space__park_id", organization="organization_id")


@rule(BookingRules, "view")
def view_rules(p: Principal) -> Q | bool:
    return p.is_(Role.ADMIN, Role.OFFICIAL, Role.MANAGER, Role.MEMBER)


@rule(BookingQuota, "view")
def view_quotas(p: Principal) -> Q | bool:
    return p.is_(Role.ADMIN, Role.OFFICIAL, Role.MANAGER, Role.MEMBER)
