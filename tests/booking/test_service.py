"""Booking a shared space: every rule of the space, who may book, the organization's quota shared by
its members, cancellation, and the nearest free slots when a time is taken."""

from __future__ import annotations

from datetime import date, time

import pytest

from incubator.access import Principal
from incubator.audit.models import AuditEntry
from incubator.booking import decisions, new_bookings
from incubator.booking.commands import Book, Cancel
from incubator.booking.models import Booking, BookingStatus
from incubator.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from incubator.organizations.models import Organization, Stage
from incubator.roles import Role
from tests.conftest import open_park

TUESDAY = date(2026, 12, 8)


def at(start: str, end: str, day: date = TUESDAY, **values) -> Book:
    return Book(space_id=values.pop("space_id"), day=day, start=time.fromisoformat(start),
                end=time.fromisoformat(end), **values)


async def refused(call, kind=ValidationFailed):
    with pytest.raises(kind) as caught:
        await call
    return caught.value


async def test_a_member_books_a_free_slot_of_their_park(room, rules, quota, resident, member_of):
    member = await member_of(resident)
    booking = await new_bookings.book(member, at("10:00", "11:30", space_id=room.id, attendees=8, purpose="理事会"))
    stored = await Booking.get(id=booking.id)
    assert (stored.organization_id, stored.booked_by_id, stored.status) == (resident.id, member.id, "confirmed")
    assert (stored.ends_at - stored.starts_at).total_seconds() == 90 * 60
    assert (stored.held_until - stored.ends_at).total_seconds() == 15 * 60  # the room's buffer
    assert await AuditEntry.filter(object_type="Booking", action="create").count() == 1


async def test_booking_refuses_overlap_in_same_room_including_the_buffer(room, rules, quota, park, member_of):
    first = await Organization.create(park=park, name_zh="甲社", stage=Stage.INCUBATING)
    second = await Organization.create(park=park, name_zh="乙社", stage=Stage.ADMITTED)
    await new_bookings.book(await member_of(first), at("10:00", "11:00", space_id=room.id))
    them = await member_of(second)
    for start, end in (("10:30", "11:30"), ("09:00", "10:30"), ("11:00", "12:00")):  # the last is in the buffer
        error = await refused(new_bookings.book(them, at(start, end, space_id=room.id)), Conflict)
        assert "该时段刚被预订" in error.message  # the default locale, zh_CN
    later = await new_bookings.book(them, at("11:30", "12:30", space_id=room.id))  # after the 15-minute buffer
    assert later.status == BookingStatus.CONFIRMED
    assert await Booking.filter(space_id=room.id).count() == 2


async def test_a_taken_time_is_answered_with_the_nearest_free_slots(room, rules, quota, park, member_of, admin):
    blocker = Principal(admin)
    await new_bookings.book(blocker, at("08:00", "12:00", space_id=room.id))  # a manager's block
    await new_bookings.book(blocker, at("12:30", "13:30", space_id=room.id))
    them = await member_of(await Organization.create(park=park, name_zh="丙社", stage=Stage.INCUBATING))
    error = await refused(new_bookings.book(them, at("11:00", "12:00", space_id=room.id)), Conflict)
    # 12:00–13:00 would run into 12:30; after 13:30 and its 15-minute buffer the grid's next is 14:00.
    assert error.message == "该时段刚被预订。附近的空闲时段:12-08 14:00–15:00、12-08 14:30–15:30、12-08 15:00–16:00。"


