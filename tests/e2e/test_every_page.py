"""Every page family of every role, looked at the way a person looks at it, in Chromium at a
desktop's 1366×768 and a phone's 390×844 (and the dashboard printed on A4):

- nothing wider than the screen (outside a box that scrolls by itself);
- on a desktop, every table's body cells stand under their header cells (bounding boxes), and the
  header row sits above the body;
- body text in sane sizes (a table's numbers are not headline figures);
- no raw codes, no `None`, no English sentence left on a Chinese page;
- every link and form action on the page leads to a route of the app.

A screenshot of each page is kept under the test's temp dir (CI keeps it with the run's files)."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import pytest
from starlette.routing import Match

from tests.e2e.conftest import login
from tests.e2e.test_layout import TOO_WIDE, settled

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

# Each role's pages beyond its navigation: the account pages and one of each kind of detail page
# (found by the first link of that kind on the page named).
EXTRAS = {
    "admin": ["/account/password", "/account/sessions", "/account/tokens", "/users/new"],
    "official": ["/dashboard?period={last_month}", "/dashboard?period={year}", "/api/docs", "/account/tokens"],
    "manager": ["/dashboard?period={last_month}", "/inbox", "/organizations/import", "/parks/1/admission-criteria"],
    "org": ["/my-organization", "/inbox", "/account/password"],
    "evaluator": ["/inbox"],
}
DETAILS = {  # (list page, a link of the detail kind)
    "official": [("/organizations", "a[href^='/organizations/'][href$='']"), ("/funds", "a[href^='/funds/']"),
                 ("/grants", "a[href^='/grants/']")],
    "manager": [("/organizations", "#results a[href^='/organizations/']"), ("/reviews", "a[href^='/reviews/']"),
                ("/training", "a[href^='/training/']"), ("/parks", "a[href^='/parks/']")],
    "org": [("/bookings", "a[href^='/spaces/']"), ("/training", "a[href^='/training/']")],
    "evaluator": [("/reviews", "a[href^='/reviews/']")],
}
PUBLIC = ["/login", "/directory", "/parks/1/apply"]

# What the page shows, checked in the page: tables whose body cells are not under their headers,
# text in odd sizes, raw values, and every link and form target.
LOOK = r"""(desktop) => {
  const problems = [];
  const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  if (desktop) {
    for (const table of document.querySelectorAll('table')) {
      if (!visible(table) || table.closest('.week-scroll, .table-scroll')) continue;
      const head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
      if (!head || getComputedStyle(table.tHead).display === 'none') continue;
      const heads = [...head.cells];
      if (heads.some((c) => c.colSpan > 1)) continue;
      const bottom = Math.max(...heads.map((c) => c.getBoundingClientRect().bottom));
      for (const body of table.tBodies) {
        for (const row of body.rows) {
          const cells = [...row.cells];
          if (cells.length !== heads.length || cells.some((c) => c.colSpan > 1)) continue;
          cells.forEach((cell, i) => {
            const c = cell.getBoundingClientRect(), h = heads[i].getBoundingClientRect();
            const middle = (c.left + c.right) / 2;
            if (middle < h.left - 1 || middle > h.right + 1 || c.top < bottom - 1) {
              const name = heads[i].innerText.trim().slice(0, 20);
              problems.push(`#${table.id || '?'} column ${i + 1} ("${name}"): cell `
                + `${Math.round(c.left)}–${Math.round(c.right)} under header `
                + `${Math.round(h.left)}–${Math.round(h.right)}`);
            }
          });
        }
      }
    }
  }
  for (const el of document.querySelectorAll('main td, main th, main p, main li, main dd, main dt, main label')) {
    if (!visible(el) || !el.innerText.trim()) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    const tag = el.tagName.toLowerCase();
    const most = (tag === 'td' || tag === 'th') ? 20 : 22;
    if (size < 10 || size > most) problems.push(`${tag} "${el.innerText.trim().slice(0, 30)}" at ${size}px`);
    for (const inner of el.querySelectorAll('a, span, strong')) {
      const s = parseFloat(getComputedStyle(inner).fontSize);
      if (visible(inner) && !inner.closest('.tile-value, .figure') && (s < 10 || s > most)) {
        problems.push(`${tag} > ${inner.tagName.toLowerCase()} "${inner.innerText.trim().slice(0, 30)}" at ${s}px`);
      }
    }
  }
  const text = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || !node.textContent.trim() || !visible(el)) continue;
    if (el.closest('script, style, code, pre, textarea, [translate="no"], .chart')) continue;
    text.push(node.textContent.trim());
  }
  const targets = [];
  for (const a of document.querySelectorAll('a[href]')) targets.push(a.getAttribute('href'));
  for (const f of document.querySelectorAll('form')) targets.push(f.getAttribute('action') || location.pathname);
  for (const el of document.querySelectorAll('[hx-get], [hx-post]')) {
    targets.push(el.getAttribute('hx-get') || el.getAttribute('hx-post'));
  }
  return {problems: problems.slice(0, 15), text, targets};
}"""

RAW = re.compile(r"\b(None|null|undefined|NaN)\b|\{\{|\}\}|%\(\w+\)s|\b[a-z]+(?:_[a-z]+)+\b")
# A run of three or more English words on a Chinese page: an untranslated message.
ENGLISH = re.compile(r"\b[A-Za-z][a-z]+(?:[ ,'’-]+[a-z]+){2,}\b")
# English text that is data or a proper name, not an interface message (demo data and brand names).
ALLOWED_ENGLISH = re.compile(r"Incubator|CSV|Excel|API|OpenAPI|Bearer|iCalendar|http|www\.|@|\.xlsx|\.ics|\.csv")


def _routes():
    from incubator.app import create_app
    from incubator.config import Settings

    return create_app(Settings(database_url="sqlite://:memory:", secret_key="k" * 40),
                      manage_database=False).router.routes


def _resolvable(routes, target: str, base: str) -> bool:
    parts = urlsplit(target)
    if parts.scheme in ("mailto", "tel", "javascript", "data"):
        return True
    if parts.netloc and not base.endswith(parts.netloc):
        return True  # another site's address: not ours to check
    path = parts.path or "/"
    if not path.startswith("/"):
        return True  # a fragment or a relative query: this page
    scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
    return any(route.matches(scope)[0] != Match.NONE for route in routes)


def look(page, routes, server: str, name: str, shots, *, desktop: bool, chinese: bool = True) -> list[str]:
    """The page's problems as a person would see them; its screenshot saved."""
    settled(page)
    page.screenshot(path=str(shots / f"{name}.png"), full_page=False)
    found: list[str] = []
    sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if sizes[0] > sizes[1]:
        found.append(f"wider than the screen: {sizes} {page.evaluate(TOO_WIDE)}")
    seen = page.evaluate(LOOK, desktop)
    found += seen["problems"]
    for text in seen["text"]:
        if raw := RAW.search(text):
            found.append(f"raw value {raw.group(0)!r} in {text[:60]!r}")
        if chinese and (english := ENGLISH.search(text)) and not ALLOWED_ENGLISH.search(text):
            found.append(f"English on a Chinese page: {english.group(0)!r} in {text[:60]!r}")
    for target in seen["targets"]:
        if target and not _resolvable(routes, target, server):
            found.append(f"a link to nowhere: {target}")
    return [f"{name}: {problem}" for problem in found]


