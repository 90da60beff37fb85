"""A park with a bookable meeting room, open 08:00–22:00 every day, and resident organizations;
time stands still on Monday 2026-12-07 at 08:00 in Beijing."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
import pytest_asyncio
import time_machine

from incubator import clock
from incubator.access import Principal
from incubator.booking.models import ACTIVE_STATUSES, Booking, BookingQuota, BookingRules, BookingStatus
from incubator.booking.slots import local_instant
from incubator.organizations.models import Organization, Stage
from incubator.parks.models import WEEKDAYS, Space
from incubator.roles import Role

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=clock.zone())  # a Monday


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest_asyncio.fixture
async def room(park) -> Space:
    return await Space.create(park=park, kind="meeting_room", name="会议室 A", capacity=12, bookable=True,
                              opening_hours={day: ["08:00", "22:00"] for day in WEEKDAYS})


@pytest_asyncio.fixture
async def rules(room) -> BookingRules:
    return await BookingRules.create(space=room, slot_minutes=30, min_minutes=30, max_minutes=240,
                                     notice_minutes=60, horizon_days=30, buffer_minutes=15)


@pytest_asyncio.fixture
async def quota(park) -> BookingQuota:
    return await BookingQuota.create(park=park, week_minutes=8 * 60, month_minutes=16 * 60, open_bookings=4)


@pytest_asyncio.fixture
async def resident(park) -> Organization:
    return await Organization.create(park=park, name_zh="阳光助老服务社", stage=Stage.INCUBATING)


@pytest.fixture
def member_of(make_user):
    """The principal of a new member of `organization` (the service reads the role and the organization)."""

    async def principal(organization: Organization) -> Principal:
        user = await make_user(f"member.{organization.id}.{len(made)}", Role.MEMBER, organization=organization)
        made.append(user)
        return Principal(user, organization_id=organization.id)

    made: list = []
    return principal


async def minutes_booked(organization_id: int, first: date, after: date) -> int:
    """The organization's active booked minutes starting in [first, after), read row by row: a check
    of its own, beside the service's quota query."""
    rows = await Booking.filter(organization_id=organization_id, status__in=list(ACTIVE_STATUSES),
                                starts_at__gte=local_instant(first, time()), starts_at__lt=local_instant(after, time())
                                ).values_list("starts_at", "ends_at")
    return sum(int((end - start).total_seconds() // 60) for start, end in rows)


async def no_shows(organization_ids: list[int], since: datetime) -> dict[int, int]:
    """Each organization's bookings released as no-shows since `since`, counted row by row."""
    counts: dict[int, int] = {}
    for organization_id in await Booking.filter(organization_id__in=organization_ids, status=BookingStatus.RELEASED,
                                                starts_at__gte=since).values_list("organization_id", flat=True):
        counts[organization_id] = counts.get(organization_id, 0) + 1
    return counts