@pytest.mark.parametrize(("values", "field"), [
    ({"start": "07:30", "end": "08:30"}, "start"),  # before opening
    ({"start": "21:30", "end": "22:30"}, "start"),  # after closing
    ({"start": "10:15", "end": "11:15"}, "start"),  # not on the 30-minute grid
    ({"start": "10:00", "end": "10:00"}, "end"),  # no length
    ({"start": "10:00", "end": "15:00"}, "end"),  # over the 4-hour maximum
    ({"start": "08:00", "end": "08:30", "day": date(2026, 12, 7)}, "start"),  # under an hour's notice
    ({"start": "10:00", "end": "11:00", "day": date(2027, 1, 7)}, "day"),  # beyond 30 days ahead
    ({"start": "10:00", "end": "11:00", "day": date(2027, 1, 1)}, "day"),  # New Year's Day: closed
    ({"start": "10:00", "end": "11:00", "attendees": 13}, "attendees"),  # over capacity
])
async def test_each_rule_of_the_space_refuses_on_its_field(room, rules, quota, resident, member_of, values, field):
    values = {"start": "10:00", "end": "11:00", **values}
    error = await refused(new_bookings.book(await member_of(resident), at(
        values.pop("start"), values.pop("end"), space_id=room.id, **values)))
    assert field in error.errors, error.errors
    assert await Booking.all().count() == 0


async def test_a_space_closed_on_a_weekday_refuses_that_day(room, rules, quota, resident, member_of):
    room.opening_hours = {**room.opening_hours, "tue": None}
    await room.save()
    error = await refused(new_bookings.book(await member_of(resident), at("10:00", "11:00", space_id=room.id)))
    assert "day" in error.errors


async def test_only_resident_organizations_of_the_park_may_book(room, rules, quota, park, member_of, make_user):
    graduated = await Organization.create(park=park, name_zh="已出壳社", stage=Stage.GRADUATED)
    applicant = await Organization.create(park=park, name_zh="申请中社", stage=Stage.APPLIED)
    elsewhere = await Organization.create(park=await open_park(name_zh="别的园区"), name_zh="外园社",
                                          stage=Stage.INCUBATING)
    for organization in (graduated, applicant, elsewhere):
        await refused(new_bookings.book(await member_of(organization), at("10:00", "11:00", space_id=room.id)),
                      PermissionDenied)
    evaluator = Principal(await make_user("judge", Role.EVALUATOR))
    await refused(new_bookings.book(evaluator, at("10:00", "11:00", space_id=room.id)), PermissionDenied)
    assert await Booking.all().count() == 0


async def test_a_space_that_is_not_bookable_is_not_found(room, rules, quota, resident, member_of):
    room.bookable = False
    await room.save()
    await refused(new_bookings.book(await member_of(resident), at("10:00", "11:00", space_id=room.id)), NotFound)


async def test_a_manager_books_for_an_organization_of_their_park_only(room, rules, quota, resident, make_user, park):
    manager = await make_user("manager.a", Role.MANAGER, parks=[park])
    stranger = await make_user("manager.b", Role.MANAGER, parks=[await open_park(name_zh="另一园区")])
    booking = await new_bookings.book(Principal(manager, frozenset({park.id})), at(
        "10:00", "11:00", space_id=room.id, organization_id=resident.id))
    assert (booking.organization_id, booking.booked_by_id) == (resident.id, manager.id)
    await refused(new_bookings.book(Principal(stranger, frozenset({999})), at(
        "14:00", "15:00", space_id=room.id, organization_id=resident.id)), PermissionDenied)


async def test_the_quota_is_shared_by_the_organizations_members(room, rules, quota, resident, member_of):
    quota.week_minutes, quota.open_bookings = 180, 10
    await quota.save()
    first, second = await member_of(resident), await member_of(resident)
    await new_bookings.book(first, at("09:00", "11:00", space_id=room.id))
    await new_bookings.book(second, at("14:00", "15:00", space_id=room.id))  # 3 hours: the week's quota
    error = await refused(new_bookings.book(second, at("16:00", "16:30", space_id=room.id)))
    assert error.errors["end"] == "本次预订将超出贵组织本周 3 小时的额度。"
    # Next week counts afresh.
    await new_bookings.book(first, at("09:00", "10:00", space_id=room.id, day=date(2026, 12, 15)))


