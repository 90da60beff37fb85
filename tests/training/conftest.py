"""A park with a training room, resident organizations with rosters, and a manager; time stands
still on Monday 2026-12-07 at 08:00 in Beijing (the sessions are on Tuesday afternoon)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
import pytest_asyncio
import time_machine

from incubator import clock
from incubator.access import Principal
from incubator.organizations.models import Organization, Stage
from incubator.parks.models import WEEKDAYS, Space
from incubator.roles import Role
from incubator.training import planning
from incubator.training.commands import PlanSessions, SessionDetails
from incubator.training.models import Person, Topic

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=clock.zone())  # a Monday
TUESDAY = date(2026, 12, 8)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest_asyncio.fixture
async def room(park) -> Space:
    return await Space.create(park=park, kind="meeting_room", name="培训室", capacity=40, bookable=True,
                              opening_hours={day: ["08:00", "22:00"] for day in WEEKDAYS})


@pytest_asyncio.fixture
async def topic(clean) -> Topic:
    return await Topic.get(code="finance")


@pytest_asyncio.fixture
async def boss(make_user, park) -> Principal:
    """The park's manager, as the service sees them."""
    return Principal(await make_user("training.manager", Role.MANAGER, parks=[park]), frozenset({park.id}))


def details(topic: Topic, **values) -> SessionDetails:
    return SessionDetails(**{"title": "财务管理实务", "topic_id": topic.id, "trainer": "王老师", "capacity": 10,
                             "per_organization": 2, "credit_minutes": 180, **values})


@pytest.fixture
def planned(boss, park, room, topic):
    """A session planned by the manager: Tuesday 14:00–17:00 in the training room, as `details` says."""

    async def make(day: date = TUESDAY, start: time = time(14), end: time = time(17), weeks: int = 1, **values):
        sessions = await planning.plan(boss, PlanSessions(park_id=park.id, space_id=room.id, day=day, start=start,
                                                          end=end, weeks=weeks, details=details(topic, **values)))
        return sessions[0] if weeks == 1 else sessions

    return make


@pytest.fixture
def resident_with_people(park, make_user):
    """A resident organization with `n` people on its roster and a member: (organization, member, people)."""

    async def make(name: str, n: int = 3):
        organization = await Organization.create(park=park, name_zh=name, stage=Stage.INCUBATING)
        user = await make_user(f"member.{organization.id}", Role.MEMBER, organization=organization)
        people = [await Person.create(organization=organization, name=f"{name}{i}号") for i in range(n)]
        return organization, Principal(user, organization_id=organization.id), people

    return make
