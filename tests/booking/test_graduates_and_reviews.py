"""Graduates keep booking only at the lower quota their park gives them; no-shows become evidence on
the organization's next open review, once each, and show on the review's page."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from incubator import clock, events
from incubator.access import Principal
from incubator.booking import check_in, new_bookings, quotas
from incubator.booking.commands import Book, SetQuota
from incubator.errors import PermissionDenied, ValidationFailed
from incubator.organizations.events import StageChanged
from incubator.organizations.models import Organization, Stage
from incubator.reviews.models import Review, ReviewFact, ReviewStatus
from incubator.roles import Role

WEDNESDAY = date(2026, 12, 9)


def hour(start: int, space_id: int, day: date = WEDNESDAY, hours: int = 1) -> Book:
    return Book(space_id=space_id, day=day, start=time(start), end=time(start + hours))


async def test_graduates_book_at_the_lower_quota_their_park_gives_them(
        room, rules, quota, park, resident, member_of, make_user):
    member = await member_of(resident)
    await Organization.filter(id=resident.id).update(stage=Stage.GRADUATED)
    await events.deliver(StageChanged(organization_id=resident.id, source="incubating", target="graduated"))
    with pytest.raises(PermissionDenied):
        await new_bookings.book(member, hour(9, room.id))
    manager = Principal(await make_user("quota.setter", Role.MANAGER, parks=[park]), frozenset({park.id}))
    await quotas.set_quota(manager, park.id, SetQuota(week_hours=8, month_hours=16, open_bookings=4,
                                                      graduate_week_hours=2, graduate_month_hours=4,
                                                      graduate_open_bookings=2))
    await new_bookings.book(member, hour(9, room.id, hours=2))
    with pytest.raises(ValidationFailed) as refused:
        await new_bookings.book(member, hour(14, room.id))
    assert "2 小时" in next(iter(refused.value.errors.values()))  # the graduates' 2 hours a week, not 8
    assert [name for _id, name in await new_bookings.organizations_to_book_for(manager, room)] == [resident.name_zh]


async def _review(organization, code: str, due_on: date, status=ReviewStatus.SCHEDULED) -> Review:
    return await Review.create(organization=organization, code=code, name_zh=code, anchor="term", amount=50,
                               due_on=due_on, status=status)


async def test_a_no_show_is_evidence_on_the_next_open_review_once(room, rules, quota, resident, member_of, frozen):
    await _review(resident, "decided", date(2026, 11, 1), ReviewStatus.DECIDED)
    later = await _review(resident, "final", date(2027, 9, 1))
    midterm = await _review(resident, "midterm", date(2027, 3, 1))
    booking = await new_bookings.book(await member_of(resident), hour(10, room.id))
    frozen.move_to(datetime(2026, 12, 9, 10, 20, tzinfo=clock.zone()))
    assert await check_in.release_no_shows() == {"released": 1}
    facts = await ReviewFact.all().values_list("review_id", "kind", "key", "details")
    assert facts == [(midterm.id, "no_show", f"booking:{booking.id}", {"space": "会议室 A"})]
    from incubator.booking.events import NoShowRecorded

    await events.deliver(NoShowRecorded(resident.id, booking.id, "会议室 A", booking.starts_at))  # delivered twice
    assert await ReviewFact.all().count() == 1
    assert later.id != midterm.id


async def test_the_review_page_shows_the_no_shows_to_those_who_see_the_review(
        new_browser, make_user, park, other_park, room, rules, quota, resident, member_of, frozen):
    review = await _review(resident, "midterm", date(2027, 3, 1))
    await new_bookings.book(await member_of(resident), hour(10, room.id))
    frozen.move_to(datetime(2026, 12, 9, 10, 20, tzinfo=clock.zone()))
    await check_in.release_no_shows()
    await make_user("review.manager", Role.MANAGER, parks=[park])
    await make_user("elsewhere.manager", Role.MANAGER, parks=[other_park])
    ours, theirs = new_browser(), new_browser()
    await ours.login("review.manager")
    await theirs.login("elsewhere.manager")
    page = await ours.get(f"/reviews/{review.id}")
    assert "预订场地未签到:会议室 A" in page.text
    assert (await theirs.get(f"/reviews/{review.id}")).status_code == 404
