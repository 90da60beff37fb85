"""Every string the interface shows is translated, and values are formatted per locale."""

import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from incubator import i18n
from tests.conftest import open_park

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "incubator" / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "--ignore-dirs=.* __pycache__",
         "-k", "N_",
         "-k", "_", "-k", "gettext", "-k", "ngettext:1,2", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


@pytest.fixture(scope="module")
def catalog():
    with PO.open("rb") as handle:
        return read_po(handle, locale="zh_CN")


def test_every_interface_string_has_a_chinese_translation(extracted, catalog):
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and (m.string if isinstance(m.string, str) else all(m.string)) and not m.fuzzy
    }
    missing = sorted(extracted - translated)
    assert missing == [], "run scripts/i18n.sh and translate these"


def test_translations_keep_their_placeholders(catalog):
    for message in catalog:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        target = message.string if isinstance(message.string, str) else message.string[0]
        if target:
            assert set(PLACEHOLDER.findall(source)) == set(PLACEHOLDER.findall(target)), source


def test_gettext_follows_the_current_locale():
    token = i18n.set_locale("en")
    try:
        assert i18n.gettext("Sign in") == "Sign in"
    finally:
        i18n.reset_locale(token)
    token = i18n.set_locale("zh_CN")
    try:
        assert i18n.gettext("Sign in") != "Sign in"
        assert "3" in i18n.gettext("Use at least %(n)s characters.", n=3)
    finally:
        i18n.reset_locale(token)


def test_unknown_locales_fall_back_to_chinese():
    assert i18n.normalise_locale("en-US") == "en"
    assert i18n.normalise_locale("fr") is None
    token = i18n.set_locale("fr")
    try:
        assert i18n.current_locale() == "zh_CN"
    finally:
        i18n.reset_locale(token)


def test_money_numbers_and_dates_are_formatted_for_the_locale():
    token = i18n.set_locale("zh_CN")
    try:
        assert i18n.format_money(120000000) == "¥1,200,000.00"
        assert i18n.format_number(46407) == "46,407"
        assert i18n.format_date(date(2012, 9, 1)) == "2012年9月1日"
        # Stored in UTC, shown in Asia/Shanghai: 16:30 UTC is half past midnight the next day.
        assert "2012年9月2日" in i18n.format_datetime(datetime(2012, 9, 1, 16, 30, tzinfo=UTC))
    finally:
        i18n.reset_locale(token)
    token = i18n.set_locale("en")
    try:
        assert i18n.format_money(1250) == "¥12.50"
        assert i18n.format_date(date(2012, 9, 1)) == "Sep 1, 2012"
    finally:
        i18n.reset_locale(token)


def test_stored_names_follow_the_reader_language():
    details = {"review": "中期评估", "review_en": "Mid-term review", "organization": "甲"}
    token = i18n.set_locale("en")
    try:
        assert i18n.localised(details) == {"review": "Mid-term review", "organization": "甲"}
    finally:
        i18n.reset_locale(token)
    assert i18n.localised(details) == {"review": "中期评估", "organization": "甲"}


# ---- every label that reaches a page is translated ------------------------------------------------
#
# A world whose own data is plain ASCII, crawled link by link as each role: on English pages any
# CJK character is an untranslated label, and on both languages a raw code (a stage, a status, a
# field name, a job name) where a label belongs is a defect.

import html as html_module  # noqa: E402
from html.parser import HTMLParser  # noqa: E402
from urllib.parse import urldefrag, urlsplit  # noqa: E402

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
ALLOWED_CJK = {"简体中文"}  # the language switch names itself
# 万 (ten thousand) is how amounts are typed in Chinese; the English help shows it as an input form.
WAN = re.compile(r"\d万")


