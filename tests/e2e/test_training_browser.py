"""Training in a real browser (issue 12): the park's manager plans a session starting in a few
minutes, a member signs two of their people up and a third onto the waitlist, gives a seat back so
the waitlist promotes the third, the manager marks them present on the check-in sheet (htmx), and
the hours appear on the organization's page. The server runs on real time: the session starts ten
minutes from now in the park's reception area (a room nobody books: no opening hours to respect)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from incubator import clock
from incubator.training.models import hours_text
from tests.e2e.test_booking_browser import settled, signed_in

ROOM = "灵山培训室"  # training is held in rooms only: never the reception area
TITLE = "公益项目设计工作坊"
PEOPLE = ("陈一", "林二", "黄三")


def test_a_member_signs_up_the_waitlist_promotes_and_the_manager_checks_in(chromium, server):
    start = (datetime.now(clock.zone()) + timedelta(minutes=10)).replace(second=0, microsecond=0)
    end = start + timedelta(hours=1)
    if end.date() != start.date():
        pytest.skip("a session cannot run across midnight: the test plans one starting ten minutes from now")
    with signed_in(chromium, server, "manager") as boss:
        # The room opens all day, every day, so the session can start ten minutes from now whatever
        # the hour the test runs at (the demo's room keeps office hours).
        boss.goto("/parks")
        boss.get_by_role("link", name=re.compile("灵山·太湖社区公益园")).first.click()
        space = boss.locator("a[href^='/spaces/']", has_text=ROOM).first.get_attribute("href")
        boss.goto(re.sub(r"^(/spaces/\d+).*$", r"\1/edit", space))
        for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
            boss.locator(f"#f-open_{day}").fill("00:00")
            boss.locator(f"#f-close_{day}").fill("23:59")
        boss.get_by_role("button", name="保存").click()
        expect(boss.locator(".flash-success")).to_be_visible()
        boss.goto("/training")
        boss.get_by_role("link", name=re.compile("在 .*灵山.* 安排培训")).click()
        boss.locator("#f-title").fill(TITLE)
        boss.locator("#f-trainer").fill("吴老师")
        boss.locator("#f-space_id").select_option(label=ROOM)
        boss.locator("#f-day").fill(start.date().isoformat())
        boss.locator("#f-start").fill(f"{start:%H:%M}")
        boss.locator("#f-end").fill(f"{end:%H:%M}")
        boss.locator("#f-capacity").fill("2")
        boss.locator("#f-per_organization").fill("3")
        boss.locator("#f-cancel_hours").fill("0")
        boss.locator("#f-credit_hours").fill("1.5")
        boss.get_by_role("button", name="保存").click()
        expect(boss.get_by_role("heading", level=1)).to_contain_text(TITLE)
        session_path = boss.url.split(server, 1)[-1]

        with signed_in(chromium, server, "org") as member:
            # The demo's organization has attended sessions before (the demo holds months of training).
            member.goto("/my-organization")
            before = re.search(r"已参加 ([\d.]+) 学时", member.locator("#training").inner_text())
            minutes = round(float(before.group(1)) * 60) if before else 0
            member.goto("/training/people")
            for name in PEOPLE:
                member.locator("#f-name").fill(name)
                member.get_by_role("button", name="添加").click()
                expect(member.locator(".flash")).to_contain_text("已加入人员名单")
            member.goto(session_path)
            member.get_by_label(PEOPLE[0]).check()
            member.get_by_label(PEOPLE[1]).check()
            member.get_by_role("button", name="报名", exact=True).click()
            expect(member.locator(".flash")).to_contain_text("2 人获得名额")
            member.get_by_label(PEOPLE[2]).check()
            member.get_by_role("button", name="报名", exact=True).click()
            expect(member.locator(".flash")).to_contain_text("1 人进入候补")
            third = member.locator("tr").filter(has_text=PEOPLE[2])
            expect(third).to_contain_text("候补中")
            first = member.locator("tr").filter(has_text=PEOPLE[0])
            first.locator("details.confirm summary").click()  # giving a seat back asks first
            first.locator("details.confirm button[type=submit]").click()
            expect(member.locator(".flash")).to_contain_text("名额已转给下一位候补者")
            expect(member.locator("tr").filter(has_text=PEOPLE[2])).to_contain_text("已获名额")

            boss.goto(session_path + "/sheet")
            row = boss.locator("tr").filter(has_text=PEOPLE[2])
            row.get_by_role("button", name="出席").click()  # htmx swaps the row in place
            settled(boss)
            expect(boss.locator("tr").filter(has_text=PEOPLE[2]).locator("strong")).to_have_text("出席")
            assert boss.url.endswith("/sheet")

            member.goto("/my-organization")
            expect(member.locator("#training")).to_contain_text(f"已参加 {hours_text(minutes + 90)} 学时")
            assert member.csp_errors == [] and boss.csp_errors == []
