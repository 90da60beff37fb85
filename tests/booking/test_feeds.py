"""Calendar feeds: an organization's bookings for its members and a space's for its managers, read
back with the icalendar library; a secret address, refused when wrong, replaced on reset."""

from __future__ import annotations

from datetime import date, time

from icalendar import Calendar

from incubator.access import Principal
from incubator.booking import feeds, new_bookings
from incubator.booking.commands import Book
from incubator.booking.models import FeedKind
from incubator.organizations.models import Organization, Stage
from incubator.roles import Role

TUESDAY = date(2026, 12, 8)


def events(body: bytes) -> list[tuple[str, str]]:
    calendar = Calendar.from_ical(body)
    return [(str(e.get("summary")), e.decoded("dtstart").isoformat()) for e in calendar.walk("VEVENT")]


async def test_an_organizations_feed_holds_its_bookings_only(app, new_browser, make_user, park, room, rules, quota,
                                                             resident, member_of):
    ours = await member_of(resident)
    other = await member_of(await Organization.create(park=park, name_zh="别社", stage=Stage.INCUBATING))
    await new_bookings.book(ours, Book(space_id=room.id, day=TUESDAY, start=time(10), end=time(11), purpose="理事会"))
    await new_bookings.book(other, Book(space_id=room.id, day=TUESDAY, start=time(14), end=time(15)))
    await make_user("feed.member", Role.MEMBER, organization=resident)
    browser = new_browser()
    await browser.login("feed.member")
    page = await browser.get("/bookings")
    secret = await feeds.token(app.state.settings.secret_key, FeedKind.ORGANIZATION, resident.id)
    address = f"/feeds/organization/{resident.id}/{secret}.ics"
    assert address in page.text
    response = await new_browser().get(address)  # a calendar app: no sign-in
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    assert events(response.content) == [("会议室 A", "2026-12-08T02:00:00+00:00")]
    assert "理事会" in Calendar.from_ical(response.content).walk("VEVENT")[0]["description"]


async def test_a_wrong_or_reset_secret_is_not_found(app, new_browser, make_user, resident, room, rules, quota):
    secret = await feeds.token(app.state.settings.secret_key, FeedKind.ORGANIZATION, resident.id)
    anyone = new_browser()
    assert (await anyone.get(f"/feeds/organization/{resident.id}/{secret[:-1]}x.ics")).status_code == 404
    assert (await anyone.get(f"/feeds/space/{resident.id}/{secret}.ics")).status_code == 404  # another feed's
    assert (await anyone.get(f"/feeds/nothing/{resident.id}/{secret}.ics")).status_code == 404
    await make_user("reset.member", Role.MEMBER, organization=resident)
    member = new_browser()
    await member.login("reset.member")
    assert (await member.post("/bookings/feed/reset")).status_code == 303
    assert (await anyone.get(f"/feeds/organization/{resident.id}/{secret}.ics")).status_code == 404
    new = await feeds.token(app.state.settings.secret_key, FeedKind.ORGANIZATION, resident.id)
    assert new != secret and (await anyone.get(f"/feeds/organization/{resident.id}/{new}.ics")).status_code == 200


async def test_a_spaces_feed_names_who_booked_and_is_its_managers_only(
        app, new_browser, make_user, park, room, rules, quota, resident, member_of):
    await new_bookings.book(await member_of(resident), Book(space_id=room.id, day=TUESDAY, start=time(9), end=time(10)))
    manager = Principal(await make_user("feed.manager", Role.MANAGER, parks=[park]), frozenset({park.id}))
    await new_bookings.book(manager, Book(space_id=room.id, day=TUESDAY, start=time(16), end=time(17)))  # a block
    browser = new_browser()
    await browser.login("feed.manager")
    week = await browser.get(f"/spaces/{room.id}/week?week=2026-12-07")
    secret = await feeds.token(app.state.settings.secret_key, FeedKind.SPACE, room.id)
    assert f"/feeds/space/{room.id}/{secret}.ics" in week.text
    body = (await new_browser().get(f"/feeds/space/{room.id}/{secret}.ics")).content
    assert [summary for summary, _start in events(body)] == ["会议室 A · 阳光助老服务社", "会议室 A · 管理占用"]

    await make_user("nosy.member", Role.MEMBER, organization=resident)
    member = new_browser()
    await member.login("nosy.member")
    assert "/feeds/space/" not in (await member.get(f"/spaces/{room.id}/week?week=2026-12-07")).text
    assert (await member.post(f"/spaces/{room.id}/feed/reset")).status_code == 404
    assert await feeds.token(app.state.settings.secret_key, FeedKind.SPACE, room.id) == secret
