"""Excel exports never fail because of what users typed, and never carry a live formula."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from incubator import clock, exports
from incubator.funding.models import Fund, Grant, LedgerEntry
from incubator.organizations.models import Organization

HOSTILE_NAME = "2026/[试点]:基金*?\\"


def read(content: bytes):
    return load_workbook(io.BytesIO(content))


def formulas(content: bytes) -> list[str]:
    """Formula elements anywhere in the workbook's sheets (what openpyxl wrote as <f>)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return [name for name in archive.namelist()
                if name.startswith("xl/worksheets/") and b"<f>" in archive.read(name)]


def all_cells(book):
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def test_a_sheet_title_with_characters_excel_forbids_is_made_safe():
    book = read(exports.workbook(HOSTILE_NAME, ["名称"], [["x"]]))
    assert book.sheetnames == ["2026__试点__基金___"]


@pytest.mark.parametrize(("title", "expected"), [
    ("", "Sheet1"),
    ("   ", "Sheet1"),
    ("\x01\x02", "Sheet1"),
    ("'引号'", "引号"),
    ("History", "History Sheet1"),
    ("第一行\n第二行\t", "第一行 第二行"),
    ("长" * 40, "长" * 31),
])
def test_a_sheet_title_is_never_blank_too_long_or_reserved(title, expected):
    assert read(exports.workbook(title, ["h"], [])).sheetnames == [expected]


def test_an_emoji_counts_twice_towards_the_31_characters():
    title = read(exports.workbook("😀" * 20, ["h"], [])).sheetnames[0]
    assert title == "😀" * 15


def test_several_sheets_share_one_workbook_with_distinct_titles():
    content = exports.workbook(sheets=[
        ("基金", ["名称", "预算"], [["甲", 1.5], ["乙", 2]]),
        ("基金", ["名称"], [["丙"]]),
        ("基金".upper(), ["名称"], []),
        ("x" * 40, ["h"], []),
        ("x" * 40, ["h"], []),
    ])
    book = read(content)
    assert book.sheetnames == ["基金", "基金 (2)", "基金 (3)", "x" * 31, "x" * 27 + " (2)"]
    assert [[c.value for c in row] for row in book["基金"].iter_rows()] == [["名称", "预算"], ["甲", 1.5], ["乙", 2]]
    assert book["基金"]["A1"].font.bold
    assert [[c.value for c in row] for row in book["基金 (2)"].iter_rows()] == [["名称"], ["丙"]]


def test_the_single_sheet_call_still_works_positionally():
    book = read(exports.workbook("Funds", ["Fund", "Budget"], [("A", 1.0)]))
    assert book.sheetnames == ["Funds"]
    assert [c.value for c in book.active[2]] == ["A", 1.0]


def test_control_characters_are_removed_from_cells():
    content = exports.workbook("t", ["名\x00称"], [["第一行\n第二行\t缩进\x01\x07\x1b", "a\ufffeb\uffff"]])
    book = read(content)
    assert book.active["A1"].value == "名称"
    assert book.active["A2"].value == "第一行\n第二行\t缩进"
    assert book.active["B2"].value == "ab"


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example","点我")', "=1+1", "+1", "-1+2", "@SUM(A1)",
                                  "=cmd|' /C calc'!A0"])
def test_text_that_looks_like_a_formula_is_stored_as_text(text):
    content = exports.workbook("t", ["h"], [[text]])
    assert formulas(content) == []
    cell = read(content).active["A2"]
    assert cell.value == text
    assert cell.data_type == "s"


def test_numbers_dates_and_aware_datetimes_are_written_as_values():
    at = datetime(2026, 3, 1, 1, 30, tzinfo=UTC)
    content = exports.workbook("t", ["h"], [[-12.5, 3, date(2026, 3, 1), at, None, True]])
    cells = [c.value for c in read(content).active[2]]
    assert cells[:3] == [-12.5, 3, datetime(2026, 3, 1)]
    assert cells[3] == at.astimezone(clock.zone()).replace(tzinfo=None)
    assert cells[4:] == [None, True]


def test_a_cell_is_cut_to_excels_limit():
    content = exports.workbook("t", ["h"], [["x" * 40_000]])
    assert read(content).active["A2"].value == "x" * exports.CELL_MAX


def test_funding_writes_its_tables_with_the_shared_writer():
    from incubator.funding import routes as funding_routes

    assert funding_routes.exports.workbook is exports.workbook
    assert funding_routes.exports.yuan(123456) == 1234.56


async def test_a_hostile_fund_name_and_purpose_do_not_break_the_funding_exports(browser, admin, park):
    fund = await Fund.create(name=HOSTILE_NAME, source="district_special", fiscal_year=2026, budget_fen=10_000_000,
                             committed_fen=1_000_000, valid_from=date(2026, 1, 1), valid_to=date(2030, 12, 31))
    organization = await Organization.create(park=park, name_zh="=HYPERLINK(\"http://evil.example\",\"协会\")",
                                             stage="incubating")
    grant = await Grant.create(fund=fund, organization=organization, purpose="社区\x01项目\x1b", amount_fen=1_000_000,
                               status="active")
    await LedgerEntry.create(fund=fund, grant=grant, kind="commit", committed_delta_fen=1_000_000,
                             on_date=date(2026, 3, 1), voucher="=1+1", note="备注\x07", at=datetime.now(UTC))
    await browser.login("admin")
    for url in ("/funds?format=xlsx", f"/funds/{fund.id}?format=xlsx", "/grants?format=xlsx"):
        response = await browser.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
        assert formulas(response.content) == [], url
        book = read(response.content)
        texts = {c.value for c in all_cells(book) if isinstance(c.value, str)}
        assert all("\x01" not in t and "\x07" not in t and "\x1b" not in t for t in texts), url
        if url != "/funds?format=xlsx":
            assert "社区项目" in texts, url
            assert '=HYPERLINK("http://evil.example","协会")' in texts, url
    ledger = read((await browser.get(f"/funds/{fund.id}?format=xlsx")).content)
    assert ledger.sheetnames == ["2026__试点__基金___"]
    assert {"=1+1", "备注"} <= {c.value for c in all_cells(ledger)}


def test_a_csv_opens_in_excel_with_its_chinese_and_no_formula_runs():
    import csv as csv_module

    content = exports.csv_bytes(["园区", "名称", "时间"], [
        ("灵山园区", "=HYPERLINK(\"http://x\")", datetime(2026, 12, 8, 6, 0, tzinfo=UTC)),
        ("滨湖园区", "逗号, 与\"引号\"", None),
    ])
    assert content.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs to read UTF-8
    text = content.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv_module.reader(io.StringIO(text)))
    assert rows[0] == ["园区", "名称", "时间"]
    assert rows[1] == ["灵山园区", "'=HYPERLINK(\"http://x\")", "2026-12-08 14:00"]  # in Beijing time
    assert rows[2] == ["滨湖园区", "逗号, 与\"引号\"", ""]