class VisibleText(HTMLParser):
    """The labels a reader sees: text nodes and title/aria labels, outside <script>, <style> and
    <textarea> (a field's value is data), outside elements marked as Chinese data (lang="zh-CN") and
    outside those marked translate="no" (the data API's reference: field names are its contract)."""

    SKIPPED = ("script", "style", "textarea")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip = 0
        self._open: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        chinese = (attributes.get("lang") or "").startswith("zh") and tag != "html"
        if tag in self.SKIPPED or chinese or attributes.get("translate") == "no":
            self._skip += 1
            self._open.append((tag, True))
            return
        if tag not in ("input", "br", "img", "meta", "link", "hr"):
            self._open.append((tag, False))
        if self._skip:
            return
        for name in ("title", "aria-label", "placeholder"):
            if attributes.get(name):
                self.parts.append(attributes[name])
        if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
            self.parts.append(attributes["value"])

    def handle_endtag(self, tag):
        while self._open:
            name, skipping = self._open.pop()
            if skipping:
                self._skip -= 1
            if name == tag:
                break

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible(page: str) -> VisibleText:
    parser = VisibleText()
    parser.feed(page)
    return parser


def raw_codes() -> set[str]:
    """Every code the app stores where users should read a label."""
    from incubator import capability
    from incubator.funding.models import (
        LEDGER_KIND_LABELS,
        FundSource,
        GrantStatus,
        TrancheCondition,
        TrancheStatus,
    )
    from incubator.organizations.models import OrganizationKind, Registration, Stage, Support
    from incubator.parks.models import ParkKind, SpaceKind
    from incubator.reviews.models import Anchor, Decision, Panel, ReviewStatus
    from incubator.roles import Role

    codes = {"admit", "reject", *LEDGER_KIND_LABELS, *(job.name for job in capability.jobs())}
    for enum in (Role, FundSource, GrantStatus, TrancheCondition, TrancheStatus, OrganizationKind, Registration,
                 Stage, Support, ParkKind, SpaceKind, Anchor, Decision, Panel, ReviewStatus):
        codes |= {member.value for member in enum}
    return codes


