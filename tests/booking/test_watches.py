"""Watching a taken time: refused while it is free; when it frees (cancelled, released, moved away)
the earliest watcher is told once, the others wait their turn; a time still partly held tells nobody."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from incubator import clock
from incubator.access import Principal
from incubator.booking import check_in, decisions, new_bookings, watches
from incubator.booking.commands import Book, Cancel, Move, Watch
from incubator.booking.models import BookingWatch
from incubator.errors import ValidationFailed
from incubator.notifications.models import Notification
from incubator.organizations.models import Organization, Stage
from incubator.roles import Role

TUESDAY = date(2026, 12, 8)


def slot(start: str, end: str, space_id: int, day: date = TUESDAY) -> dict:
    return {"space_id": space_id, "day": day, "start": time.fromisoformat(start), "end": time.fromisoformat(end)}


@pytest.fixture
async def three(park, room, rules, quota, member_of):
    """The holder of Tuesday 10:00–11:00 and two organizations that want it."""
    holder, first, second = [await member_of(await Organization.create(park=park, name_zh=name,
                                                                       stage=Stage.INCUBATING))
                             for name in ("甲社", "乙社", "丙社")]
    booking = await new_bookings.book(holder, Book(**slot("10:00", "11:00", room.id)))
    return holder, first, second, booking


async def test_a_free_time_cannot_be_watched_it_can_be_booked(room, rules, quota, resident, member_of):
    with pytest.raises(ValidationFailed) as refused:
        await watches.watch(await member_of(resident), Watch(**slot("10:00", "11:00", room.id)))
    assert refused.value.errors == {"start": "该时段空闲,直接预订即可。"}


async def freed_with_two_watchers(room, three, frozen):
    """The first, then a minute later the second, watch the holder's time; the holder cancels."""
    holder, first, second, booking = three
    await watches.watch(first, Watch(**slot("10:00", "11:00", room.id)))
    frozen.shift(60)
    await watches.watch(second, Watch(**slot("10:00", "11:00", room.id)))
    await decisions.cancel(holder, booking.id, Cancel())


async def test_when_a_watched_time_frees_only_the_earliest_watcher_is_told(room, three, frozen):
    _holder, first, second, _booking = three
    await freed_with_two_watchers(room, three, frozen)
    told = await Notification.filter(kind="booking_time_free").values_list("user_id", "link")
    assert told == [(first.id, f"/spaces/{room.id}/book?day=2026-12-08&start=10:00")]
    assert await BookingWatch.filter(user_id=second.id, notified_at__isnull=True).count() == 1  # still waiting


async def test_the_next_watcher_is_told_when_the_time_frees_again(room, three, frozen):
    _holder, first, second, _booking = three
    await freed_with_two_watchers(room, three, frozen)
    frozen.shift(60)
    again = await new_bookings.book(first, Book(**slot("10:00", "11:00", room.id)))  # the first watcher books it
    await decisions.cancel(first, again.id, Cancel())
    assert await Notification.filter(kind="booking_time_free").order_by("id").values_list("user_id", flat=True) == [
        first.id, second.id]


async def test_a_time_still_partly_held_tells_nobody(park, room, three, member_of):
    holder, first, _second, booking = three
    fourth = await member_of(await Organization.create(park=park, name_zh="丁社", stage=Stage.INCUBATING))
    # 11:30–12:00 (after the first booking's 15-minute buffer), and a watch over both bookings' times
    later = await new_bookings.book(fourth, Book(**slot("11:30", "12:00", room.id)))
    await watches.watch(first, Watch(**slot("10:00", "12:00", room.id)))
    await decisions.cancel(holder, booking.id, Cancel())
    assert await Notification.filter(kind="booking_time_free").count() == 0
    await decisions.cancel(fourth, later.id, Cancel())
    assert await Notification.filter(kind="booking_time_free").values_list("user_id", flat=True) == [first.id]


async def test_a_released_no_show_and_a_moved_booking_free_their_time_for_watchers(
        park, room, rules, three, make_user, frozen):
    holder, first, second, _booking = three
    thursday = date(2026, 12, 10)
    await new_bookings.book(holder, Book(**slot("10:00", "12:00", room.id, thursday)))
    await watches.watch(first, Watch(**slot("11:00", "12:00", room.id, thursday)))  # the second hour
    frozen.move_to(datetime(2026, 12, 10, 10, 20, tzinfo=clock.zone()))  # nobody checked in
    await check_in.release_no_shows()
    assert await Notification.filter(kind="booking_time_free").values_list("user_id", flat=True) == [first.id]

    frozen.move_to(datetime(2026, 12, 7, 8, 0, tzinfo=clock.zone()))
    manager = Principal(await make_user("mover", Role.MANAGER, parks=[park]), frozenset({park.id}))
    wednesday = await new_bookings.book(holder, Book(**slot("15:00", "16:00", room.id, date(2026, 12, 9))))
    await watches.watch(second, Watch(**slot("15:00", "16:00", room.id, date(2026, 12, 9))))
    await decisions.move(manager, wednesday.id, Move(**slot("17:00", "18:00", room.id, date(2026, 12, 9)),
                                                     reason="设备检修"))
    assert await Notification.filter(kind="booking_time_free", user_id=second.id).count() == 1
    moved = await Notification.get(kind="booking_moved", user_id=holder.id)
    assert moved.details["reason"] == "设备检修" and "17:00" in moved.details["when"]


