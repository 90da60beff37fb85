"""The district dashboard in a real browser (issue 13): an official filters it by park (htmx, the
filter kept in the address), drills from a figure to the organizations behind it, downloads the
monthly report workbook, and prints the dashboard to a PDF; every chart is drawn (ECharts, from the
table under it) without breaking the page's Content-Security-Policy."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
from playwright.sync_api import expect

from tests.e2e.test_booking_browser import settled, signed_in

PARK = "灵山·太湖社区公益园"


def test_an_official_filters_by_park_drills_down_downloads_the_report_and_prints(chromium, server):
    with signed_in(chromium, server, "official") as page:
        page.goto("/dashboard")
        expect(page.get_by_role("heading", level=1)).to_contain_text("全区数据看板")
        charts = page.locator(".chart[data-drawn] canvas")
        expect(charts.first).to_be_visible()
        assert charts.count() == page.locator(".chart").count() >= 8

        page.locator("#f-park").select_option(label=PARK)
        settled(page)
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"园区数据看板 · {PARK}")
        assert re.search(r"[?&]park=\d+", page.url), page.url  # the view can be shared
        expect(page.locator(".chart[data-drawn] canvas").first).to_be_visible()  # redrawn after the swap

        stages = page.locator("#table-stages")
        park_row = stages.locator("tbody tr").filter(has=page.locator("th", has_text=PARK))
        total = park_row.locator("td").last
        count = int(total.inner_text().replace(",", ""))
        assert count > 0
        total.get_by_role("link").click()
        page.wait_for_url(re.compile(r"/organizations\?park=\d+"))
        listed = page.locator("#results tbody tr").filter(has=page.locator("a[href^='/organizations/']"))
        expect(listed).to_have_count(min(count, 50))
        assert all(PARK in text for text in listed.locator("td:nth-child(2)").all_inner_texts())

        page.go_back()
        expect(page.get_by_role("heading", level=1)).to_contain_text(PARK)
        with page.expect_download() as waiting:
            page.get_by_role("link", name=re.compile("月报")).click()
        download = waiting.value
        assert download.suggested_filename.startswith("月报 ") and download.suggested_filename.endswith(".xlsx")
        book = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
        assert book.sheetnames[0] == "封面" and len(book.sheetnames) == 11
        cover = {row[0]: row[1] for row in book["封面"].iter_rows(min_row=2, values_only=True) if row[0]}
        assert cover["园区"] == PARK and cover["制表人"] == "区民政局 王科长"

        page.emulate_media(media="print")
        expect(page.locator("form.filters")).to_be_hidden()
        pdf = page.pdf(format="A4", print_background=True)
        assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 2
        assert page.csp_errors == []
