"""Weekly series: the dates are shown with what stands in each one's way before anything is saved,
conflicting dates are skipped (or the whole series is refused), a series counts once among the
bookings to come, and one date or the rest of the series is cancelled."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from incubator.audit.models import AuditEntry
from incubator.booking import decisions, new_bookings
from incubator.booking.commands import Book, Cancel
from incubator.booking.models import Booking, BookingSeries, BookingStatus
from incubator.errors import Conflict, ValidationFailed
from incubator.organizations.models import Organization, Stage
from incubator.roles import Role

TUESDAY = date(2026, 12, 8)
TUESDAYS = [TUESDAY + timedelta(weeks=n) for n in range(4)]  # 12-08, 12-15, 12-22, 12-29


def weekly(weeks: int, space_id: int, start: str = "10:00", end: str = "11:00", skip=(), **values) -> Book:
    return Book(space_id=space_id, day=TUESDAY, start=time.fromisoformat(start), end=time.fromisoformat(end),
                weeks=weeks, skip=frozenset(skip), **values)


async def test_a_weekly_series_books_the_same_time_every_week_as_one_series(room, rules, quota, resident, member_of):
    member = await member_of(resident)
    first = await new_bookings.book(member, weekly(4, room.id, purpose="周例会"))
    bookings = await Booking.filter(series_id=first.series_id).order_by("starts_at")
    assert [b.starts_at.astimezone(first.starts_at.tzinfo).date() for b in bookings] == TUESDAYS
    assert {b.purpose for b in bookings} == {"周例会"} and first.series_id is not None
    assert (await BookingSeries.get(id=first.series_id)).weeks == 4
    assert await AuditEntry.filter(object_type="Booking", action="create").count() == 4


async def test_the_plan_lists_the_dates_that_cannot_be_booked_and_why(room, rules, quota, park, resident, member_of):
    other = await Organization.create(park=park, name_zh="乙社", stage=Stage.INCUBATING)
    await new_bookings.book(await member_of(other), Book(space_id=room.id, day=TUESDAYS[1], start=time(10, 30),
                                                         end=time(11, 30)))
    plan = await new_bookings.plan(await member_of(resident), weekly(6, room.id))
    problems = {occurrence.day: occurrence.problem for occurrence in plan}
    assert problems[TUESDAYS[0]] == problems[TUESDAYS[2]] == problems[TUESDAYS[3]] == ""
    assert problems[TUESDAYS[1]] == "已被预订。"  # taken by the other organization
    beyond = TUESDAY + timedelta(weeks=5)  # the room opens bookings 30 days ahead
    assert problems[beyond] == "只能预订 30 天以内的时段。"
    assert await Booking.filter(organization_id=resident.id).count() == 0  # a plan writes nothing


async def test_skipping_the_conflicting_dates_books_the_others(room, rules, quota, park, resident, member_of):
    other = await Organization.create(park=park, name_zh="乙社", stage=Stage.INCUBATING)
    await new_bookings.book(await member_of(other), Book(space_id=room.id, day=TUESDAYS[1], start=time(10, 0),
                                                         end=time(11, 0)))
    await new_bookings.book(await member_of(resident), weekly(4, room.id, skip=[TUESDAYS[1]]))
    booked = await Booking.filter(organization_id=resident.id).order_by("starts_at").values_list("starts_at", flat=True)
    assert len(booked) == 3 and all(starts.date() != TUESDAYS[1] for starts in booked)


async def test_a_series_with_a_taken_date_not_skipped_is_refused_whole_and_writes_nothing(
        room, rules, quota, park, resident, member_of, admin):
    from incubator.access import Principal

    await new_bookings.book(Principal(admin), Book(space_id=room.id, day=TUESDAYS[2], start=time(10, 0),
                                                   end=time(11, 0)))  # a manager's block
    with pytest.raises(Conflict) as refused:
        await new_bookings.book(await member_of(resident), weekly(4, room.id))
    assert "2026-12-22" in refused.value.message
    assert await Booking.filter(organization_id=resident.id).count() == 0
    assert await BookingSeries.all().count() == 0


async def test_a_series_over_the_monthly_quota_is_refused_on_the_date_that_exceeds_it(
        room, rules, quota, resident, member_of):
    # 16 hours a month: four Tuesdays of 4 hours fill December; a fifth week is in January, but the
    # plan is refused at once when one of its dates goes over.
    member = await member_of(resident)
    await new_bookings.book(member, Book(space_id=room.id, day=date(2026, 12, 10), start=time(10, 0), end=time(11, 0)))
    plan = await new_bookings.plan(member, weekly(4, room.id, start="10:00", end="14:00"))
    assert [o.problem for o in plan] == ["", "", "", "超出贵组织本月 16 小时的额度。"]
    with pytest.raises(ValidationFailed):
        await new_bookings.book(member, weekly(4, room.id, start="10:00", end="14:00"))
    assert await Booking.filter(organization_id=resident.id).count() == 1


async def test_a_series_counts_once_among_the_bookings_to_come(room, rules, quota, resident, member_of):
    member = await member_of(resident)  # at most 4 bookings to come at once
    await new_bookings.book(member, weekly(4, room.id))
    for day in (date(2026, 12, 9), date(2026, 12, 10), date(2026, 12, 11)):
        await new_bookings.book(member, Book(space_id=room.id, day=day, start=time(9, 0), end=time(9, 30)))
    with pytest.raises(ValidationFailed) as refused:
        await new_bookings.book(member, Book(space_id=room.id, day=date(2026, 12, 12), start=time(9, 0),
                                             end=time(9, 30)))
    assert "4 个未结束的预订" in next(iter(refused.value.errors.values()))


async def test_cancelling_one_date_keeps_the_series_and_the_rest_of_series_cancels_the_later_dates(
        room, rules, quota, resident, member_of):
    member = await member_of(resident)
    first = await new_bookings.book(member, weekly(4, room.id))
    dates = await Booking.filter(series_id=first.series_id).order_by("starts_at")
    await decisions.cancel(member, dates[1].id, Cancel())
    assert [b.status for b in await Booking.filter(series_id=first.series_id).order_by("starts_at")] == [
        "confirmed", "cancelled", "confirmed", "confirmed"]
    await decisions.cancel(member, dates[2].id, Cancel(rest_of_series=True))
    assert [b.status for b in await Booking.filter(series_id=first.series_id).order_by("starts_at")] == [
        "confirmed", "cancelled", "cancelled", "cancelled"]


async def test_the_form_shows_the_series_dates_before_booking_and_books_once_confirmed(
        new_browser, make_user, park, room, rules, quota, resident):
    other = await Organization.create(park=park, name_zh="乙社", stage=Stage.INCUBATING)
    await new_bookings.book(await _member(make_user, other, "other.member"),
                            Book(space_id=room.id, day=TUESDAYS[2], start=time(10, 0), end=time(11, 0)))
    await make_user("series.member", Role.MEMBER, organization=resident)
    browser = new_browser()
    await browser.login("series.member")
    form = {"day": "2026-12-08", "start": "10:00", "end": "11:00", "attendees": "5", "purpose": "读书会",
            "weeks": "4"}
    shown = await browser.post(f"/spaces/{room.id}/book", form)
    assert shown.status_code == 200
    assert shown.text.count('name="skip"') == 4
    assert 'name="skip" value="2026-12-22" checked' in shown.text  # the taken date, skipped
    assert 'name="confirmed" value="4"' in shown.text and 'value="读书会"' in shown.text
    assert await Booking.filter(organization_id=resident.id).count() == 0
    booked = await browser.post(f"/spaces/{room.id}/book", {**form, "confirmed": "4", "skip": ["2026-12-22"]})
    assert booked.status_code == 303
    statuses = await Booking.filter(organization_id=resident.id).values_list("status", flat=True)
    assert statuses == [BookingStatus.CONFIRMED] * 3


async def _member(make_user, organization, name):
    from incubator.access import Principal

    return Principal(await make_user(name, Role.MEMBER, organization=organization), organization_id=organization.id)


async def test_the_plan_counts_the_week_that_began_in_the_month_before(room, rules, quota, resident, member_of):
    # 7 hours booked on Tuesday and Wednesday 12-29/12-30; Saturdays from 2027-01-02 fall in that week.
    rules.horizon_days = 60
    await rules.save()
    member = await member_of(resident)
    for day in (date(2026, 12, 29), date(2026, 12, 30)):
        await new_bookings.book(member, Book(space_id=room.id, day=day, start=time(9), end=time(12, 30)))
    saturdays = Book(space_id=room.id, day=date(2027, 1, 2), start=time(9), end=time(11), weeks=2)
    plan = await new_bookings.plan(member, saturdays)
    assert [o.problem for o in plan] == ["超出贵组织本周 8 小时的额度。", ""]
    with pytest.raises(ValidationFailed) as refused:
        await new_bookings.book(member, saturdays)
    assert refused.value.errors == {"weeks": "2027-01-02:本次预订将超出贵组织本周 8 小时的额度。"}


async def test_the_plan_says_when_the_organization_has_its_most_bookings_to_come(room, rules, quota, resident,
                                                                                 member_of):
    member = await member_of(resident)
    for day in (date(2026, 12, 9), date(2026, 12, 10), date(2026, 12, 11), date(2026, 12, 12)):
        await new_bookings.book(member, Book(space_id=room.id, day=day, start=time(9), end=time(9, 30)))
    plan = await new_bookings.plan(member, weekly(2, room.id))
    assert {o.problem for o in plan} == {"贵组织已有 4 个未结束的预订,已达同时预订上限。"}


async def test_a_series_far_in_the_future_is_refused_on_the_form(new_browser, make_user, room, rules, quota,
                                                                  resident):
    await make_user("far.member", Role.MEMBER, organization=resident)
    browser = new_browser()
    await browser.login("far.member")
    response = await browser.post(f"/spaces/{room.id}/book", {"day": "9999-12-28", "start": "10:00", "end": "11:00",
                                                              "attendees": "2", "weeks": "2"})
    assert response.status_code == 400 and 'value="9999-12-28"' in response.text
