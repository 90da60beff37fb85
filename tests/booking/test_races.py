"""Races for one slot and for one organization's quota, on both databases: the rules hold because
each booking serializes on its space and its organization before it checks, and on PostgreSQL the
exclusion constraint holds even for a writer that skipped the service."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

import pytest
from tortoise.exceptions import IntegrityError

from incubator.booking import decisions, new_bookings, quotas
from incubator.booking.commands import Book
from incubator.booking.models import Booking, BookingStatus
from incubator.errors import Conflict, ValidationFailed
from incubator.organizations.models import Organization, Stage
from tests.booking.conftest import minutes_booked
from tests.booking.test_service import TUESDAY
from tests.conftest import POSTGRES_URL


async def outcomes(calls) -> list[str]:
    results = await asyncio.gather(*calls, return_exceptions=True)
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, (Conflict, ValidationFailed))]
    assert not unexpected, unexpected
    return sorted(type(r).__name__ for r in results)


async def test_fifty_requests_from_five_organizations_for_one_slot_make_exactly_one_booking(
        room, rules, quota, park, member_of):
    members = []
    for n in range(5):
        organization = await Organization.create(park=park, name_zh=f"竞争社{n}", stage=Stage.INCUBATING)
        members += [await member_of(organization) for _ in range(2)]
    command = Book(space_id=room.id, day=TUESDAY, start=time(10), end=time(11, 30))
    results = await outcomes(new_bookings.book(members[n % len(members)], command) for n in range(50))
    assert results.count("Booking") == 1 and results.count("Conflict") == 49
    assert await Booking.filter(space_id=room.id, status=BookingStatus.CONFIRMED).count() == 1


async def test_twenty_requests_over_one_organizations_quota_hold_it_to_the_minute(
        room, rules, quota, resident, member_of):
    quota.week_minutes, quota.month_minutes, quota.open_bookings = 8 * 60, 100 * 60, 100
    await quota.save()
    members = [await member_of(resident) for _ in range(4)]
    # Twenty one-hour slots, none touching another (the room's buffer is 15 minutes), over the week.
    slots = [(TUESDAY + timedelta(days=n // 5), time(8 + 2 * (n % 5))) for n in range(20)]
    results = await outcomes(
        new_bookings.book(members[n % 4], Book(space_id=room.id, day=day, start=start,
                                               end=time(start.hour + 1))) for n, (day, start) in enumerate(slots))
    assert results.count("Booking") == 8 and results.count("ValidationFailed") == 12
    booked = await minutes_booked(resident.id, TUESDAY - timedelta(days=1), TUESDAY + timedelta(days=6))
    assert booked == 8 * 60


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL's exclusion constraint (SQLite serializes in the service)")
async def test_postgresql_refuses_overlapping_confirmed_bookings_written_past_the_service(room, resident):
    start = datetime(2026, 12, 8, 2, tzinfo=UTC)
    row = {"space_id": room.id, "organization_id": resident.id, "starts_at": start,
           "ends_at": start + timedelta(hours=1), "held_until": start + timedelta(hours=1, minutes=15)}
    first = await Booking.create(**row, status=BookingStatus.CONFIRMED)
    later = {**row, "starts_at": start + timedelta(minutes=70), "ends_at": start + timedelta(minutes=130),
             "held_until": start + timedelta(minutes=130)}
    with pytest.raises(IntegrityError):
        await Booking.create(**later, status=BookingStatus.CONFIRMED)  # inside the first's buffer
    await Booking.create(**later, status=BookingStatus.PENDING)  # pending bookings may overlap
    await Booking.filter(id=first.id).update(status=BookingStatus.CANCELLED)
    await Booking.create(**later, status=BookingStatus.CONFIRMED)  # the cancelled one holds nothing


async def test_a_first_save_that_loses_to_another_is_told_so_not_a_server_error(park, make_user, monkeypatch):
    """Two managers saving a park's first quota at once: the one that read "none yet" before the
    other's insert committed meets the unique park column, and is answered with a conflict."""
    from incubator.access import Principal
    from incubator.booking.commands import SetQuota
    from incubator.booking.models import BookingQuota
    from incubator.roles import Role

    manager = Principal(await make_user("quota.manager", Role.MANAGER, parks=[park]), frozenset({park.id}))
    await BookingQuota.create(park_id=park.id, week_minutes=60, month_minutes=60, open_bookings=1)  # the other's

    async def read_before_it(**key):
        return None  # what the loser read, before the other's insert committed

    monkeypatch.setattr(BookingQuota, "get_or_none", read_before_it)
    with pytest.raises(Conflict):
        await quotas.set_quota(manager, park.id, SetQuota(week_hours=5, month_hours=20, open_bookings=3))
    monkeypatch.undo()
    quota = await BookingQuota.get(park_id=park.id)
    assert (quota.week_minutes, await BookingQuota.filter(park_id=park.id).count()) == (60, 1)


