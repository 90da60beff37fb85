"""Races for a session's seats and its room, on both databases: every sign-up, cancellation and
promotion serializes on its session (an advisory lock on PostgreSQL, the write lock on SQLite), and
a session's room is held through booking's serialization and exclusion constraint."""

from __future__ import annotations

import asyncio
import itertools
from datetime import time, timedelta

from incubator.audit.models import AuditEntry
from incubator.booking import new_bookings
from incubator.booking.commands import Book
from incubator.booking.models import Booking, BookingStatus
from incubator.errors import Conflict, ValidationFailed
from incubator.training import seating
from incubator.training.commands import SignUp
from incubator.training.models import Seat, SeatStatus, TrainingSession
from tests.training.conftest import TUESDAY


async def outcomes(calls) -> list:
    results = await asyncio.gather(*calls, return_exceptions=True)
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, (Conflict, ValidationFailed))]
    assert not unexpected, unexpected
    return results


async def seated_counts(session_id: int) -> dict[int, int]:
    counts: dict[int, int] = {}
    for organization_id in await Seat.filter(session_id=session_id, status=SeatStatus.SEATED).values_list(
            "organization_id", flat=True):
        counts[organization_id] = counts.get(organization_id, 0) + 1
    return counts


async def test_thirty_sign_ups_from_six_organizations_fill_ten_seats_two_each_at_most(
        planned, resident_with_people):
    session = await planned(capacity=10, per_organization=2)
    organizations = [await resident_with_people(f"竞争社{n}", 5) for n in range(6)]
    calls = [seating.sign_up(member, session.id, SignUp(person_ids=frozenset([person.id])))
             for _org, member, people in organizations for person in people]
    await outcomes(calls)
    counts = await seated_counts(session.id)
    assert sum(counts.values()) == 10 and max(counts.values()) == 2
    assert (await TrainingSession.get(id=session.id)).seated == 10
    assert await Seat.filter(session_id=session.id, status=SeatStatus.WAITLISTED).count() == 20
    # The waitlist serves the fair order: a seat given back by a full organization goes to one holding fewer.
    full_org, full_member, _people = next(o for o in organizations if counts.get(o[0].id) == 2)
    seat = await Seat.filter(session_id=session.id, organization_id=full_org.id, status=SeatStatus.SEATED).first()
    counts[full_org.id] = 1  # every organization still has people waiting
    fewest = min(counts.get(org.id, 0) for org, _member, _people in organizations)
    _seat, promoted = await seating.cancel_seat(full_member, seat.id)
    winner = await Seat.get(id=promoted[0])
    assert counts.get(winner.organization_id, 0) == fewest


async def test_cancellations_racing_promotions_never_give_a_seat_twice(planned, resident_with_people, boss):
    session = await planned(capacity=4, per_organization=4)
    holder, holder_member, holder_people = await resident_with_people("占座社", 4)
    await seating.sign_up(holder_member, session.id, SignUp(person_ids=frozenset(p.id for p in holder_people)))
    waiting = [await resident_with_people(f"候补社{n}", 2) for n in range(3)]
    for _org, member, people in waiting:
        await seating.sign_up(member, session.id, SignUp(person_ids=frozenset(p.id for p in people)))
    seats = await Seat.filter(session_id=session.id, organization_id=holder.id).values_list("id", flat=True)
    calls = [seating.cancel_seat(holder_member, seat_id) for seat_id in seats]
    calls += [seating.fill(boss, session.id) for _ in range(4)]
    await outcomes(calls)
    seated = await Seat.filter(session_id=session.id, status=SeatStatus.SEATED).values_list("id", flat=True)
    assert len(seated) == 4 and (await TrainingSession.get(id=session.id)).seated == 4
    promotions = await AuditEntry.filter(action="promote", object_type="Seat").values_list("object_id", flat=True)
    assert sorted(int(i) for i in promotions) == sorted(seated)  # each seat promoted once, none twice
    assert max((await seated_counts(session.id)).values()) == 2  # the fair order: two of each of two organizations


async def test_a_session_and_a_booking_racing_for_one_room_leave_one_holder(planned, room, resident_with_people):
    _org, member, _people = await resident_with_people("订房社", 0)
    results = await outcomes([
        planned(start=time(14), end=time(17)),
        new_bookings.book(member, Book(space_id=room.id, day=TUESDAY, start=time(15), end=time(16))),
    ] * 1)
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1
    held = await Booking.filter(space_id=room.id, status=BookingStatus.CONFIRMED).count()
    assert held == 1 and await TrainingSession.all().count() == (1 if isinstance(winners[0], TrainingSession) else 0)


async def test_many_sessions_and_bookings_racing_for_one_afternoon_never_overlap(planned, room, resident_with_people):
    members = [(await resident_with_people(f"订房社{n}", 0))[1] for n in range(4)]
    calls = [planned(start=time(13 + n), end=time(15 + n), title=f"课{n}") for n in range(4)]
    calls += [new_bookings.book(members[n], Book(space_id=room.id, day=TUESDAY, start=time(13 + n, 30),
                                                 end=time(14 + n, 30))) for n in range(4)]
    await outcomes(calls)
    held = sorted(await Booking.filter(space_id=room.id, status=BookingStatus.CONFIRMED).values_list(
        "starts_at", "held_until"))
    assert held and all(earlier[1] <= later[0] for earlier, later in itertools.pairwise(held))
    assert await TrainingSession.all().count() == await Booking.filter(held_by="training").count()
    assert timedelta(0) < held[-1][1] - held[0][0]


# ---- the same race through real concurrent HTTP requests (sessions, CSRF, forms, the service) ----


async def test_thirty_concurrent_http_sign_ups_from_six_organizations_hold_capacity_and_shares(
        planned, park, make_user, new_browser):
    from incubator.organizations.models import Organization, Stage
    from incubator.roles import Role
    from incubator.training.models import Person

    session = await planned(capacity=10, per_organization=2)
    posts = []
    for n in range(6):
        organization = await Organization.create(park=park, name_zh=f"网报社{n}", stage=Stage.INCUBATING)
        await make_user(f"web.racer.{n}", Role.MEMBER, organization=organization)
        browser = new_browser()
        await browser.login(f"web.racer.{n}")
        for m in range(5):
            person = await Person.create(organization=organization, name=f"网报社{n}-{m}")
            posts.append(browser.post(f"/training/{session.id}/sign-up", {"person_ids": str(person.id)}))
    responses = await asyncio.gather(*posts)
    assert sorted(r.status_code for r in responses) == [303] * 30
    counts = await seated_counts(session.id)
    assert sum(counts.values()) == 10 and max(counts.values()) <= 2
    assert (await TrainingSession.get(id=session.id)).seated == 10
    assert await Seat.filter(session_id=session.id, status=SeatStatus.WAITLISTED).count() == 20
