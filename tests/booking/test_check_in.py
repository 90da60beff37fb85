"""Check-in at the door and the no-show release: the door tablet's page and its daily QR code, a
member checking in with it, a manager marking a booking present, and the job that frees the time of
a booking nobody checked in to and counts a no-show."""

from __future__ import annotations

from datetime import date, datetime, time

from incubator import clock
from incubator.access import Principal
from incubator.booking import check_in, new_bookings
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
    await new_bookings.book(await member_of(resident), at("10:00", "11:00", space_id=room.id))
    frozen.move_to(on_tuesday(9))
    browser = Browser(app)
    token = check_in.door_token(SECRET, room.id)
    page = await browser.get(f"/door/{room.id}/{token}")
    assert page.status_code == 200 and resident.name_zh in page.text and "<svg" in page.text
    assert (await browser.get(f"/door/{room.id}/{'0' * 24}")).status_code == 404
    assert (await browser.get(f"/door/{room.id}/{token}x")).status_code == 404


async def test_a_member_checks_in_with_todays_code_only_around_the_booking(
        app, room, rules, quota, resident, member_of, frozen, make_user):
    booking = await new_bookings.book(await member_of(resident), at("10:00", "11:00", space_id=room.id))
    await make_user("door.member", Role.MEMBER, organization=resident, language="en")
    frozen.move_to(on_tuesday(9, 30))  # 30 minutes early: nothing to check in to yet
    browser = Browser(app)
    await browser.login("door.member")
    code = check_in.door_code(SECRET, room.id, TUESDAY)
    early = await browser.get(f"/spaces/{room.id}/check-in?code={code}")
    assert "Check-in opens at 09:45." in early.text and "booking:check_in_submit" not in early.text
    assert f'action="/spaces/{room.id}/check-in"' not in early.text
    frozen.move_to(on_tuesday(9, 50))
    stale = await browser.post(f"/spaces/{room.id}/check-in",
                               {"code": check_in.door_code(SECRET, room.id, date(2026, 12, 7))})
    assert stale.status_code == 400 and (await Booking.get(id=booking.id)).checked_in_at is None
    done = await browser.post(f"/spaces/{room.id}/check-in", {"code": code})
    assert done.status_code == 303
    assert (await Booking.get(id=booking.id)).checked_in_at == on_tuesday(9, 50)


async def test_the_job_releases_a_booking_nobody_checked_in_to_and_the_time_is_free_again(
        room, rules, quota, park, resident, member_of, frozen):
    rules.notice_minutes = 0
    await rules.save()
    member = await member_of(resident)
    missed = await new_bookings.book(member, at("10:00", "12:00", space_id=room.id))
    kept = await new_bookings.book(member, at("14:00", "15:00", space_id=room.id))
    frozen.move_to(on_tuesday(10, 14))
    assert await check_in.release_no_shows() == {"released": 0}  # 15 minutes' grace
    frozen.move_to(on_tuesday(13, 50))
    await check_in._check_in(member, kept)
    frozen.move_to(on_tuesday(10, 15))
    assert await check_in.release_no_shows() == {"released": 1}
    assert await check_in.release_no_shows() == {"released": 0}  # idempotent
    stored = await Booking.get(id=missed.id)
    assert (stored.status, stored.end_reason) == (BookingStatus.RELEASED, check_in.NO_SHOW)
    assert (await Booking.get(id=kept.id)).status == BookingStatus.CONFIRMED
    assert await Notification.filter(user_id=member.id, kind="booking_released").count() == 1
    other = await member_of(await Organization.create(park=park, name_zh="候补社", stage=Stage.INCUBATING))
    await new_bookings.book(other, at("10:30", "12:00", space_id=room.id))  # the freed time
    assert await no_shows([resident.id, other.organization_id], on_tuesday(0)) == {resident.id: 1}


async def test_a_manager_marks_a_booking_checked_in_during_it_only(
        room, rules, quota, park, resident, member_of, frozen, make_user):
    booking = await new_bookings.book(await member_of(resident), at("10:00", "11:00", space_id=room.id))
    manager = Principal(await make_user("door.manager", Role.MANAGER, parks=[park]), frozenset({park.id}))
    await refused(check_in.mark_checked_in(manager, booking.id))  # not yet
    frozen.move_to(on_tuesday(10, 5))
    await check_in.mark_checked_in(manager, booking.id)
    frozen.move_to(on_tuesday(10, 30))
    assert await check_in.release_no_shows() == {"released": 0}