async def test_the_monthly_quota_and_the_open_bookings_hold(room, rules, quota, resident, member_of):
    member = await member_of(resident)
    quota.week_minutes, quota.month_minutes, quota.open_bookings = 10_000, 120, 10
    await quota.save()
    await new_bookings.book(member, at("09:00", "10:00", space_id=room.id))
    await new_bookings.book(member, at("09:00", "10:00", space_id=room.id, day=date(2026, 12, 16)))
    error = await refused(new_bookings.book(member, at("09:00", "09:30", space_id=room.id, day=date(2026, 12, 23))))
    assert "end" in error.errors
    await new_bookings.book(member, at("09:00", "10:00", space_id=room.id, day=date(2027, 1, 5)))  # January
    quota.month_minutes, quota.open_bookings = 10_000, 3
    await quota.save()
    error = await refused(new_bookings.book(member, at("09:00", "10:00", space_id=room.id, day=date(2026, 12, 9))))
    assert "start" in error.errors


async def test_a_cancelled_booking_frees_its_time_and_its_quota(room, rules, quota, resident, member_of, park):
    member = await member_of(resident)
    quota.week_minutes = 60
    await quota.save()
    booking = await new_bookings.book(member, at("10:00", "11:00", space_id=room.id))
    await decisions.cancel(member, booking.id, Cancel())
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CANCELLED
    other = await member_of(await Organization.create(park=park, name_zh="丁社", stage=Stage.INCUBATING))
    await new_bookings.book(other, at("10:00", "11:00", space_id=room.id))
    await new_bookings.book(member, at("14:00", "15:00", space_id=room.id))
    assert await AuditEntry.filter(object_type="Booking", action="cancel").count() == 1


async def test_nobody_cancels_another_organizations_booking(room, rules, quota, resident, member_of, park):
    booking = await new_bookings.book(await member_of(resident), at("10:00", "11:00", space_id=room.id))
    other = await member_of(await Organization.create(park=park, name_zh="戊社", stage=Stage.INCUBATING))
    await refused(decisions.cancel(other, booking.id, Cancel()), NotFound)
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED


async def test_a_manager_cancels_with_a_reason_and_a_member_not_after_the_start(
        room, rules, quota, resident, member_of, make_user, park, frozen):
    member = await member_of(resident)
    first = await new_bookings.book(member, at("10:00", "11:00", space_id=room.id))
    second = await new_bookings.book(member, at("14:00", "15:00", space_id=room.id))
    manager = Principal(await make_user("manager.c", Role.MANAGER, parks=[park]), frozenset({park.id}))
    error = await refused(decisions.cancel(manager, first.id, Cancel(reason=" ")))
    assert "reason" in error.errors
    await decisions.cancel(manager, first.id, Cancel(reason="消防检查"))
    assert (await Booking.get(id=first.id)).end_reason == "消防检查"
    frozen.move_to("2026-12-08 14:05:00+08:00")
    await refused(decisions.cancel(member, second.id, Cancel()), PermissionDenied)


async def test_a_space_that_needs_approval_takes_pending_bookings_that_may_overlap(
        room, rules, quota, park, member_of):
    room.needs_approval = True
    await room.save()
    first = await Organization.create(park=park, name_zh="己社", stage=Stage.INCUBATING)
    second = await Organization.create(park=park, name_zh="庚社", stage=Stage.INCUBATING)
    one = await new_bookings.book(await member_of(first), at("10:00", "11:00", space_id=room.id))
    two = await new_bookings.book(await member_of(second), at("10:00", "11:00", space_id=room.id))
    assert one.status == two.status == BookingStatus.PENDING


async def test_graduating_cancels_the_bookings_to_come_and_tells_the_members(
        room, rules, quota, resident, member_of, frozen):
    from incubator import events
    from incubator.notifications.models import Notification
    from incubator.organizations.events import StageChanged

    member = await member_of(resident)
    past = await new_bookings.book(member, at("09:00", "10:00", space_id=room.id))
    coming = [await new_bookings.book(member, at(start, end, space_id=room.id, day=date(2026, 12, 9)))
              for start, end in (("09:00", "10:00"), ("14:00", "15:00"))]
    frozen.move_to("2026-12-08 12:00:00+08:00")
    await Organization.filter(id=resident.id).update(stage=Stage.GRADUATED)  # what the stage change commits
    await events.deliver(StageChanged(organization_id=resident.id, source="incubating", target="graduated"))
    statuses = {b.id: (b.status, b.end_reason) for b in await Booking.all()}
    assert statuses[past.id] == (BookingStatus.CONFIRMED, "")
    assert all(statuses[b.id] == (BookingStatus.CANCELLED, decisions.LEFT_PARK) for b in coming)
    notice = await Notification.get(user_id=member.id)
    assert (notice.kind, notice.details) == ("bookings_cancelled", {"count": 2})
    assert await AuditEntry.filter(object_type="Booking", action="cancel", actor_id=None).count() == 2
    await refused(new_bookings.book(member, at("16:00", "17:00", space_id=room.id, day=date(2026, 12, 9))),
                  PermissionDenied)  # graduates no longer book (a lower graduates' quota: later)


