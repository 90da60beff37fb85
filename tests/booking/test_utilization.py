"""Utilization figures: open hours from the opening hours less public holidays, booked and
checked-in hours, no-shows and blocked time, by week and by calendar month in Beijing time, per
space and per park; a constant number of queries; who may see them; the page and its workbook."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest_asyncio
from openpyxl import load_workbook

from incubator import db
from incubator.access import Principal
from incubator.app import create_app
from incubator.booking import check_in, decisions, slots, utilization
from incubator.booking.commands import Cancel
from incubator.booking.models import Booking, BookingStatus
from incubator.booking.utilization import Figures, Period, PeriodKind
from incubator.organizations.models import Organization, Stage
from incubator.parks.models import WEEKDAYS, Park, Space
from incubator.roles import Role
from tests.conftest import Browser, open_park

# Monday 28 September to Sunday 4 October 2026: 1–3 October are National Day, the spaces are closed.
NATIONAL_DAY_WEEK = Period.containing(PeriodKind.WEEK, date(2026, 10, 1))
DECEMBER = Period.containing(PeriodKind.MONTH, date(2026, 12, 7))


def local(day: date, clock_time: str) -> datetime:
    return slots.local_instant(day, time.fromisoformat(clock_time))


async def booking(space: Space, day: date, start: str, end: str, *, organization: Organization | None = None,
                  status: BookingStatus = BookingStatus.CONFIRMED, checked_in: bool = False,
                  end_day: date | None = None) -> Booking:
    """A booking as the services leave it (written directly: past weeks cannot be booked any more)."""
    starts_at, ends_at = local(day, start), local(end_day or day, end)
    return await Booking.create(space=space, organization=organization, starts_at=starts_at, ends_at=ends_at,
                                held_until=ends_at, status=status, checked_in_at=starts_at if checked_in else None)


@pytest_asyncio.fixture
async def training(park) -> Space:
    """Open on weekdays 09:00–17:00 only."""
    return await Space.create(park=park, kind="training_room", name="培训室 B", capacity=30, bookable=True,
                              opening_hours={day: ["09:00", "17:00"] for day in WEEKDAYS[:5]})


@pytest_asyncio.fixture
async def national_day_bookings(room, training, resident) -> None:
    monday, tuesday, wednesday = date(2026, 9, 28), date(2026, 9, 29), date(2026, 9, 30)
    await booking(room, monday, "09:00", "11:00", organization=resident, checked_in=True)
    await booking(room, tuesday, "14:00", "15:30", organization=resident)
    await booking(room, wednesday, "10:00", "11:00", organization=resident, status=BookingStatus.RELEASED)
    await booking(room, wednesday, "15:00", "17:00", organization=resident, status=BookingStatus.CANCELLED)
    await booking(room, wednesday, "18:00", "19:00", organization=resident, status=BookingStatus.REJECTED)
    await booking(room, tuesday, "18:00", "19:00", organization=resident, status=BookingStatus.PENDING)
    await booking(room, date(2026, 10, 4), "08:00", "12:00")  # a manager's block, on the Sunday
    await booking(room, date(2026, 9, 27), "20:00", "21:00", organization=resident)  # the week before
    await booking(room, date(2026, 10, 12), "09:00", "10:00", organization=resident)  # a week after
    await booking(training, tuesday, "09:00", "12:00", organization=resident, checked_in=True)


# ---- periods ------------------------------------------------------------------------------------


def test_a_week_runs_monday_to_sunday_and_a_month_is_the_calendar_month():
    assert (NATIONAL_DAY_WEEK.first, NATIONAL_DAY_WEEK.last) == (date(2026, 9, 28), date(2026, 10, 4))
    assert NATIONAL_DAY_WEEK.previous.first == date(2026, 9, 21) and NATIONAL_DAY_WEEK.next.first == date(2026, 10, 5)
    assert (DECEMBER.first, DECEMBER.after) == (date(2026, 12, 1), date(2027, 1, 1))
    assert DECEMBER.previous.first == date(2026, 11, 1) and DECEMBER.next.last == date(2027, 1, 31)
    new_year = Period.containing(PeriodKind.WEEK, date(2027, 1, 1))
    assert (new_year.first, new_year.last) == (date(2026, 12, 28), date(2027, 1, 3))


# ---- figures ------------------------------------------------------------------------------------


async def test_a_week_counts_open_hours_without_public_holidays_and_each_kind_of_booking(
        park, room, training, national_day_bookings):
    figures = await utilization.spaces_figures([room, training], NATIONAL_DAY_WEEK.first, NATIONAL_DAY_WEEK.after)
    # The room: 14 hours on Mon, Tue, Wed and Sun (Thu–Sat are National Day). Booked: 2 h checked in and
    # 1.5 h not; the no-show (1 h) apart; the cancelled, rejected and pending ones, and the other weeks',
    # not at all; the Sunday's 4 h block apart, out of the bookable hours.
    assert figures[room.id] == Figures(open_minutes=4 * 14 * 60, blocked_minutes=240, booked_minutes=210,
                                       checked_in_minutes=120, no_shows=1, no_show_minutes=60)
    assert figures[room.id].bookable_minutes == 52 * 60
    assert (figures[room.id].booked_rate, figures[room.id].checked_in_rate) == (6.7, 3.8)  # 3.5 h and 2 h of 52
    # The training room: 8 hours on Mon, Tue and Wed; 3 h booked and checked in.
    assert figures[training.id] == Figures(open_minutes=3 * 8 * 60, booked_minutes=180, checked_in_minutes=180)
    assert (figures[training.id].booked_rate, figures[training.id].checked_in_rate) == (12.5, 12.5)


async def test_a_parks_figures_are_the_sum_of_its_active_bookable_spaces(
        park, other_park, room, training, resident, national_day_bookings):
    closed = await Space.create(park=park, kind="meeting_room", name="停用会议室", capacity=8, bookable=True,
                                is_active=False, opening_hours={day: ["08:00", "22:00"] for day in WEEKDAYS})
    office = await Space.create(park=park, kind="office", name="办公室", capacity=4,
                                opening_hours={day: ["08:00", "22:00"] for day in WEEKDAYS})
    await booking(closed, date(2026, 9, 28), "09:00", "10:00", organization=resident)
    await booking(office, date(2026, 9, 28), "09:00", "10:00", organization=resident)
    figures = await utilization.park_utilization([park.id, other_park.id], NATIONAL_DAY_WEEK.first,
                                                 NATIONAL_DAY_WEEK.after)
    assert figures[park.id] == Figures(open_minutes=(56 + 24) * 60, blocked_minutes=240, booked_minutes=390,
                                       checked_in_minutes=300, no_shows=1, no_show_minutes=60)
    assert (figures[park.id].booked_rate, figures[park.id].checked_in_rate) == (8.6, 6.6)  # 6.5 h and 5 h of 76
    assert figures[other_park.id] == Figures() and figures[other_park.id].booked_rate is None


async def test_a_month_counts_every_day_of_the_calendar_month_in_beijing_time(park, room, training, resident):
    await booking(room, date(2026, 12, 1), "08:00", "09:00", organization=resident)  # 00:00–01:00 UTC
    await booking(room, date(2026, 12, 31), "21:00", "22:00", organization=resident, checked_in=True)
    await booking(room, date(2026, 11, 30), "21:00", "22:00", organization=resident)  # November
    await booking(room, date(2027, 1, 4), "09:00", "10:00", organization=resident)  # January
    # Across local midnight (not something the form makes): the hour after it is December's.
    await booking(room, date(2026, 11, 30), "23:00", "01:00", organization=resident, end_day=date(2026, 12, 1))
    figures = await utilization.park_utilization([park.id], DECEMBER.first, DECEMBER.after)
    # The room 31 days × 14 h; the training room the 23 weekdays × 8 h (no public holiday in December).
    assert figures[park.id] == Figures(open_minutes=(31 * 14 + 23 * 8) * 60, booked_minutes=180,
                                       checked_in_minutes=60)
    november = await utilization.park_utilization([park.id], date(2026, 11, 1), date(2026, 12, 1))
    assert november[park.id].booked_minutes == 120


async def test_figures_follow_the_bookings_checked_in_released_and_cancelled_by_the_services(
        park, room, rules, quota, resident, member_of, manager, frozen):
    member = await member_of(resident)
    managing = Principal(manager, park_ids=frozenset({park.id}))
    tuesday = date(2026, 12, 8)
    used = await booking(room, tuesday, "10:00", "12:00", organization=resident)
    missed = await booking(room, tuesday, "14:00", "15:00", organization=resident)
    dropped = await booking(room, date(2026, 12, 9), "09:00", "10:00", organization=resident)
    await booking(room, date(2026, 12, 11), "08:00", "12:00")  # blocked by a manager
    await decisions.cancel(member, dropped.id, Cancel())
    frozen.move_to(local(tuesday, "10:05"))
    await check_in.mark_checked_in(managing, used.id)
    frozen.move_to(local(tuesday, "14:30"))
    assert (await check_in.release_no_shows())["released"] == 1
    assert (await Booking.get(id=missed.id)).status == BookingStatus.RELEASED
    week = Period.containing(PeriodKind.WEEK, tuesday)
    figures = await utilization.spaces_figures([room], week.first, week.after)
    assert figures[room.id] == Figures(open_minutes=7 * 14 * 60, blocked_minutes=240, booked_minutes=120,
                                       checked_in_minutes=120, no_shows=1, no_show_minutes=60)


async def test_the_queries_do_not_grow_with_the_bookings_the_spaces_or_the_parks(park, room, training, resident):
    await booking(room, date(2026, 12, 8), "09:00", "10:00", organization=resident)
    with db.counting_queries() as counter:
        small = await utilization.park_utilization([park.id], DECEMBER.first, DECEMBER.after)
    assert counter.count == 2  # the spaces, then the bookings' sums
    parks = [park]
    for n in range(3):
        parks.append(await open_park(name_zh=f"园区{n}", resident_slots=5))
        organization = await Organization.create(park=parks[-1], name_zh=f"组织{n}", stage=Stage.INCUBATING)
        for m in range(3):
            space = await Space.create(park=parks[-1], kind="meeting_room", name=f"会议室{m}", capacity=6,
                                       bookable=True, opening_hours={day: ["08:00", "22:00"] for day in WEEKDAYS})
            for day in range(1, 29, 2):
                await booking(space, date(2026, 12, day), "09:00", "10:30", organization=organization,
                              checked_in=day % 4 == 1)
    for day in range(2, 30):
        await booking(room, date(2026, 12, day), "13:00", "14:00", organization=resident)
    with db.counting_queries() as counter:
        large = await utilization.park_utilization([p.id for p in parks], DECEMBER.first, DECEMBER.after)
    assert counter.count == 2
    assert large[park.id].booked_minutes == small[park.id].booked_minutes + 28 * 60
    assert large[parks[1].id].booked_minutes == 3 * 14 * 90 and large[parks[1].id].checked_in_minutes == 3 * 7 * 90


# ---- the page and the workbook ------------------------------------------------------------------


async def signed_in(new_browser, make_user, username: str, role: Role, *, parks: list[Park] = (),
                    organization: Organization | None = None, language: str = "zh_CN") -> Browser:
    await make_user(username, role, parks=parks, organization=organization, language=language)
    browser = new_browser()
    await browser.login(username)
    return browser


def page_of(park: Park, period: Period) -> str:
    return f"/parks/{park.id}/utilization?period={period.kind.value}&at={period.first.isoformat()}"


async def test_managers_see_their_parks_figures_and_not_another_parks(
        new_browser, make_user, park, other_park, room, national_day_bookings):
    browser = await signed_in(new_browser, make_user, "utilization.manager", Role.MANAGER, parks=[park])
    page = await browser.get(page_of(park, NATIONAL_DAY_WEEK))
    assert page.status_code == 200 and room.name in page.text and ">6.7<" in page.text
    assert (await browser.get(f"/parks/{other_park.id}/utilization")).status_code == 404
    assert (await browser.get(f"/parks/{other_park.id}/utilization.xlsx")).status_code == 404
    assert (await browser.get("/parks/999999/utilization")).status_code == 404


async def test_officials_and_administrators_see_every_parks_figures(
        new_browser, make_user, park, other_park, room, national_day_bookings):
    for username, role in (("utilization.official", Role.OFFICIAL), ("utilization.admin", Role.ADMIN)):
        browser = await signed_in(new_browser, make_user, username, role)
        for shown in (park, other_park):
            assert (await browser.get(page_of(shown, NATIONAL_DAY_WEEK))).status_code == 200
            assert (await browser.get(f"/parks/{shown.id}/utilization.xlsx")).status_code == 200


async def test_members_evaluators_and_visitors_are_refused(
        new_browser, make_user, browser, park, room, resident, national_day_bookings):
    member = await signed_in(new_browser, make_user, "utilization.member", Role.MEMBER, organization=resident)
    evaluator = await signed_in(new_browser, make_user, "utilization.evaluator", Role.EVALUATOR)
    for refused in (member, evaluator):
        for url in (f"/parks/{park.id}/utilization", f"/parks/{park.id}/utilization.xlsx"):
            response = await refused.get(url)
            assert response.status_code == 403 and room.name not in response.text
    anonymous = await browser.get(f"/parks/{park.id}/utilization")
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["location"]


async def test_the_page_moves_between_weeks_and_months_with_htmx_and_real_links(
        new_browser, make_user, park, room, national_day_bookings):
    browser = await signed_in(new_browser, make_user, "utilization.nav", Role.MANAGER, parks=[park])
    page = await browser.get(page_of(park, NATIONAL_DAY_WEEK))
    base = f"/parks/{park.id}/utilization"
    for query in ("?period=week&amp;at=2026-09-21", "?period=week&amp;at=2026-10-05",
                  "?period=month&amp;at=2026-09-28"):
        assert f'href="{base}{query}" hx-get="{base}{query}"' in page.text
    assert f'href="/parks/{park.id}/utilization.xlsx?period=week&amp;at=2026-09-28"' in page.text
    fragment = await browser.get(f"{base}?period=month&at=2026-09-28", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and room.name in fragment.text
    assert fragment.headers["vary"] == "HX-Request"
    assert f"{base}?period=month&amp;at=2026-10-01" in fragment.text  # the next month
    assert f"/parks/{park.id}/utilization.xlsx?period=month&amp;at=2026-09-01" in fragment.text


async def test_a_malformed_or_far_period_shows_this_week(new_browser, make_user, park, room):
    browser = await signed_in(new_browser, make_user, "utilization.odd", Role.MANAGER, parks=[park])
    this_week, this_month = "?period=week&amp;at=2026-12-07", "?period=month&amp;at=2026-12-01"
    for query in ("", "?period=year&at=2026-12-09", "?at=9999-12-31", "?at=2026-02-30", "?at=²", "?at=" + "x" * 3000,
                  "?period=month&at=0001-01-01", "?period=month&at=2026-12-31T23:59"):
        page = await browser.get(f"/parks/{park.id}/utilization{query}")
        assert page.status_code == 200
        assert f"utilization.xlsx{this_week}" in page.text or f"utilization.xlsx{this_month}" in page.text, query
    for value in ("\x00", "a\x07b", str(2**70), str(2**31), "-1", "0", "²"):
        for url in (f"/parks/{park.id}/utilization", f"/parks/{park.id}/utilization.xlsx"):
            response = await browser.get(url, params={"period": value, "at": value})
            assert response.status_code in (200, 400), (url, value)  # a control character: 400 (middleware)


async def test_the_workbook_holds_the_pages_table_in_the_readers_language(
        new_browser, make_user, park, room, training, national_day_bookings):
    browser = await signed_in(new_browser, make_user, "utilization.reader", Role.OFFICIAL, language="en")
    response = await browser.get(f"/parks/{park.id}/utilization.xlsx?period=week&at=2026-10-01")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''Utilization%202026-09-28%20Lingshan%20Park.xlsx" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.active
    assert sheet.title == "Utilization 2026-09-28"
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Space", "Open hours", "Blocked hours", "Bookable hours", "Booked hours", "Checked-in hours",
                       "No-shows", "No-show hours", "Booked (%)", "Checked in (%)"]
    assert rows[1:] == [
        ["会议室 A", 56, 4, 52, 3.5, 2, 1, 1, 6.7, 3.8],
        ["培训室 B", 24, 0, 24, 3, 3, 0, 0, 12.5, 12.5],
        ["Park total", 80, 4, 76, 6.5, 5, 1, 1, 8.6, 6.6],
    ]
    month = load_workbook(io.BytesIO((await browser.get(
        f"/parks/{park.id}/utilization.xlsx?period=month&at=2026-09-15")).content)).active
    assert month.title == "Utilization 2026-09" and month.cell(4, 5).value == 1 + 3.5 + 3  # September: the 27th too


async def test_the_page_queries_do_not_grow_with_the_bookings(settings, make_user, park, room, training, resident):
    app = create_app(replace(settings, page_cache_mb=0), manage_database=False)  # each page built, not kept
    browser = Browser(app)
    try:
        await make_user("utilization.counted", Role.OFFICIAL)
        await browser.login("utilization.counted")
        url = page_of(park, DECEMBER)
        await booking(room, date(2026, 12, 8), "09:00", "10:00", organization=resident)
        with db.counting_queries() as counter:
            assert (await browser.get(url)).status_code == 200
        small = counter.count
        for day in range(1, 31):
            await booking(room, date(2026, 12, day), "15:00", "16:00", organization=resident, checked_in=True)
            await booking(training, date(2026, 12, day), "09:00", "10:00", organization=resident)
        with db.counting_queries() as counter:
            page = await browser.get(url)
        assert page.status_code == 200 and counter.count == small
        assert small == 4, small  # the session (with the user), then the park, its spaces and the sums
    finally:
        await browser.aclose()


async def test_a_new_booking_shows_on_the_next_page(new_browser, make_user, park, room, resident):
    browser = await signed_in(new_browser, make_user, "utilization.cache", Role.OFFICIAL)
    url = page_of(park, Period.containing(PeriodKind.WEEK, date(2026, 12, 7)))
    assert ">1.4<" not in (await browser.get(url)).text
    await booking(room, date(2026, 12, 9), "10:00", "11:24", organization=resident)  # 1.4 h of 98
    assert ">1.4<" in (await browser.get(url)).text


async def test_figures_of_no_time_open_have_no_rate():
    assert Figures().booked_rate is None and Figures(open_minutes=60, blocked_minutes=60).checked_in_rate is None
    assert Figures(open_minutes=60, booked_minutes=30) + Figures(open_minutes=60) == Figures(
        open_minutes=120, booked_minutes=30)
    assert utilization.total([]) == Figures()


async def test_open_hours_are_the_opening_hours_of_each_weekday_and_none_on_public_holidays(room, training):
    days = [NATIONAL_DAY_WEEK.first + timedelta(days=n) for n in range(7)]
    holidays = frozenset({date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)})
    assert utilization.open_minutes(room, days) == 7 * 14 * 60
    assert utilization.open_minutes(room, days, holidays) == 4 * 14 * 60
    assert utilization.open_minutes(training, days, holidays) == 3 * 8 * 60