async def test_the_release_time_is_the_spaces_own(room, rules, quota, resident, member_of, frozen):
    rules.release_minutes = 40
    await rules.save()
    await new_bookings.book(await member_of(resident),
                            Book(space_id=room.id, day=TUESDAY, start=time(10), end=time(11)))
    frozen.move_to(on_tuesday(10, 30))
    assert await check_in.release_no_shows() == {"released": 0}
    frozen.move_to(on_tuesday(10, 40))
    assert await check_in.release_no_shows() == {"released": 1}


async def test_managers_see_an_organizations_no_shows_on_its_page(
        browser, manager, room, rules, quota, resident, member_of, frozen):
    await new_bookings.book(await member_of(resident), at("10:00", "11:00", space_id=room.id))
    await new_bookings.book(await member_of(resident), at("15:00", "16:00", space_id=room.id))
    frozen.move_to(on_tuesday(10, 20))
    await check_in.release_no_shows()
    await browser.login("manager")
    page = (await browser.get(f"/organizations/{resident.id}")).text
    assert "近 90 天爽约次数:1。" in page and room.name in page  # and the booking still to come


async def test_a_code_of_any_text_is_refused_not_a_server_error(app, room, rules, quota, resident, member_of):
    member = await member_of(resident)
    for code in ("·", "签到", "\u0000", "x" * 500):
        error = await refused(check_in.check_in(member, room.id, code, SECRET))
        assert "code" in error.errors
    browser = Browser(app)
    assert (await browser.get(f"/door/{room.id}/门")).status_code == 404


# ---- why a check-in is refused, and the member's check-in from their bookings ------------------

Refused = check_in.CheckInRefused


async def test_a_check_in_refusal_says_which_rule_refused_it(room, rules, quota, park, resident, member_of, frozen):
    member = await member_of(resident)
    booking = await new_bookings.book(member, at("10:00", "11:00", space_id=room.id))
    other = await member_of(await Organization.create(park=park, name_zh="邻社", stage=Stage.INCUBATING))
    frozen.move_to(on_tuesday(9, 44))
    early = check_in.check_in_refusal(member, booking)
    assert early is not None and early.reason == Refused.TOO_EARLY and "09:45" in early.message
    frozen.move_to(on_tuesday(9, 45))
    assert check_in.check_in_refusal(member, booking) is None  # the window opens 15 minutes before
    assert check_in.check_in_refusal(other, booking).reason == Refused.NOT_YOURS
    frozen.move_to(on_tuesday(11))
    ended = check_in.check_in_refusal(member, booking)
    assert ended.reason == Refused.ENDED and "11:00" in ended.message
    frozen.move_to(on_tuesday(10, 30))
    await check_in.check_in_booking(member, booking.id, check_in.door_code(SECRET, room.id, TUESDAY), SECRET)
    assert check_in.check_in_refusal(member, await Booking.get(id=booking.id)).reason == Refused.ALREADY
    messages = {early.message, ended.message, check_in.check_in_refusal(other, booking).message}
    assert len(messages) == 3  # three reasons, three sentences


async def test_a_pending_booking_does_not_check_in(room, rules, quota, resident, member_of, frozen):
    room.needs_approval = True
    await room.save()
    member = await member_of(resident)
    request = await new_bookings.book(member, at("10:00", "11:00", space_id=room.id))
    frozen.move_to(on_tuesday(10))
    assert check_in.check_in_refusal(member, request).reason == Refused.NOT_CONFIRMED


async def test_an_old_code_reads_expired_and_a_made_up_one_wrong(room, rules, quota, resident, member_of, frozen):
    member = await member_of(resident)
    booking = await new_bookings.book(member, at("10:00", "11:00", space_id=room.id))
    frozen.move_to(on_tuesday(9, 50))
    yesterday = check_in.door_code(SECRET, room.id, date(2026, 12, 7))
    expired = await refused(check_in.check_in(member, room.id, yesterday, SECRET), Refused)
    wrong = await refused(check_in.check_in(member, room.id, "0" * 20, SECRET), Refused)
    other_room = await refused(check_in.check_in(member, room.id, check_in.door_code(SECRET, room.id + 1, TUESDAY),
                                                 SECRET), Refused)
    assert (expired.reason, wrong.reason, other_room.reason) == (Refused.EXPIRED_CODE, Refused.WRONG_CODE,
                                                                 Refused.WRONG_CODE)
    assert expired.message != wrong.message and (await Booking.get(id=booking.id)).checked_in_at is None
    typed = check_in.door_typed_code(SECRET, room.id, TUESDAY)
    assert len(typed) == 6 and typed.isdigit()
    await check_in.check_in_booking(member, booking.id, f" {typed[:3]} {typed[3:]} ", SECRET)  # as printed
    assert (await Booking.get(id=booking.id)).checked_in_at == on_tuesday(9, 50)