def _pages(page, role: str) -> list[str]:
    today = date.today()
    last_month = (today.replace(day=1).toordinal() - 1)
    month = date.fromordinal(last_month)
    paths = [a.get_attribute("href") for a in page.locator("nav .nav a").all()]
    paths += [p.format(last_month=f"{month:%Y-%m}", year=today.year) for p in EXTRAS.get(role, [])]
    for listing, selector in DETAILS.get(role, []):
        page.goto(listing)
        links = [h for h in (a.get_attribute("href") for a in page.locator(selector).all())
                 if h and re.search(r"/\d+$", h)]
        if links:
            paths.append(links[0])
    return list(dict.fromkeys(p for p in paths if p))


@pytest.mark.parametrize("role", ["admin", "official", "manager", "org", "evaluator"])
def test_every_page_of_a_role_reads_well_on_a_desktop_and_a_phone(chromium, server, tmp_path_factory, role):
    shots = tmp_path_factory.mktemp(f"pages-{role}")
    routes = _routes()
    problems: list[str] = []
    context = chromium.new_context(base_url=server, locale="zh-CN", viewport=DESKTOP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        login(page, role)
        paths = _pages(page, role)
        assert len(paths) >= 3, paths
        for viewport, label in ((DESKTOP, "desktop"), (PHONE, "phone")):
            page.set_viewport_size(viewport)
            for path in paths:
                response = page.goto(path)
                assert response is not None and response.ok, (path, response and response.status)
                name = f"{label}{re.sub(r'[^A-Za-z0-9]+', '-', path)}"
                problems += look(page, routes, server, name, shots, desktop=label == "desktop")
    finally:
        context.close()
    assert problems == [], "\n".join(problems)


def test_the_public_pages_read_well_and_the_dashboard_prints_on_a4(chromium, server, tmp_path_factory):
    shots = tmp_path_factory.mktemp("pages-public")
    routes = _routes()
    problems: list[str] = []
    context = chromium.new_context(base_url=server, locale="zh-CN", viewport=DESKTOP)
    page = context.new_page()
    try:
        for viewport, label in ((DESKTOP, "desktop"), (PHONE, "phone")):
            page.set_viewport_size(viewport)
            for path in PUBLIC:
                assert page.goto(path).ok, path
                problems += look(page, routes, server, f"{label}{re.sub(r'[^A-Za-z0-9]+', '-', path)}", shots,
                                 desktop=label == "desktop")
        # Printed on A4 (its width at 96 dpi less the margins): the dashboard's tables under their headers.
        login(page, "official")
        page.set_viewport_size({"width": 718, "height": 1000})
        page.goto("/dashboard")
        page.emulate_media(media="print")
        problems += look(page, routes, server, "print-dashboard", shots, desktop=True)
        page.pdf(path=str(shots / "dashboard.pdf"), format="A4", print_background=True)
    finally:
        context.close()
    assert problems == [], "\n".join(problems)
