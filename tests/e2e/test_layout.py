"""Layout in a real browser: the member's pages and the managers' wide forms fit a 390-px phone
(nothing wider than the screen outside a `.table-scroll` box), stacked table cells keep their
column's name, and the wide tables and forms line up on a desktop."""

from __future__ import annotations

import io
import itertools
import re

from playwright.sync_api import expect

from tests.e2e.conftest import login

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# Elements sticking out of the viewport, except inside a box that scrolls by itself (.table-scroll,
# the booking grids' .week-scroll).
TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.parentElement && el.parentElement.closest('.table-scroll, .week-scroll')) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right > width + 1 || box.width > width + 1) {
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + el.className;
      found.push(`${name} ${Math.round(box.left)}–${Math.round(box.right)}`);
    }
  }
  return found.slice(0, 10);
}"""

# Table cells showing data on this page that do not show their column's name when stacked:
# a cell without data-label, or one whose ::before shows nothing.
UNLABELLED = """() => {
  const found = [];
  let labelled = 0;
  for (const td of document.querySelectorAll('table.table tbody td')) {
    if (td.colSpan > 1 || td.getClientRects().length === 0) continue;
    if (!td.textContent.trim() && !td.querySelector('input, select, textarea, a, meter')) continue;
    const before = getComputedStyle(td, '::before');
    const empty = ['none', 'normal', '""'].includes(before.content);
    const shown = td.dataset.label && !empty && before.display !== 'none';
    if (shown) { labelled += 1; } else { found.push(td.outerHTML.slice(0, 100)); }
  }
  return {labelled, found: found.slice(0, 10)};
}"""


def settled(page) -> None:
    """Waits until the page's htmx requests (unread badge, timelines) have been swapped in."""
    page.wait_for_function("() => window.htmx && !document.querySelector("
                           "'.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')")


def fits(page, name: str, tmp_path, labels: bool = True, full_page: bool = True) -> int:
    """Asserts that the page fits the viewport and every stacked cell is labelled; saves a
    screenshot; the number of labelled cells."""
    settled(page)
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=full_page)
    sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1], (name, sizes, page.evaluate(TOO_WIDE))
    assert page.evaluate(TOO_WIDE) == [], name
    result = page.evaluate(UNLABELLED)
    if labels:
        assert result["found"] == [], (name, result["found"])
    return result["labelled"]