async def test_scanning_the_door_says_whose_time_it_is(room, rules, quota, park, resident, member_of, frozen):
    member = await member_of(resident)
    neighbour = await member_of(await Organization.create(park=park, name_zh="邻社", stage=Stage.INCUBATING))
    await new_bookings.book(neighbour, at("10:00", "11:00", space_id=room.id))
    await new_bookings.book(member, at("14:00", "15:00", space_id=room.id))
    code = check_in.door_code(SECRET, room.id, TUESDAY)
    frozen.move_to(on_tuesday(10, 15))  # the neighbour's time; ours opens at 13:45
    assert (await refused(check_in.check_in(member, room.id, code, SECRET), Refused)).reason == Refused.TOO_EARLY
    frozen.move_to(on_tuesday(15, 30))  # ours has ended
    assert (await refused(check_in.check_in(member, room.id, code, SECRET), Refused)).reason == Refused.ENDED
    stranger = await member_of(await Organization.create(park=park, name_zh="路过社", stage=Stage.INCUBATING))
    frozen.move_to(on_tuesday(10, 15))
    assert (await refused(check_in.check_in(stranger, room.id, code, SECRET), Refused)).reason == Refused.NOT_YOURS
    frozen.move_to(on_tuesday(12))
    assert (await refused(check_in.check_in(stranger, room.id, code, SECRET), Refused)).reason == Refused.NO_BOOKING


async def test_the_bookings_list_offers_a_member_check_in_only_inside_the_window(
        app, room, rules, quota, resident, member_of, make_user, frozen):
    booking = await new_bookings.book(await member_of(resident), at("10:00", "11:00", space_id=room.id))
    await make_user("list.member", Role.MEMBER, organization=resident, language="en")
    frozen.move_to(on_tuesday(9, 40))
    browser = Browser(app)
    await browser.login("list.member")
    action = f'href="/bookings/{booking.id}/check-in"'
    assert action not in (await browser.get("/bookings")).text
    early = await browser.get(f"/bookings/{booking.id}/check-in")
    assert "Check-in opens at 09:45." in early.text and 'name="code"' not in early.text
    frozen.move_to(on_tuesday(9, 45))
    assert action in (await browser.get("/bookings")).text
    page = await browser.get(f"/bookings/{booking.id}/check-in")
    assert page.status_code == 200 and 'name="code"' in page.text
    stale = await browser.post(f"/bookings/{booking.id}/check-in/code",
                               {"code": check_in.door_typed_code(SECRET, room.id, date(2026, 12, 7))})
    assert stale.status_code == 400 and "This code has expired" in stale.text
    done = await browser.post(f"/bookings/{booking.id}/check-in/code",
                              {"code": check_in.door_typed_code(SECRET, room.id, TUESDAY)})
    assert done.status_code == 303 and (await Booking.get(id=booking.id)).checked_in_at == on_tuesday(9, 45)
    assert action not in (await browser.get("/bookings")).text  # checked in: no more action


async def test_a_member_cannot_check_in_to_another_organizations_booking(
        app, room, rules, quota, park, member_of, make_user, frozen):
    theirs = await new_bookings.book(await member_of(await Organization.create(park=park, name_zh="他社",
                                                                               stage=Stage.INCUBATING)),
                                     at("10:00", "11:00", space_id=room.id))
    ours = await Organization.create(park=park, name_zh="我社", stage=Stage.INCUBATING)
    await make_user("nosy.member", Role.MEMBER, organization=ours)
    frozen.move_to(on_tuesday(10))
    browser = Browser(app)
    await browser.login("nosy.member")
    assert (await browser.get(f"/bookings/{theirs.id}/check-in")).status_code == 404
    posted = await browser.post(f"/bookings/{theirs.id}/check-in/code",
                                {"code": check_in.door_code(SECRET, room.id, TUESDAY)})
    assert posted.status_code == 404 and (await Booking.get(id=theirs.id)).checked_in_at is None


async def test_the_door_prints_todays_code_to_type(app, room, rules, quota, resident, member_of, frozen):
    frozen.move_to(on_tuesday(9))
    typed = check_in.door_typed_code(SECRET, room.id, TUESDAY)
    page = await Browser(app).get(f"/door/{room.id}/{check_in.door_token(SECRET, room.id)}")
    assert f"{typed[:3]} {typed[3:]}" in page.text
