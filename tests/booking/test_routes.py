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


async def test_a_manager_approves_a_request_from_the_queue(new_browser, make_user, manager, park, room, rules, quota,
                                                           resident, browser):
    room.needs_approval = True
    await room.save()
    member = await login_member(new_browser, make_user, resident, "asking.member")
    asked = await member.post(f"/spaces/{room.id}/book", {"day": "2026-12-08", "start": "10:00", "end": "11:00",
                                                          "attendees": "4", "purpose": "培训"})
    assert asked.status_code == 303
    assert "待确认" in (await member.get(WEEK.format(id=room.id))).text
    booking = await Booking.get()
    await browser.login("manager")
    queue = await browser.get("/bookings?status=pending")
    assert f"/bookings/{booking.id}/approve" in queue.text and "培训" in queue.text
    assert "approve" not in (await member.get("/bookings")).text
    assert (await member.post(f"/bookings/{booking.id}/approve", {})).status_code == 403
    approved = await browser.post(f"/bookings/{booking.id}/approve", {})
    assert approved.status_code == 303
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED
    assert "培训" in (await member.get(WEEK.format(id=room.id))).text


async def test_a_manager_sets_the_rooms_rules_and_the_parks_quota(browser, manager, park, room, resident):
    from incubator.booking.models import BookingQuota, BookingRules

    await browser.login("manager")
    assert f"/spaces/{room.id}/booking-rules" in (await browser.get(WEEK.format(id=room.id))).text
    assert f"/parks/{park.id}/booking-quota" in (await browser.get(f"/parks/{park.id}")).text
    bad = await browser.post(f"/spaces/{room.id}/booking-rules", {
        "slot_minutes": "60", "min_minutes": "90", "max_minutes": "60", "notice_minutes": "0",
        "horizon_days": "14", "buffer_minutes": "10", "release_minutes": "15"})
    assert bad.status_code == 400 and 'value="90"' in bad.text and not await BookingRules.exists()
    good = await browser.post(f"/spaces/{room.id}/booking-rules", {
        "slot_minutes": "60", "min_minutes": "60", "max_minutes": "180", "notice_minutes": "0",
        "horizon_days": "14", "buffer_minutes": "10", "release_minutes": "20"})
    assert good.status_code == 303
    rules = await BookingRules.get(space_id=room.id)
    assert (rules.slot_minutes, rules.max_minutes, rules.buffer_minutes) == (60, 180, 10)
    saved = await browser.post(f"/parks/{park.id}/booking-quota", {"week_hours": "6", "month_hours": "20",
                                                                  "open_bookings": "3"})
    assert saved.status_code == 303
    quota = await BookingQuota.get(park_id=park.id)
    assert (quota.week_minutes, quota.month_minutes, quota.open_bookings) == (360, 1200, 3)


async def test_the_day_view_shows_every_room_of_the_park_and_whose_booking_only_to_those_who_may_see(
        new_browser, make_user, manager, browser, park, room, rules, quota, resident):
    from incubator.parks.models import Space

    hall = await Space.create(park=park, kind="activity_hall", name="多功能厅", capacity=60, bookable=True,
                              opening_hours={"tue": ["09:00", "17:00"]})
    member = await login_member(new_browser, make_user, resident, "day.member")
    await member.post(f"/spaces/{room.id}/book", {"day": "2026-12-08", "start": "10:00", "end": "11:00",
                                                  "attendees": "5", "purpose": "季度例会"})
    await browser.login("manager")
    day = await browser.get(f"/parks/{park.id}/day?day=2026-12-08")
    assert day.status_code == 200
    assert room.name in day.text and hall.name in day.text and "季度例会" in day.text
    other = await Organization.create(park=park, name_zh="邻居社", stage=Stage.INCUBATING)
    neighbour = await login_member(new_browser, make_user, other, "day.neighbour")
    seen = (await neighbour.get(f"/parks/{park.id}/day?day=2026-12-08")).text
    assert room.name in seen and "季度例会" not in seen and 'class="slot taken"' in seen
    fragment = await browser.get(f"/parks/{park.id}/day?day=2026-12-09", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and "2026-12-10" in fragment.text
