"""A park with a bookable meeting room, open 08:00–22:00 every day, and resident organizations;
time stands still on Monday 2026-12-07 at 08:00 in Beijing."""

from __future__ import annotations

from datetime import datetime

import pytest
import pytest_asyncio
import time_machine

from incubator import clock
from incubator.access import Principal
from incubator.booking.models import BookingQuota, BookingRules
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
