"""The dashboard pages: who reads which parks, filters kept in the URL, figures drilling down to their
lists, the tables and the monthly report as Excel and CSV, and closed months kept as reported."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
import pytest_asyncio
import time_machine

from incubator import clock
from incubator.audit.models import AuditEntry
from incubator.dashboards.models import ClosedMonth
from incubator.organizations.models import Organization, Stage
from tests.helpers import signed_in

NOW = clock.zone()  # the clock stands on 2026-12-07 10:00 in Beijing
TODAY = date(2026, 12, 7)


@pytest.fixture(autouse=True)
def frozen():
    from datetime import datetime

    with time_machine.travel(datetime(2026, 12, 7, 10, 0, tzinfo=clock.zone()), tick=False) as traveller:
        yield traveller


@pytest_asyncio.fixture
async def residents(park, other_park):
    """Three incubating organizations admitted in November, two in the park, one in the other."""
    made = []
    for index, where in enumerate((park, park, other_park)):
        made.append(await Organization.create(park=where, name_zh=f"组织{index}", stage=Stage.INCUBATING,
                                              admitted_on=date(2026, 11, 3 + index)))
    return made


def rows_of(workbook_bytes: bytes, sheet: str | None = None) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes))
    return list((book[sheet] if sheet else book.worksheets[0]).iter_rows(values_only=True))


async def test_an_official_sees_every_park_and_a_manager_only_theirs(new_browser, official, manager, residents,
                                                                     park, other_park):
    seen = await (await signed_in(new_browser, official)).get("/dashboard?period=2026-11")
    assert seen.status_code == 200
    assert other_park.name_zh in seen.text and park.name_zh in seen.text
    browser = await signed_in(new_browser, manager)
    mine = await browser.get("/dashboard?period=2026-11")
    assert mine.status_code == 200 and park.name_zh in mine.text and other_park.name_zh not in mine.text
    assert (await browser.get(f"/dashboard?park={other_park.id}")).status_code == 404
    assert (await browser.get(f"/dashboard/table.csv?park={other_park.id}")).status_code == 404
    assert (await browser.get(f"/dashboard/report.xlsx?park={other_park.id}")).status_code == 404


async def test_members_and_evaluators_have_no_dashboard(new_browser, member, evaluator):
    for user in (member, evaluator):
        assert (await (await signed_in(new_browser, user)).get("/dashboard")).status_code == 403


async def test_filters_stay_in_the_url_and_an_htmx_request_gets_the_figures_only(new_browser, official, residents,
                                                                                 park):
    browser = await signed_in(new_browser, official)
    whole = await browser.get(f"/dashboard?period=2026-11&park={park.id}")
    assert f'<option value="{park.id}" selected>' in whole.text and '<option value="2026-11" selected>' in whole.text
    part = await browser.get(f"/dashboard?period=2026-11&park={park.id}", headers={"HX-Request": "true"})
    assert part.status_code == 200 and "<html" not in part.text and 'id="table-stages"' in part.text
    assert part.headers["Vary"] == "HX-Request"


async def test_a_figure_drills_down_to_the_organizations_behind_it(new_browser, official, residents, park):
    browser = await signed_in(new_browser, official)
    page = (await browser.get("/dashboard?period=2026-11")).text
    link = f'/organizations?park={park.id}&amp;stage=incubating'
    assert f'<a href="{link}">2</a>' in page
    listed = await browser.get(link.replace("&amp;", "&"))
    assert listed.text.count('href="/organizations/') - listed.text.count('href="/organizations/import') >= 2
    assert "组织0" in listed.text and "组织1" in listed.text and "组织2" not in listed.text
    admitted = await browser.get(f"/organizations?event=admitted&months=2026-11&park={park.id}")
    assert "组织0" in admitted.text and "组织2" not in admitted.text
    none = await browser.get(f"/organizations?event=admitted&months=2026-10&park={park.id}")
    assert "组织0" not in none.text


async def test_each_table_exports_to_excel_with_formats_and_to_csv_with_a_bom(new_browser, official, residents):
    browser = await signed_in(new_browser, official)
    response = await browser.get("/dashboard/table.xlsx?table=stages&period=2026-11")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "园区" and sheet["F1"].value == "孵化中" and sheet["A1"].font.b
    total = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == "合计")
    assert total[5].value == 3 and total[5].number_format == "#,##0"
    assert sheet.column_dimensions["A"].width >= 10
    funds = openpyxl.load_workbook(io.BytesIO((await browser.get("/dashboard/table.xlsx?table=rooms")).content))
    assert funds.worksheets[0]["B2"].number_format == "#,##0.0"
    text = (await browser.get("/dashboard/table.csv?period=2026-11")).content
    assert text.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert rows[0][0] == "园区" and rows[-1][0] == "合计" and rows[-1][5] == "3"
    assert (await browser.get("/dashboard/table.csv?table=nothing")).status_code == 404


async def test_the_monthly_report_has_a_cover_and_a_sheet_per_table(new_browser, official, residents):
    browser = await signed_in(new_browser, official)
    response = await browser.get("/dashboard/report.xlsx?period=2026-11")
    assert response.status_code == 200
    assert "filename*=UTF-8''%E6%9C%88%E6%8A%A5%202026-11.xlsx" in response.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 11 and book.sheetnames[0] == "封面"
    cover = dict(row for row in rows_of(response.content, "封面")[1:] if row[0])
    assert cover["统计周期"] == "2026-11" and cover["制表人"] == "Official"
    assert isinstance(cover["制表时间"], __import__("datetime").datetime)
    assert "未关账" in cover["数据"] or "今日" in cover["数据"]


async def test_a_closed_month_keeps_what_was_reported_and_shows_the_revision(new_browser, official, residents, park):
    browser = await signed_in(new_browser, official)
    closed = await browser.post("/dashboard/close", {"month": "2026-11"})
    assert closed.status_code == 303
    row = await ClosedMonth.get(month="2026-11")
    assert row.is_closed and row.closed_by_name == "Official"
    assert await AuditEntry.filter(object_type="ClosedMonth", object_id=str(row.id)).count() == 1
    before = rows_of((await browser.get("/dashboard/report.xlsx?period=2026-11")).content, "按阶段和园区统计的组织")
    # In December a correction: one more organization turns out to have been incubating.
    await Organization.create(park=park, name_zh="补录组织", stage=Stage.INCUBATING, admitted_on=date(2026, 11, 20))
    page = (await browser.get("/dashboard?period=2026-11")).text
    assert "关账月份" in page and "自关账以来修订：+1" in page
    after = rows_of((await browser.get("/dashboard/report.xlsx?period=2026-11")).content, "按阶段和园区统计的组织")
    assert after == before
    live = rows_of((await browser.get("/dashboard/report.xlsx?period=2026-11&domain=1")).content,
                   "按阶段和园区统计的组织")
    assert live != before  # a service domain's view is not kept: today's figures


async def test_reopening_needs_a_reason_and_is_audited(new_browser, official, residents):
    browser = await signed_in(new_browser, official)
    await browser.post("/dashboard/close", {"month": "2026-11"})
    refused = await browser.post("/dashboard/reopen", {"month": "2026-11", "reason": "   "})
    assert refused.status_code == 400 and "请说明重新打开的原因" in refused.text
    assert (await ClosedMonth.get(month="2026-11")).is_closed
    reopened = await browser.post("/dashboard/reopen", {"month": "2026-11", "reason": "补录11月入驻组织"})
    assert reopened.status_code == 303
    row = await ClosedMonth.get(month="2026-11")
    assert not row.is_closed and row.reopen_reason == "补录11月入驻组织"
    entry = await AuditEntry.filter(object_type="ClosedMonth").order_by("-id").first()
    assert entry.changes["reopen_reason"] == [None, "补录11月入驻组织"]
    again = await browser.post("/dashboard/close", {"month": "2026-11"})
    assert again.status_code == 303 and (await ClosedMonth.get(month="2026-11")).is_closed


async def test_only_ended_months_close_once_and_only_officials_and_administrators_close(new_browser, official,
                                                                                        manager, residents):
    browser = await signed_in(new_browser, official)
    await browser.post("/dashboard/close", {"month": "2026-12"})
    assert not await ClosedMonth.exists(month="2026-12")
    await browser.post("/dashboard/close", {"month": "2026-11"})
    twice = await browser.post("/dashboard/close", {"month": "2026-11"}, follow_redirects=True)
    assert "已经关账" in twice.text
    assert await AuditEntry.filter(object_type="ClosedMonth").count() == 1
    refused = await (await signed_in(new_browser, manager)).post("/dashboard/close", {"month": "2026-10"})
    assert refused.status_code == 403 and not await ClosedMonth.exists(month="2026-10")
    assert (await browser.post("/dashboard/close", {"month": "garbage"}, follow_redirects=True)).status_code == 200
    assert not await ClosedMonth.exists(month="garbage")


async def test_a_list_exports_every_row_it_filters_with_the_count_announced(new_browser, official, residents, park):
    browser = await signed_in(new_browser, official)
    response = await browser.get(f"/organizations/export.csv?park={park.id}&stage=resident")
    assert response.status_code == 200 and response.headers["x-export-rows"] == "2"
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["名称", "英文名称", "园区"] and sorted(r[0] for r in rows[1:]) == ["组织0", "组织1"]
    book = await browser.get(f"/organizations/export.xlsx?park={park.id}")
    sheet = rows_of(book.content)
    assert book.headers["x-export-rows"] == "2" and len(sheet) == 3
    assert sheet[1][6] == date(2026, 11, 3) or sheet[1][6].date() == date(2026, 11, 3)
    reviews = await browser.get("/reviews/export.csv?show=overdue")
    assert reviews.status_code == 200 and reviews.headers["x-export-rows"] == "0"


async def test_an_unknown_or_retired_service_domain_is_refused_as_an_unknown_park_is(new_browser, official,
                                                                                      residents):
    """Left out, the unfiltered figures would come back as if they were the domain's."""
    from incubator.organizations.models import ServiceDomain

    browser = await signed_in(new_browser, official)
    domain = await ServiceDomain.get(code="elderly")
    assert (await browser.get(f"/dashboard?period=2026-11&domain={domain.id}")).status_code == 200
    for url in ("/dashboard", "/dashboard/table.csv", "/dashboard/report.xlsx"):
        assert (await browser.get(f"{url}?period=2026-11&domain=99999")).status_code == 404, url
    retired = await ServiceDomain.create(code="retired", name_zh="已停用领域", is_active=False)
    assert (await browser.get(f"/dashboard?period=2026-11&domain={retired.id}")).status_code == 404
