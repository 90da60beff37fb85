"""The booking pages: the week grid (free, taken, one's own, htmx weeks), the form that keeps what
was typed and says why a time was refused, one's bookings, and cancelling them."""

from __future__ import annotations

from incubator.booking.models import Booking, BookingStatus
from incubator.organizations.models import Organization, Stage
from incubator.roles import Role

WEEK = "/spaces/{id}/week?week=2026-12-07"


async def login_member(new_browser, make_user, organization, name):
    await make_user(name, Role.MEMBER, organization=organization)
    browser = new_browser()
    await browser.login(name)
    return browser


async def test_a_member_books_from_the_week_grid_and_a_second_organization_is_refused(
        new_browser, make_user, park, room, rules, quota, resident):
    first = await login_member(new_browser, make_user, resident, "first.member")
    week = await first.get(WEEK.format(id=room.id))
    assert week.status_code == 200
    link = f"/spaces/{room.id}/book?day=2026-12-08&amp;start=10:00"
    assert link in week.text
    form = await first.get(link.replace("&amp;", "&"))
    assert 'value="2026-12-08"' in form.text and 'value="10:00"' in form.text and 'value="10:30"' in form.text
    booked = await first.post(f"/spaces/{room.id}/book", {"day": "2026-12-08", "start": "10:00", "end": "11:00",
                                                          "attendees": "6", "purpose": "理事会议"})
    assert booked.status_code == 303 and booked.headers["location"] == f"/spaces/{room.id}/week?week=2026-12-07"
    assert "理事会议" in (await first.get(WEEK.format(id=room.id))).text

    other = await Organization.create(park=park, name_zh="竞争社", stage=Stage.INCUBATING)
    second = await login_member(new_browser, make_user, other, "second.member")
    page = (await second.get(WEEK.format(id=room.id))).text
    assert "理事会议" not in page and "已被预订" in page  # others see taken time, never who or why
    refused = await second.post(f"/spaces/{room.id}/book", {"day": "2026-12-08", "start": "10:00", "end": "11:00",
                                                            "attendees": "3", "purpose": "我们的活动"})
    assert refused.status_code == 409
    assert "该时段刚被预订。附近的空闲时段:12-08 09:00–10:00" not in refused.text  # 09:00 touches the buffer? no:
    assert "附近的空闲时段" in refused.text and 'value="我们的活动"' in refused.text
    assert await Booking.filter(space_id=room.id).count() == 1


async def test_a_refused_form_keeps_its_input_and_stores_nothing(new_browser, make_user, room, rules, quota, resident):
    browser = await login_member(new_browser, make_user, resident, "form.member")
    response = await browser.post(f"/spaces/{room.id}/book", {"day": "2026-12-08", "start": "10:15", "end": "25:00",
                                                              "attendees": "200", "purpose": "年会"})
    assert response.status_code == 400
    assert 'value="年会"' in response.text and 'value="10:15"' in response.text
    assert await Booking.all().count() == 0


async def test_the_week_moves_with_htmx_and_keeps_real_links(new_browser, make_user, room, rules, quota, resident):
    browser = await login_member(new_browser, make_user, resident, "htmx.member")
    page = await browser.get(WEEK.format(id=room.id))
    assert f'href="/spaces/{room.id}/week?week=2026-12-14"' in page.text
    fragment = await browser.get(f"/spaces/{room.id}/week?week=2026-12-14", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and "week-grid" in fragment.text
    assert "2026-12-21" in fragment.text  # the next week's link


async def test_members_list_and_cancel_their_bookings_and_not_anothers(
        new_browser, make_user, park, room, rules, quota, resident):
    mine = await login_member(new_browser, make_user, resident, "own.member")
    await mine.post(f"/spaces/{room.id}/book", {"day": "2026-12-08", "start": "14:00", "end": "15:00",
                                                "attendees": "2", "purpose": "志愿者面谈"})
    booking = await Booking.get()
    listing = await mine.get("/bookings")
    assert "志愿者面谈" in listing.text and f"/bookings/{booking.id}/cancel" in listing.text
    assert f"/spaces/{room.id}/week" in listing.text  # the park's spaces to book
    other = await Organization.create(park=park, name_zh="旁观社", stage=Stage.INCUBATING)
    stranger = await login_member(new_browser, make_user, other, "other.member")
    assert "志愿者面谈" not in (await stranger.get("/bookings")).text
    assert (await stranger.post(f"/bookings/{booking.id}/cancel", {})).status_code == 404
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED
    cancelled = await mine.post(f"/bookings/{booking.id}/cancel", {})
    assert cancelled.status_code == 303
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CANCELLED


async def test_a_manager_books_for_an_organization_or_blocks_time(browser, manager, park, room, rules, quota, resident):
    await browser.login("manager")
    form = await browser.get(f"/spaces/{room.id}/book?day=2026-12-08&start=09:00")
    assert resident.name_zh in form.text
    for organization_id, start in ((str(resident.id), "09:00"), ("block", "13:00")):
        response = await browser.post(f"/spaces/{room.id}/book", {
            "organization_id": organization_id, "day": "2026-12-08", "start": start, "end": "10:00"
            if start == "09:00" else "14:00", "attendees": "1", "purpose": "维修"})
        assert response.status_code == 303, response.text[:500]
    assert sorted((b.organization_id or 0) for b in await Booking.all()) == [0, resident.id]
    cancel = await browser.post(f"/bookings/{(await Booking.get(organization_id=resident.id)).id}/cancel", {})
    assert cancel.status_code == 303  # refused without a reason: told so on the list
    assert (await Booking.get(organization_id=resident.id)).status == BookingStatus.CONFIRMED