async def test_watching_needs_the_right_to_book_the_space(room, three, other_park, make_user):
    outsider_org = await Organization.create(park=other_park, name_zh="外园社", stage=Stage.INCUBATING)
    outsider = Principal(await make_user("outsider", Role.MEMBER, organization=outsider_org),
                         organization_id=outsider_org.id)
    from incubator.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        await watches.watch(outsider, Watch(**slot("10:00", "11:00", room.id)))


async def test_the_refused_form_offers_to_watch_and_the_watch_is_kept(
        new_browser, make_user, park, room, rules, quota, three):
    org = await Organization.create(park=park, name_zh="戊社", stage=Stage.INCUBATING)
    await make_user("watching.member", Role.MEMBER, organization=org)
    browser = new_browser()
    await browser.login("watching.member")
    form = {"day": "2026-12-08", "start": "10:00", "end": "11:00", "attendees": "2", "purpose": ""}
    refused = await browser.post(f"/spaces/{room.id}/book", form)
    assert refused.status_code == 409 and f'action="/spaces/{room.id}/watch"' in refused.text
    kept = await browser.post(f"/spaces/{room.id}/watch", {k: form[k] for k in ("day", "start", "end")})
    assert kept.status_code == 303
    assert await BookingWatch.filter(space_id=room.id).count() == 1


async def test_a_time_freed_twice_at_once_tells_only_its_earliest_watcher(park, room, rules, quota, member_of,
                                                                          frozen):
    from incubator import events
    from incubator.organizations.events import StageChanged

    leaving_org = await Organization.create(park=park, name_zh="将出壳社", stage=Stage.INCUBATING)
    leaving = await member_of(leaving_org)
    first, second = [await member_of(await Organization.create(park=park, name_zh=name, stage=Stage.INCUBATING))
                     for name in ("候一社", "候二社")]
    # 09:00–10:00 holds until 10:15 (the buffer); 10:30–11:30: both stand in the way of 10:00–11:00.
    await new_bookings.book(leaving, Book(**slot("09:00", "10:00", room.id)))
    await new_bookings.book(leaving, Book(**slot("10:30", "11:30", room.id)))
    await watches.watch(first, Watch(**slot("10:00", "11:00", room.id)))
    frozen.shift(60)
    await watches.watch(second, Watch(**slot("10:00", "11:00", room.id)))
    await Organization.filter(id=leaving_org.id).update(stage=Stage.GRADUATED)
    await events.deliver(StageChanged(organization_id=leaving_org.id, source="incubating", target="graduated"))
    assert await Notification.filter(kind="booking_time_free").values_list("user_id", flat=True) == [first.id]


async def test_a_time_held_only_by_the_buffer_of_a_later_booking_tells_its_watcher_when_that_goes(
        park, room, three, member_of):
    holder, first, _second, booking = three
    other = await member_of(await Organization.create(park=park, name_zh="晚到社", stage=Stage.INCUBATING))
    await decisions.cancel(holder, booking.id, Cancel())
    later = await new_bookings.book(other, Book(**slot("11:00", "12:00", room.id)))
    # 10:00–11:00 would need its 15-minute buffer up to 11:15: taken, though no booking starts before 11:00.
    await watches.watch(first, Watch(**slot("10:00", "11:00", room.id)))
    await decisions.cancel(other, later.id, Cancel())
    assert await Notification.filter(kind="booking_time_free", user_id=first.id).count() == 1


async def test_watching_again_after_being_told_waits_again(room, three, frozen):
    holder, first, _second, booking = three
    await watches.watch(first, Watch(**slot("10:00", "11:00", room.id)))
    await decisions.cancel(holder, booking.id, Cancel())  # told; but someone else books it first
    frozen.shift(60)
    again = await new_bookings.book(holder, Book(**slot("10:00", "11:00", room.id)))
    await watches.watch(first, Watch(**slot("10:00", "11:00", room.id)))
    assert await BookingWatch.filter(user_id=first.id, notified_at__isnull=True).count() == 1
    await decisions.cancel(holder, again.id, Cancel())
    assert await Notification.filter(kind="booking_time_free", user_id=first.id).count() == 2