# ---- the same races through real concurrent HTTP requests (sessions, CSRF, forms, the service) ----


async def _signed_in(new_browser, make_user, organization, name):
    from incubator.roles import Role

    await make_user(name, Role.MEMBER, organization=organization)
    browser = new_browser()
    await browser.login(name)
    return browser


async def test_fifty_concurrent_requests_for_one_slot_book_it_once(new_browser, make_user, room, rules, quota, park):
    browsers = []
    for n in range(5):
        organization = await Organization.create(park=park, name_zh=f"抢订社{n}", stage=Stage.INCUBATING)
        browsers += [await _signed_in(new_browser, make_user, organization, f"racer.{n}.{m}") for m in range(2)]
    form = {"day": TUESDAY.isoformat(), "start": "10:00", "end": "11:30", "attendees": "4", "purpose": "抢订"}
    responses = await asyncio.gather(*(browsers[n % 10].post(f"/spaces/{room.id}/book", form) for n in range(50)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [303] + [409] * 49
    assert all("该时段刚被预订" in r.text for r in responses if r.status_code == 409)
    assert await Booking.filter(space_id=room.id, status=BookingStatus.CONFIRMED).count() == 1


async def test_twenty_concurrent_requests_hold_the_quota_to_the_minute(
        new_browser, make_user, room, rules, quota, resident):
    quota.week_minutes, quota.month_minutes, quota.open_bookings = 8 * 60, 100 * 60, 100
    await quota.save()
    browsers = [await _signed_in(new_browser, make_user, resident, f"quota.racer.{n}") for n in range(4)]
    slots = [(TUESDAY + timedelta(days=n // 5), 8 + 2 * (n % 5)) for n in range(20)]
    responses = await asyncio.gather(*(
        browsers[n % 4].post(f"/spaces/{room.id}/book", {"day": day.isoformat(), "start": f"{hour:02d}:00",
                                                         "end": f"{hour + 1:02d}:00", "attendees": "2"})
        for n, (day, hour) in enumerate(slots)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [303] * 8 + [400] * 12, codes
    booked = await minutes_booked(resident.id, TUESDAY - timedelta(days=1), TUESDAY + timedelta(days=6))
    assert booked == 8 * 60


@pytest.mark.skipif(not POSTGRES_URL, reason="SQLite has one writer: a cancellation cannot wait on an approval's row")
async def test_a_cancellation_racing_an_approval_audits_the_status_it_changed(
        room, rules, quota, park, resident, member_of, make_user, monkeypatch):
    """The approval has confirmed the request and still holds its row when the member cancels: the
    cancellation waits for it, then cancels a confirmed booking, and says so in the audit log."""
    from incubator.access import Principal
    from incubator.audit.models import AuditEntry
    from incubator.booking.commands import Cancel
    from incubator.roles import Role

    room.needs_approval = True
    await room.save()
    member = await member_of(resident)
    request = await new_bookings.book(member, Book(space_id=room.id, day=TUESDAY, start=time(10), end=time(11)))
    assert request.status == BookingStatus.PENDING
    manager = Principal(await make_user("race.manager", Role.MANAGER, parks=[park]), frozenset({park.id}))
    approved_not_committed = asyncio.Event()
    space_name = decisions.name_of_space

    async def hold_the_row(space_id: int) -> str:  # inside approve's transaction, after its UPDATE
        approved_not_committed.set()
        await asyncio.sleep(0.5)  # the cancellation reads, then waits on the row
        return await space_name(space_id)

    monkeypatch.setattr(decisions, "name_of_space", hold_the_row)

    async def cancel_once_approved_but_not_committed() -> Booking:
        await approved_not_committed.wait()
        return await decisions.cancel(member, request.id, Cancel())

    await asyncio.gather(decisions.approve(manager, request.id), cancel_once_approved_but_not_committed())
    assert (await Booking.get(id=request.id)).status == BookingStatus.CANCELLED
    trail = [(entry.action, entry.changes["status"]) for entry in await AuditEntry.filter(
        object_type="Booking", object_id=str(request.id), action__in=["approve", "cancel"]).order_by("id")]
    assert trail == [("approve", ["pending", "confirmed"]), ("cancel", ["confirmed", "cancelled"])]