@pytest.fixture
async def ascii_world(clean, make_user, settings):
    """A park, an admitted organization with a decided review, a paid grant, flags, messages, a
    document, an import preview and job runs — all named in plain ASCII."""
    from incubator import jobs
    from incubator.access import Principal
    from incubator.funding import forms as funding_forms
    from incubator.funding import service as funding
    from incubator.funding.models import Fund, Tranche
    from incubator.organizations import admission, importer
    from incubator.organizations import forms as organization_forms
    from incubator.organizations import service as organizations
    from incubator.organizations.commands import ChangeStage
    from incubator.organizations.models import Organization, Stage
    from incubator.parks.models import Space, SpaceKind
    from incubator.reviews import forms as review_forms
    from incubator.reviews import scoring
    from incubator.reviews.models import Review
    from incubator.roles import Role
    from tests.helpers import upload
    from tests.organizations.test_import import xlsx

    park = await open_park(name_zh="Lingshan Park", name_en="Lingshan Park", theme="Volunteering",
                             floor_area_m2=2200, resident_slots=20)
    desk = await Space.create(park=park, kind=SpaceKind.DESK, name="Desk A1", capacity=2)
    await Space.create(park=park, kind=SpaceKind.MEETING_ROOM, name="Room Taihu", capacity=12, bookable=True,
                       opening_hours={"mon": ["08:30", "17:30"]})
    zhang = await make_user("zhangs", Role.ADMIN, language="en")
    await make_user("wangs", Role.OFFICIAL, language="en")
    li = await make_user("lisi", Role.MANAGER, parks=[park], language="en")
    zhao = await make_user("zhaos", Role.EVALUATOR, language="en")
    boss = Principal(li, frozenset({park.id}))
    submitted = await admission.submit_application(park, organization_forms.apply({
        "name_zh": "Taihu Neighbours", "name_en": "Taihu Neighbours", "kind": "social_association",
        "contact_person": "Zhou Min", "mobile": "13812345678", "email": "zhou@example.org",
        "plan": "After-school tutoring", "staff_count": "3", "volunteer_count": "25"}, [], ["office_space"]),
        address="10.0.0.1")
    organization = submitted.organization
    qian = await make_user("qians", Role.MEMBER, organization=organization, language="en")
    criteria = await admission.criteria_for(park)
    await admission.decide_admission(boss, organization, organization_forms.decide_admission({
        **{f"score_{c.id}": "8" for c in criteria}, "decision": "admit", "reason": "Clear need",
        "start_on": "2026-03-01", "term_months": "12", "space_id": str(desk.id)}, [c.id for c in criteria],
        ["office_space"]))
    organization = await Organization.get(id=organization.id)
    await organizations.change_stage(boss, organization, ChangeStage(target=Stage.INCUBATING))
    review = await Review.get(organization_id=organization.id, code="midterm")
    assignment = await scoring.assign(boss, review, review_forms.assign({"evaluator_id": str(zhao.id),
                                                                         "panel": "expert"}))
    await scoring.declare_conflict(Principal(zhao), assignment, review_forms.declare_conflict({"conflict": "no"}))
    from incubator.reviews.models import ReviewAssignment

    await scoring.submit_scores(Principal(zhao), await ReviewAssignment.get(id=assignment.id),
                                review_forms.submit_scores({f"score_{i}": "8" for i in range(len(review.dimensions))}
                                                           | {"comment": "Good"}, len(review.dimensions)))
    await scoring.set_indicators(boss, review, review_forms.set_indicators({"name_0": "Home visits", "target_0": "240",
                                                                             "actual_0": "200"}))
    await scoring.add_evidence(Principal(qian, organization_id=organization.id), review, "Self assessment",
                               upload("self.pdf"), settings)
    fund = await Fund.create(name="District Fund 2026", source="district_special", fiscal_year=2026,
                             budget_fen=100_000_00, valid_from=date(2026, 1, 1), valid_to=date(2030, 12, 31))
    grant = await funding.draft_grant(boss, organization, funding_forms.draft_grant({
        "fund_id": str(fund.id), "purpose": "Tutoring project", "amount": "30000",
        "amount_0": "10000", "condition_0": "on_signing",
        "amount_1": "20000", "condition_1": "after_review", "review_code_1": "midterm"}))
    await funding.propose(boss, grant, settings.grant_approval_threshold_fen)
    from tests.funding.conftest import second_manager

    await funding.approve(await second_manager(park.id), grant)  # four eyes: not its proposer
    await funding.disburse(boss, await Tranche.get(grant_id=grant.id, sequence=1),
                           funding_forms.disburse({"paid_on": "2026-03-02", "voucher": "V-1"}))
    await scoring.decide(boss, review, review_forms.decide({"decision": "pass", "reason": "Met the targets"}))
    spreadsheet = xlsx([["Green Team", "", "", "", "", "", "", "Wu", "13912345678", "", 0, 12, "", "", ""],
                        ["Broken Row", "", "Company", "", "Nowhere", "", "", "", "123", "", -1, "", "", "", ""]])
    spreadsheet.filename = "list.xlsx"
    await importer.preview(boss, park, spreadsheet, settings)
    await jobs.run_all(settings, holder="web-1")
    return {"admin": zhang, "organization": organization}


async def crawl(browser, *starts: str, limit: int = 60) -> dict[str, str]:
    """GET every same-site page reachable from `starts` (no exports, no sign-out); path → HTML."""
    seen: dict[str, str] = {}
    queue = list(starts or ["/"])
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        response = await browser.get(url)
        assert response.status_code < 500, url
        if response.status_code != 200 or "text/html" not in response.headers.get("content-type", ""):
            seen[url] = ""
            continue
        seen[url] = response.text
        for href in visible(response.text).links:
            parts = urlsplit(urldefrag(html_module.unescape(href))[0])
            if parts.netloc not in ("", "testserver") or not parts.path.startswith("/"):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target.startswith(("/static", "/logout")):
                continue
            if "format=" in parts.query or "page=" in parts.query:
                continue
            if target not in seen and target not in queue:
                queue.append(target)
    return seen


@pytest.mark.parametrize("username", ["zhangs", "wangs", "lisi", "zhaos", "qians"])
async def test_english_pages_show_no_untranslated_label_and_no_raw_code(ascii_world, new_browser, username):
    browser = new_browser()
    await browser.login(username)
    problems = []
    for url, page in (await crawl(browser, "/", "/imports/1")).items():
        if 'data-label=""' in page:  # a table cell's label, shown beside it on a phone, went missing
            problems.append((url, "empty data-label", ""))
        for text in visible(page).parts:
            if CJK.search(WAN.sub("", text)) and text not in ALLOWED_CJK:
                problems.append((url, "untranslated", text[:100]))
            # Codes such as "ready" or "expert" are English words too: only snake_case gives one away.
            problems += [(url, "raw code", token) for token in SNAKE.findall(text)]
            if "<" in text and ">" in text:
                problems.append((url, "object repr", text[:100]))
    assert not problems, "\n".join(map(str, problems))