async def test_approving_a_request_confirms_it_and_rejects_the_overlapping_ones(
        room, rules, quota, park, member_of, make_user):
    from incubator.notifications.models import Notification

    room.needs_approval = True
    await room.save()
    manager_user = await make_user("manager.d", Role.MANAGER, parks=[park])
    manager = Principal(manager_user, frozenset({park.id}))
    first = await Organization.create(park=park, name_zh="壬社", stage=Stage.INCUBATING)
    second = await Organization.create(park=park, name_zh="癸社", stage=Stage.INCUBATING)
    one_member, two_member = await member_of(first), await member_of(second)
    one = await new_bookings.book(one_member, at("10:00", "11:00", space_id=room.id))
    two = await new_bookings.book(two_member, at("10:30", "11:30", space_id=room.id))
    later = await new_bookings.book(two_member, at("14:00", "15:00", space_id=room.id))
    asked = await Notification.filter(user_id=manager_user.id, kind="booking_requested").count()
    assert asked == 3
    await decisions.approve(manager, one.id)
    statuses = {b.id: (b.status, b.end_reason) for b in await Booking.all()}
    assert statuses[one.id] == (BookingStatus.CONFIRMED, "")
    assert statuses[two.id] == (BookingStatus.REJECTED, decisions.OVERLAPS_APPROVED)
    assert statuses[later.id] == (BookingStatus.PENDING, "")  # does not overlap: still waits
    assert await Notification.filter(user_id=one_member.id, kind="booking_approved").count() == 1
    rejected = await Notification.get(user_id=two_member.id, kind="booking_rejected")
    assert rejected.details["when"] == "12-08 10:30–11:30"  # the request's own time
    await refused(decisions.approve(manager, two.id), PermissionDenied)  # no longer pending
    error = await refused(decisions.reject(manager, later.id, Cancel(reason="")))
    assert "reason" in error.errors
    await decisions.reject(manager, later.id, Cancel(reason="场地维修"))
    assert (await Booking.get(id=later.id)).end_reason == "场地维修"


async def test_a_member_cannot_approve_and_a_confirmed_overlap_blocks_approval(
        room, rules, quota, park, member_of, make_user, admin):
    room.needs_approval = True
    await room.save()
    member = await member_of(await Organization.create(park=park, name_zh="子社", stage=Stage.INCUBATING))
    request = await new_bookings.book(member, at("10:00", "11:00", space_id=room.id))
    await refused(decisions.approve(member, request.id), PermissionDenied)
    await new_bookings.book(Principal(admin), at("10:00", "12:00", space_id=room.id))  # a manager's block, confirmed
    await refused(decisions.approve(Principal(admin), request.id), Conflict)
    assert (await Booking.get(id=request.id)).status == BookingStatus.PENDING


async def test_a_managers_block_may_hold_the_whole_open_day_a_booking_not(room, rules, quota, resident, member_of,
                                                                          admin):
    block = await new_bookings.book(Principal(admin), at("08:00", "22:00", space_id=room.id, day=date(2026, 12, 9)))
    assert block.organization_id is None and (block.ends_at - block.starts_at).total_seconds() == 14 * 3600
    error = await refused(new_bookings.book(await member_of(resident), at("08:00", "22:00", space_id=room.id)))
    assert error.errors == {"end": "每次预订时长为 30 至 240 分钟。"}