def test_the_members_pages_fit_a_phone_and_stacked_cells_keep_their_labels(chromium, server, tmp_path):
    context = chromium.new_context(base_url=server, locale="zh-CN", viewport=PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        login(page, "org")
        fits(page, "home", tmp_path)

        page.goto("/my-organization")
        expect(page.get_by_role("heading", level=1)).to_have_text("太湖邻里志愿者协会")
        organization = page.url
        assert fits(page, "organization", tmp_path) > 0  # the milestone reviews
        review_links = page.locator("#reviews tbody a")
        assert review_links.count() > 0, "the organization page links to its reviews"
        grant_links = page.locator("#funding a[href*='/grants/']")
        grant = grant_links.first.get_attribute("href") if grant_links.count() else None

        page.get_by_role("link", name="编辑组织信息").click()
        expect(page.locator("#f-mobile")).to_be_visible()
        fits(page, "profile", tmp_path)

        # An open review of theirs: the evidence upload form is on it.
        page.goto(organization)
        page.locator("#reviews tbody tr", has_text="已排期").first.locator("a").click()
        expect(page.locator("#evidence input[type=file]")).to_be_visible()
        fits(page, "review", tmp_path)

        if grant:
            page.goto(grant)
            expect(page.locator("#tranches")).to_be_visible()
            fits(page, "grant", tmp_path)

        for path in ("/inbox", "/account/password", "/account/sessions"):
            assert page.goto(path).ok, path
            fits(page, re.sub(r"\W", "", path), tmp_path)
        assert page.locator("td[data-label]").count() > 0  # the sessions are a table
    finally:
        context.close()


def _spreadsheet(path) -> None:
    from openpyxl import Workbook

    from incubator.organizations.importer import COLUMNS

    book = Workbook()
    sheet = book.active
    sheet.append([header for header, _field in COLUMNS])
    sheet.append(["无锡市滨湖区蠡园街道太湖之滨邻里守望互助志愿服务中心",
                  "Wuxi Binhu Liyuan Lakeside Neighbourhood Watch Mutual Aid Volunteer Service Centre",
                  "社会团体", "", "志愿互助", "2021-05-01", "张三", "李四", "13812345678", "contact@example.org",
                  3, 40, "", "", "面向独居老人、困境儿童和新市民家庭提供邻里互助、上门探访、政策咨询、法律援助、"
                  "心理疏导和志愿者培训等综合服务，每月组织两次社区议事会，协助街道开展垃圾分类宣传。"])
    sheet.append(["湖畔社区老年人数字生活能力提升互助小组", "", "公司", "123", "不存在的领域", "", "", "", "123",
                  "not-an-email", -1, "", "", "", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())


def test_the_import_preview_reads_well_on_a_phone_and_scrolls_inside_its_box_on_a_desktop(chromium, server, tmp_path):
    spreadsheet = tmp_path / "名单.xlsx"
    _spreadsheet(spreadsheet)
    context = chromium.new_context(base_url=server, locale="zh-CN", viewport=PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        login(page, "manager")
        page.goto("/organizations/import")
        fits(page, "import", tmp_path)
        page.set_input_files("#f-file", str(spreadsheet))
        page.get_by_role("button", name="检查文件").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("名单.xlsx")
        assert fits(page, "import-preview-phone", tmp_path) > 10
        name = page.locator("table.import td", has_text="太湖之滨邻里守望").first
        assert page.evaluate("td => getComputedStyle(td, '::before').content", name.element_handle()) == '"中文名称"'
        # Stacked rows wrap their values: nothing is cut off at the right edge of the box.
        assert page.locator(".table-scroll").first.evaluate("el => el.scrollWidth <= el.clientWidth")

        page.set_viewport_size(DESKTOP)
        page.reload()
        fits(page, "import-preview-desktop", tmp_path, labels=False)  # a real table on a desktop
        box = page.locator(".table-scroll").first
        assert box.evaluate("el => el.scrollWidth > el.clientWidth"), "the wide table scrolls inside its box"
        em = page.evaluate("parseFloat(getComputedStyle(document.querySelector('table.import td')).fontSize)")
        # Names are not squeezed to a character per line, and the result column stays readable...
        for text in ("太湖之滨邻里守望", "数字生活能力提升", "Neighbourhood Watch"):
            cell = page.locator("table.import td", has_text=text).first.bounding_box()
            assert cell["width"] >= 8 * em, (text, cell)
        result = page.locator("table.import td.result").first.bounding_box()
        assert result["width"] >= 12 * em, result
        # ...and a long description wraps instead of stretching one line across the screen.
        description = page.locator("table.import td", has_text="每月组织两次社区议事会").first.bounding_box()
        assert description["width"] <= 40 * em, description
        # A cell's error reads under its value, not a character per line.
        for cell in page.locator("table.import td.cell-error").all():
            assert cell.bounding_box()["width"] >= 10 * em, cell.inner_text()
    finally:
        context.close()


def _lined_up(boxes: list[dict]) -> bool:
    return max(b["y"] for b in boxes) - min(b["y"] for b in boxes) <= 1


def test_the_review_plan_and_the_indicator_columns_line_up_on_a_desktop_and_a_phone(chromium, server, tmp_path):
    context = chromium.new_context(base_url=server, locale="zh-CN", viewport=DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        login(page, "manager")
        page.goto("/parks")
        page.get_by_role("link", name="灵山·太湖社区公益园").first.click()
        page.get_by_role("link", name="评审计划").click()
        plan = page.url
        settled(page)
        page.screenshot(path=str(tmp_path / "plan-desktop.png"), full_page=True)
        first = page.locator("fieldset.milestone").first
        controls = [c.bounding_box() for c in first.locator(".inline-grid input, .inline-grid select").all()]
        labels = [c.bounding_box() for c in first.locator(".inline-grid label").all()]
        assert len(controls) == 5 and _lined_up(controls), controls  # one row: name, name, when, amount, threshold
        assert _lined_up(labels), labels
        for left, right in itertools.pairwise(controls):
            assert left["x"] + left["width"] <= right["x"], (left, right)  # no overlap
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        page.goto("/reviews")
        page.locator("tbody tr", has_text="太湖邻里志愿者协会").first.locator("a").first.click()
        review = page.url
        form = page.locator("#indicators form")
        expect(form).to_be_visible()
        page.locator("#indicators").screenshot(path=str(tmp_path / "indicators-desktop.png"))
        headers = form.locator("thead th").all()
        row = form.locator("tbody tr").first
        for index, header in enumerate(headers):
            th = header.bounding_box()
            control = row.locator("td").nth(index).locator("input").bounding_box()
            padding = header.evaluate("th => parseFloat(getComputedStyle(th).paddingLeft)")
            # The input spans its column: its edges are the header's edges (less the padding).
            assert abs(control["x"] - (th["x"] + padding)) <= 2, (index, th, control)
            assert abs(control["x"] + control["width"] - (th["x"] + th["width"] - padding)) <= 2, (index, th, control)

        page.set_viewport_size(PHONE)
        page.goto(plan)
        fits(page, "plan-phone", tmp_path)
        page.goto(review)
        assert fits(page, "review-phone", tmp_path) >= 3  # name, target and actual of each indicator row
        cells = form.locator("tbody tr").first.locator("td")
        for index in range(cells.count()):
            cell = cells.nth(index)
            assert cell.evaluate("td => getComputedStyle(td, '::before').content") not in ("none", "normal"), index
            # On a phone the column's name stands above a full-width input.
            control, box = cell.locator("input").bounding_box(), cell.bounding_box()
            assert control["width"] >= box["width"] - 2 and control["y"] > box["y"] + 8, (index, control, box)
    finally:
        context.close()


# (account, page, whether it must show labelled cells)
LISTS = [
    ("manager", "/parks", True), ("manager", "/parks/1", True), ("manager", "/parks/1/admission-criteria", True),
    ("manager", "/organizations", True), ("manager", "/organizations/registration-overdue", False),
    ("manager", "/organizations/1/grants/new", True), ("manager", "/reviews", True), ("manager", "/funds", True),
    ("manager", "/funds/1", True), ("manager", "/grants", True),
    ("admin", "/users", True), ("admin", "/audit", True),
]


def test_the_lists_and_form_tables_fit_a_phone_and_keep_their_column_names(chromium, server, tmp_path):
    for account in ("manager", "admin"):
        context = chromium.new_context(base_url=server, locale="zh-CN", viewport=PHONE)
        context.set_default_timeout(10_000)
        page = context.new_page()
        try:
            login(page, account)
            for _account, path, labelled in (row for row in LISTS if row[0] == account):
                assert page.goto(path).ok, path
                shown = fits(page, account + re.sub(r"\W", "-", path), tmp_path, full_page=False)
                assert shown > 0 or not labelled, path
        finally:
            context.close()
