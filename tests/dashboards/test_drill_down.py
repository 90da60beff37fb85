"""The dashboard's room and training figures drill down to the bookings and sessions behind them:
the link carries the park and the month, the list shows exactly what the figure counts, and a
manager following a link to another park's finds nothing of it."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
import pytest_asyncio
import time_machine

from incubator import clock
from incubator.booking.models import Booking, BookingStatus
from incubator.organizations.models import Organization, Stage
from incubator.parks.models import Space, SpaceKind
from incubator.training.models import Topic, TrainingSession
from tests.helpers import signed_in

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 12, 7, 10, 0, tzinfo=clock.zone()), tick=False) as traveller:
        yield traveller


def at(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=clock.zone())


@pytest_asyncio.fixture
async def held(park, other_park):
    """November's bookings and sessions of two parks, and some that the figures leave out."""
    orgs = [await Organization.create(park=where, name_zh=f"组织{n}", stage=Stage.INCUBATING,
                                      admitted_on=date(2026, 1, 5)) for n, where in enumerate((park, park, other_park))]
    rooms = [await Space.create(park=where, kind=SpaceKind.MEETING_ROOM, name=f"会议室{n}", capacity=10, bookable=True,
                                opening_hours={day: ["08:00", "22:00"] for day in WEEKDAYS})
             for n, where in enumerate((park, other_park))]

    async def book(room: Space, organization: Organization | None, start: datetime, hours: int, purpose: str,
                   status: str = BookingStatus.CONFIRMED, checked_in: bool = False) -> None:
        await Booking.create(space=room, organization=organization, starts_at=start,
                             ends_at=start + timedelta(hours=hours), held_until=start + timedelta(hours=hours),
                             purpose=purpose, status=status, checked_in_at=start if checked_in else None)

    await book(rooms[0], orgs[0], at(10, 9), 2, "BOOKED-A", checked_in=True)
    await book(rooms[0], orgs[1], at(11, 14), 1, "BOOKED-B")
    await book(rooms[0], None, at(12, 9), 3, "BLOCKED")
    await book(rooms[0], orgs[0], at(13, 9), 1, "NOSHOW", BookingStatus.RELEASED)
    await book(rooms[0], orgs[1], at(14, 9), 1, "CANCELLED", BookingStatus.CANCELLED)
    await book(rooms[0], orgs[0], at(2, 9, month=12), 1, "DECEMBER")
    await book(rooms[1], orgs[2], at(10, 9), 2, "OTHER-PARK")
    topic = await Topic.get(code="finance")

    async def session(where, room: Space, start: datetime, title: str, cancelled: bool = False) -> None:
        await TrainingSession.create(park=where, topic=topic, title=title, trainer="T", space=room, capacity=5,
                                     starts_at=start, ends_at=start + timedelta(hours=2), credit_minutes=120,
                                     cancelled_at=start if cancelled else None)

    await session(park, rooms[0], at(20, 14), "HELD-NOV")
    await session(park, rooms[0], at(20, 14, month=10), "HELD-OCT")
    await session(park, rooms[0], at(21, 14), "CANCELLED-SESSION", cancelled=True)
    await session(other_park, rooms[1], at(20, 14), "HELD-OTHER")
    return orgs


def shown(page: str, *purposes: str) -> set[str]:
    return {p for p in purposes if p in page}


EVERY_BOOKING = ("BOOKED-A", "BOOKED-B", "BLOCKED", "NOSHOW", "CANCELLED", "DECEMBER", "OTHER-PARK")
EVERY_SESSION = ("HELD-NOV", "HELD-OCT", "CANCELLED-SESSION", "HELD-OTHER")


async def test_booked_hours_and_no_shows_drill_down_to_the_bookings_they_count(new_browser, official, held, park):
    browser = await signed_in(new_browser, official)
    page = (await browser.get("/dashboard?period=2026-11")).text
    booked = f"/bookings?status=booked&park={park.id}&months=2026-11"
    no_shows = f"/bookings?status=no_show&park={park.id}&months=2026-11"
    assert f'<a href="{booked.replace("&", "&amp;")}">3.0</a>' in page  # 2 h + 1 h, not the blocked 3 h
    assert f'<a href="{no_shows.replace("&", "&amp;")}">1</a>' in page
    assert shown((await browser.get(booked)).text, *EVERY_BOOKING) == {"BOOKED-A", "BOOKED-B"}
    assert shown((await browser.get(no_shows)).text, *EVERY_BOOKING) == {"NOSHOW"}
    everywhere = (await browser.get("/bookings?status=booked&months=2026-11")).text  # the district's total
    assert shown(everywhere, *EVERY_BOOKING) == {"BOOKED-A", "BOOKED-B", "OTHER-PARK"}
    exported = await browser.get(booked.replace("/bookings?", "/bookings.csv?"))
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert exported.headers["x-export-rows"] == "2" and [r[5] for r in rows[1:]] == ["BOOKED-A", "BOOKED-B"]


async def test_sessions_held_drill_down_to_the_sessions_counted(new_browser, official, held, park):
    browser = await signed_in(new_browser, official)
    page = (await browser.get(f"/dashboard?period=2026-11&park={park.id}")).text
    link = f"/training?when=past&park={park.id}&months=2026-11"
    assert f'<a href="{link.replace("&", "&amp;")}">1</a>' in page
    assert shown((await browser.get(link)).text, *EVERY_SESSION) == {"HELD-NOV"}
    year = (await browser.get(f"/training?when=past&park={park.id}&months=2026-01:2026-12")).text
    assert shown(year, *EVERY_SESSION) == {"HELD-NOV", "HELD-OCT"}


async def test_a_manager_following_a_link_to_another_park_finds_nothing_of_it(new_browser, manager, held,
                                                                             other_park):
    browser = await signed_in(new_browser, manager)
    bookings = await browser.get(f"/bookings?status=booked&park={other_park.id}&months=2026-11")
    assert bookings.status_code == 200 and not shown(bookings.text, *EVERY_BOOKING)
    exported = await browser.get(f"/bookings.csv?status=booked&park={other_park.id}&months=2026-11")
    assert exported.headers["x-export-rows"] == "0" and "OTHER-PARK" not in exported.text
    sessions = await browser.get(f"/training?when=past&park={other_park.id}&months=2026-11")
    assert sessions.status_code == 200 and not shown(sessions.text, *EVERY_SESSION)
    assert shown((await browser.get("/bookings?status=booked&months=2026-11")).text, *EVERY_BOOKING) == {
        "BOOKED-A", "BOOKED-B"}
