"""Booking a shared space in a real browser (issue 11): a member books from the week grid on a
phone, a member of another organization of the same park is refused that time, and the park's
manager sees the booking in the day view. The server runs on real time, so the test books in the
next week, on a weekday the grid offers (a public holiday or a weekend shows no free slot)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.e2e.test_layout import PHONE, TOO_WIDE

SPACE = "灵山会议室"  # the first park's meeting room: weekdays 08:30–17:30, no manager's approval
OWN_PURPOSE = "志愿者季度例会"
OTHER_PURPOSE = "环保宣传物料制作"


@contextmanager
def signed_in(chromium, server: str, username: str, viewport: dict | None = None) -> Iterator:
    """A page of its own browser context (its own cookies), signed in as `username`, in Chinese."""
    context = chromium.new_context(base_url=server, locale="zh-CN", viewport=viewport or {"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.csp_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: page.csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        login(page, username)
        yield page
    finally:
        context.close()


def settled(page) -> None:
    page.wait_for_function("() => window.htmx && !document.querySelector("
                           "'.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')")


def row(page, start: str):
    """The week grid's row of the slots starting at `start` ("10:00")."""
    return page.locator(".week-grid tbody tr").filter(has=page.locator("th", has_text=re.compile(f"^{start}$")))


def slot(page, day: date, start: str):
    """The week grid's cell of `day` at `start` (the first column holds the times, Monday is next)."""
    return row(page, start).locator(f"td:nth-child({day.weekday() + 2})")


def test_a_member_books_on_a_phone_another_organization_is_refused_and_the_manager_sees_it(chromium, server):
    # A member of 太湖邻里志愿者协会 on a phone: Bookings → the meeting room → next week.
    with signed_in(chromium, server, "org", PHONE) as page:
        page.get_by_role("navigation").get_by_role("link", name="场地预订", exact=True).click()
        page.get_by_role("link", name=SPACE, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(SPACE)
        free = row(page, "10:00").locator("td.slot.free a")
        for _week in range(3):  # a week of public holidays (春节, 国庆) offers nothing: then the next one
            shown = page.locator(".week-nav strong").inner_text()
            page.get_by_role("link", name=re.compile("下一周")).click()  # htmx swaps the grid, pushes the URL
            expect(page.locator(".week-nav strong")).not_to_have_text(shown)
            settled(page)
            if free.count():
                break
        expect(page).to_have_url(re.compile(r"/spaces/\d+/week\?week=\d{4}-\d{2}-\d{2}$"))
        week_path = urlsplit(page.url).path

        # The page does not scroll sideways: the grid scrolls inside its own box.
        sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert sizes[0] <= sizes[1] == PHONE["width"], (sizes, page.evaluate(TOO_WIDE))
        assert page.evaluate(TOO_WIDE) == []
        box = page.locator(".week-scroll").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box

        assert free.count(), "no free 10:00 slot in the next three weeks"
        day = date.fromisoformat(parse_qs(urlsplit(free.first.get_attribute("href")).query)["day"][0])
        assert day.weekday() < 5, day  # the meeting room is closed at weekends
        free.first.click()

        expect(page.locator("#f-day")).to_have_value(day.isoformat())
        expect(page.locator("#f-start")).to_have_value("10:00")
        expect(page.locator("#f-end")).to_have_value("10:30")  # the shortest booking, prefilled
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.fill("#f-end", "11:00")
        page.fill("#f-attendees", "8")
        page.fill("#f-purpose", OWN_PURPOSE)
        page.get_by_role("button", name="预订", exact=True).click()

        expect(page.locator(".flash")).to_contain_text("预订成功。")
        expect(page).to_have_url(re.compile(rf"{week_path}\?week="))
        for start in ("10:00", "10:30"):
            expect(slot(page, day, start)).to_have_class(re.compile(r"\bown\b"))
            expect(slot(page, day, start)).to_have_text(OWN_PURPOSE)
        expect(slot(page, day, "11:00").locator("a")).to_have_text("空闲")
        assert page.csp_errors == []

    # A member of 滨湖绿色环保志愿服务队, of the same park, wants the same hour.
    with signed_in(chromium, server, "green", PHONE) as page:
        page.goto(f"{week_path}?week={day.isoformat()}")
        for start in ("10:00", "10:30"):
            cell = slot(page, day, start)
            expect(cell).to_have_class(re.compile(r"\btaken\b"))
            expect(cell).to_have_text("已被预订")  # who booked it, and why, is not theirs to see

        # The taken hour opens its form, which offers to watch it; booking it anyway is refused.
        slot(page, day, "10:00").locator("a").click()
        expect(page.get_by_role("button", name="该时段空出时通知我")).to_be_visible()
        page.fill("#f-end", "11:00")
        page.fill("#f-attendees", "5")
        page.fill("#f-purpose", OTHER_PURPOSE)
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.get_by_role("button", name="预订", exact=True).click()
        assert answer.value.status == 409
        errors = page.locator(".form-errors")
        expect(errors).to_contain_text("该时段刚被预订。附近的空闲时段")
        expect(errors).to_contain_text(f"{day:%m-%d} 11:00–12:00")  # the free hour right after
        expect(page.locator("#f-purpose")).to_have_value(OTHER_PURPOSE)  # the input is kept
        expect(page.locator("#f-end")).to_have_value("11:00")

        # Nothing was written for them.
        page.get_by_role("navigation").get_by_role("link", name="场地预订", exact=True).click()
        expect(page.locator("main table tbody")).to_contain_text("暂无即将进行的预订。")
        assert page.csp_errors == []

    # The park's manager: the day view of that day shows the hour taken, by whom and why.
    with signed_in(chromium, server, "manager") as page:
        page.get_by_role("navigation").get_by_role("link", name="园区", exact=True).click()
        page.get_by_role("link", name="灵山·太湖社区公益园").first.click()
        page.get_by_role("link", name="场地预订日视图").click()
        page.goto(f"{urlsplit(page.url).path}?day={day.isoformat()}")
        expect(page.get_by_role("heading", level=1)).to_contain_text("日视图")
        times = [t.strip() for t in page.locator(".week-grid thead th").all_inner_texts()][1:]
        space_row = page.locator(".week-grid tbody tr").filter(has=page.get_by_role("link", name=SPACE, exact=True))
        cells = space_row.locator("td")
        expect(cells).to_have_count(len(times))
        ten = times.index("10:00")
        for index in (ten, ten + 1):  # 10:00 and 10:30
            expect(cells.nth(index)).to_have_class(re.compile(r"\btaken\b"))
            expect(cells.nth(index)).to_have_text(f"太湖邻里志愿者协会 · {OWN_PURPOSE}")
        expect(cells.nth(ten + 2)).to_have_class(re.compile(r"\bfree\b"))
        expect(page.locator("main")).not_to_contain_text(OTHER_PURPOSE)

        # The bookings list names the organization too, and nothing of the refused one.
        page.get_by_role("navigation").get_by_role("link", name="场地预订", exact=True).click()
        booking = page.locator("main table tbody tr", has_text=OWN_PURPOSE)
        expect(booking).to_have_count(1)
        expect(booking).to_contain_text("太湖邻里志愿者协会")
        expect(booking).to_contain_text(SPACE)
        expect(page.locator("main table tbody")).not_to_contain_text("滨湖绿色环保志愿服务队")
        assert page.csp_errors == []
