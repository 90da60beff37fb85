"""Every list page exports what it filters, every row, within the reader's scope: the flags, the
audit log, the inbox, the bookings and the training sessions (the organization and review lists'
exports are tested with the dashboards). CSV opens in Excel (a BOM), the workbook has its headers."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest_asyncio

from incubator.audit.models import AuditEntry
from incubator.flags.models import Flag
from incubator.notifications.models import Notification
from incubator.organizations.models import Organization
from tests.helpers import signed_in


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def sheet_rows(response) -> list[tuple]:
    assert response.status_code == 200
    return list(openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))


@pytest_asyncio.fixture
async def flagged(park, other_park):
    """An open flag in each park and a resolved one in the park."""
    now = datetime(2026, 11, 2, tzinfo=UTC)
    made = []
    for n, (where, resolved) in enumerate(((park, None), (other_park, None), (park, now))):
        org = await Organization.create(park=where, name_zh=f"标记组织{n}")
        made.append(await Flag.create(kind="term_ending", target_type="Organization", target_id=org.id, park=where,
                                      organization=org, details={"organization": org.name_zh},
                                      due_on=date(2026, 12, n + 1), raised_at=now, resolved_at=resolved))
    return made


async def test_the_flags_export_what_the_list_filters_within_the_managers_parks(new_browser, manager, official,
                                                                                 flagged, other_park):
    mine = csv_rows(await (await signed_in(new_browser, manager)).get("/flags.csv"))
    assert mine[0][:3] == ["提醒事项", "园区", "组织"] and [r[2] for r in mine[1:]] == ["标记组织0"]
    browser = await signed_in(new_browser, official)
    assert [r[2] for r in csv_rows(await browser.get("/flags.csv"))[1:]] == ["标记组织0", "标记组织1"]
    assert [r[2] for r in csv_rows(await browser.get("/flags.csv?resolved=1"))[1:]] == ["标记组织2"]
    book = await browser.get(f"/flags.xlsx?park={other_park.id}")
    assert book.headers["x-export-rows"] == "1" and [r[2] for r in sheet_rows(book)[1:]] == ["标记组织1"]
    assert "flags.xlsx" in (await browser.get("/flags")).text


async def test_the_audit_log_exports_a_month_with_its_changes(new_browser, official, manager, park):
    for day, name in ((3, "十月的"), (4, "十一月的")):
        await AuditEntry.create(at=datetime(2026, 10 if name == "十月的" else 11, day, 4, tzinfo=UTC),
                                actor_name="管理员", action="update", object_type="Park", object_id=str(park.id),
                                object_repr=name, changes={"name_zh": ["旧名", "新名"]})
    browser = await signed_in(new_browser, official)
    rows = csv_rows(await browser.get("/audit.csv?months=2026-11&type=Park"))
    assert [r[6] for r in rows[1:]] == ["十一月的"] and "旧名 → 新名" in rows[1][7]
    assert {r[6] for r in csv_rows(await browser.get("/audit.csv?type=Park"))[1:]} >= {"十月的", "十一月的"}
    assert "十月的" not in (await browser.get("/audit?months=2026-11")).text
    assert (await (await signed_in(new_browser, manager)).get("/audit.csv")).status_code == 403


async def test_the_audit_logs_months_begin_at_local_midnight(new_browser, official, park):
    """1 November 03:00 in Shanghai is 31 October 19:00 UTC: the entry belongs to November."""
    for at, name in ((datetime(2026, 10, 31, 15, 30, tzinfo=UTC), "十月最后"), (datetime(2026, 10, 31, 19, tzinfo=UTC),
                                                                            "十一月凌晨")):
        await AuditEntry.create(at=at, actor_name="管理员", action="update", object_type="Park",
                                object_id=str(park.id), object_repr=name, changes={})
    browser = await signed_in(new_browser, official)
    november = [r[6] for r in csv_rows(await browser.get("/audit.csv?months=2026-11&type=Park"))[1:]]
    october = [r[6] for r in csv_rows(await browser.get("/audit.csv?months=2026-10&type=Park"))[1:]]
    assert "十一月凌晨" in november and "十月最后" not in november
    assert "十月最后" in october and "十一月凌晨" not in october


async def test_the_decided_reviews_months_begin_at_local_midnight(new_browser, official, organization):
    from incubator.reviews.models import DEFAULT_DIMENSIONS, Review

    for at, code in ((datetime(2026, 10, 31, 15, 30, tzinfo=UTC), "october-last"),
                     (datetime(2026, 10, 31, 19, tzinfo=UTC), "november-early")):
        await Review.create(organization=organization, code=code, name_zh=code, anchor="term", amount=50,
                            dimensions=DEFAULT_DIMENSIONS, due_on=date(2026, 10, 30), status="decided",
                            decision="pass", decided_at=at)
    browser = await signed_in(new_browser, official)
    november = (await browser.get("/reviews?show=decided&months=2026-11")).text
    assert "november-early" in november and "october-last" not in november


async def test_the_inbox_exports_its_own_messages_only(new_browser, manager, official):
    now = datetime(2026, 11, 2, tzinfo=UTC)
    for user, link in ((manager, "/flags"), (official, "/dashboard")):
        await Notification.create(user_id=user.id, kind="flag", link=link, details={}, created_at=now,
                                  read_at=now + timedelta(hours=1) if user is official else None)
    rows = csv_rows(await (await signed_in(new_browser, manager)).get("/inbox.csv"))
    assert len(rows) == 2 and rows[1][3].endswith("/flags") and rows[1][2] == ""


async def test_the_bookings_and_the_training_lists_export_with_their_headers(new_browser, official):
    browser = await signed_in(new_browser, official)
    bookings = await browser.get("/bookings.xlsx?status=ended")
    assert bookings.headers["x-export-rows"] == "0" and sheet_rows(bookings)[0][:3] == ("开始", "结束", "空间")
    sessions = await browser.get("/training.csv?when=past")
    assert csv_rows(sessions)[0][:3] == ["开始", "结束", "场次"]