@pytest.mark.parametrize("username", ["zhangs", "wangs", "lisi", "zhaos", "qians"])
async def test_chinese_pages_show_labels_not_raw_codes(ascii_world, new_browser, username):
    from incubator.auth.models import User

    await User.filter(username=username).update(language="zh_CN")
    browser = new_browser()
    await browser.login(username)
    codes = raw_codes()
    problems = []
    for url, page in (await crawl(browser, "/", "/imports/1")).items():
        for text in visible(page).parts:
            for token in SNAKE.findall(text) + [t for t in re.findall(r"[A-Za-z_]+", text) if t in codes]:
                problems.append((url, token, text[:80]))
            if "<" in text and ">" in text:
                problems.append((url, "object repr", text[:100]))
    assert not problems, "\n".join(map(str, problems))


async def test_the_public_pages_speak_english_to_a_visitor_who_chose_it(ascii_world, browser):
    from incubator.organizations.models import Application

    await browser.post("/language", {"language": "en", "next": "/login"})
    reference = (await Application.first()).reference
    problems = []
    for url in ("/login", "/parks/1/apply", f"/applications/{reference}"):
        page = await browser.get(url)
        assert page.status_code == 200, url
        problems += [(url, text) for text in visible(page.text).parts
                     if CJK.search(WAN.sub("", text)) and text not in ALLOWED_CJK]
    assert not problems, "\n".join(map(str, problems))


async def _row_counts() -> dict[str, int]:
    from tortoise import Tortoise

    return {model._meta.db_table: await model.all().count() for model in Tortoise.apps["incubator"].values()}


@pytest.mark.parametrize("username", ["zhangs", "lisi", "zhaos", "qians"])
async def test_get_pages_never_write(ascii_world, new_browser, username):
    """Showing a page stores nothing: not even a park's default scorecard or review plan, which
    the capabilities seed when a park is created (and migration 0011 for older parks)."""
    from incubator.parks.models import Park

    bare = await Park.create(name_zh="Bare Park", name_en="Bare Park")  # created without its defaults
    browser = new_browser()
    await browser.login(username)
    before = await _row_counts()
    pages = await crawl(browser, "/", "/imports/1", f"/parks/{bare.id}/admission-criteria",
                        f"/parks/{bare.id}/review-plan")
    assert len(pages) > 5
    assert await _row_counts() == before
    if username == "zhangs":  # the administrator opened them: the defaults are offered, not stored
        assert "社会需求与服务定位" in pages[f"/parks/{bare.id}/admission-criteria"]
        assert "onboarding" in pages[f"/parks/{bare.id}/review-plan"]


def test_a_full_date_and_time_names_no_time_zone():
    """"2026年3月2日星期一 中国标准时间 14:00:00": the zone's name and the seconds said nothing."""
    from datetime import UTC, datetime

    moment = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 14:00 in Beijing
    for locale, expected in (("zh_CN", "2026年3月2日星期一 14:00"), ("en", "Monday, March 2, 2026, 2:00\u202fPM")):
        token = i18n.set_locale(locale)
        try:
            shown = i18n.format_datetime(moment, "full")
        finally:
            i18n.reset_locale(token)
        assert shown == expected
        assert "中国标准时间" not in shown and "Standard Time" not in shown


async def test_counts_of_one_are_singular_in_english(new_browser, make_user, park):
    """The home page's park cards said "1 organizations"."""
    from incubator.organizations.models import Organization
    from incubator.roles import Role

    await Organization.create(park=park, name_zh="一家组织", stage="incubating")
    await make_user("reader.en", Role.OFFICIAL, language="en")
    reader = new_browser()
    await reader.login("reader.en")
    home = (await reader.get("/")).text
    assert "1 organization" in home and "1 organizations" not in home
