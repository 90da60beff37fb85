"""Check-in at the door and the no-show release: the door tablet's page and its daily QR code, a
member checking in with it, a manager marking a booking present, and the job that frees the time of
a booking nobody checked in to and counts a no-show."""

from __future__ import annotations

from datetime import date, datetime, time

from incubator import clock
from incubator.access import Principal
from incubator.booking import service
from incubator.booking.commands import Book
from incubator.booking.models import Booking, BookingStatus
from incubator.notifications.models import Notification
from incubator.organizations.models import Organization, Stage
from incubator.roles import Role
from tests.booking.conftest import no_shows
from tests.booking.test_service import TUESDAY, at, refused
from tests.conftest import Browser

SECRET = "test-secret-key-" + "x" * 40  # the tests' settings (tests/conftest.py)


def on_tuesday(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(TUESDAY, time(hour, minute), tzinfo=clock.zone())


async def test_the_door_page_shows_todays_bookings_and_a_qr_code_without_sign_in(
        app, room, rules, quota, resident, member_of, frozen):
    await service.book(await member_of(resident), at("10:00", "11:00", space_id=room.id))
    frozen.move_to(on_tuesday(9))
    browser = Browser(app)
    token = service.door_token(SECRET, room.id)
    page = await browser.get(f"/door/{room.id}/{token}")
    assert page.status_code == 200 and resident.name_zh in page.text and "<svg" in page.text
    assert (await browser.get(f"/door/{room.id}/{'0' * 24}")).status_code == 404
    assert (await browser.get(f"/door/{room.id}/{token}x")).status_code == 404


async def test_a_member_checks_in_with_todays_code_only_around_the_booking(
        app, room, rules, quota, resident, member_of, frozen, make_user):
    booking = await service.book(await member_of(resident), at("10:00", "11:00", space_id=room.id))
    await make_user("door.member", Role.MEMBER, organization=resident)
    frozen.move_to(on_tuesday(9, 30))  # 30 minutes early: nothing to check in to yet
    browser = Browser(app)
    await browser.login("door.member")
    code = service.door_code(SECRET, room.id, TUESDAY)
    early = await browser.get(f"/spaces/{room.id}/check-in?code={code}")
    assert "贵组织当前没有可签到的该场地预订" in early.text
    frozen.move_to(on_tuesday(9, 50))
    stale = await browser.post(f"/spaces/{room.id}/check-in",
                               {"code": service.door_code(SECRET, room.id, date(2026, 12, 7))})
    assert stale.status_code == 400 and (await Booking.get(id=booking.id)).checked_in_at is None
    done = await browser.post(f"/spaces/{room.id}/check-in", {"code": code})
    assert done.status_code == 303
    assert (await Booking.get(id=booking.id)).checked_in_at == on_tuesday(9, 50)


async def test_the_job_releases_a_booking_nobody_checked_in_to_and_the_time_is_free_again(
        room, rules, quota, park, resident, member_of, frozen):
    rules.notice_minutes = 0
    await rules.save()
    member = await member_of(resident)
    missed = await service.book(member, at("10:00", "12:00", space_id=room.id))
    kept = await service.book(member, at("14:00", "15:00", space_id=room.id))
    frozen.move_to(on_tuesday(10, 14))
    assert await service.release_no_shows() == {"released": 0}  # 15 minutes' grace
    frozen.move_to(on_tuesday(13, 50))
    await service._check_in(member, kept)
    frozen.move_to(on_tuesday(10, 15))
    assert await service.release_no_shows() == {"released": 1}
    assert await service.release_no_shows() == {"released": 0}  # idempotent
    stored = await Booking.get(id=missed.id)
    assert (stored.status, stored.end_reason) == (BookingStatus.RELEASED, service.NO_SHOW)
    assert (await Booking.get(id=kept.id)).status == BookingStatus.CONFIRMED
    assert await Notification.filter(user_id=member.id, kind="booking_released").count() == 1
    other = await member_of(await Organization.create(park=park, name_zh="候补社", stage=Stage.INCUBATING))
    await service.book(other, at("10:30", "12:00", space_id=room.id))  # the freed time
    assert await no_shows([resident.id, other.organization_id], on_tuesday(0)) == {resident.id: 1}


async def test_a_manager_marks_a_booking_checked_in_during_it_only(
        room, rules, quota, park, resident, member_of, frozen, make_user):
    booking = await service.book(await member_of(resident), at("10:00", "11:00", space_id=room.id))
    manager = Principal(await make_user("door.manager", Role.MANAGER, parks=[park]), frozenset({park.id}))
    await refused(service.mark_checked_in(manager, booking.id))  # not yet
    frozen.move_to(on_tuesday(10, 5))
    await service.mark_checked_in(manager, booking.id)
    frozen.move_to(on_tuesday(10, 30))
    assert await service.release_no_shows() == {"released": 0}


async def test_the_release_time_is_the_spaces_own(room, rules, quota, resident, member_of, frozen):
    rules.release_minutes = 40
    await rules.save()
    await service.book(await member_of(resident), Book(space_id=room.id, day=TUESDAY, start=time(10), end=time(11)))
    frozen.move_to(on_tuesday(10, 30))
    assert await service.release_no_shows() == {"released": 0}
    frozen.move_to(on_tuesday(10, 40))
    assert await service.release_no_shows() == {"released": 1}


async def test_managers_see_an_organizations_no_shows_on_its_page(
        browser, manager, room, rules, quota, resident, member_of, frozen):
    await service.book(await member_of(resident), at("10:00", "11:00", space_id=room.id))
    await service.book(await member_of(resident), at("15:00", "16:00", space_id=room.id))
    frozen.move_to(on_tuesday(10, 20))
    await service.release_no_shows()
    await browser.login("manager")
    page = (await browser.get(f"/organizations/{resident.id}")).text
    assert "近 90 天爽约次数:1。" in page and room.name in page  # and the booking still to come


async def test_a_code_of_any_text_is_refused_not_a_server_error(app, room, rules, quota, resident, member_of):
    member = await member_of(resident)
    for code in ("·", "签到", "\u0000", "x" * 500):
        error = await refused(service.check_in(member, room.id, code, SECRET))
        assert "code" in error.errors
    browser = Browser(app)
    assert (await browser.get(f"/door/{room.id}/门")).status_code == 404
