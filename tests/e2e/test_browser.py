"""What people do in a real browser against a running server with the demo data."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login

NAVIGATION = {
    "admin": (["概览", "园区", "账号", "审计日志"], ["Overview", "Parks", "Accounts", "Audit log"]),
    "official": (["概览", "园区", "审计日志"], ["Overview", "Parks", "Audit log"]),
    "manager": (["概览", "园区", "组织"], ["Overview", "Parks", "Organizations"]),
    "org": (["概览", "我的组织", "园区"], ["Overview", "My organization", "Parks"]),
    "evaluator": (["概览", "园区"], ["Overview", "Parks"]),
}
NOT_FOR = {"official": "账号", "manager": "审计日志", "org": "账号", "evaluator": "审计日志"}


@pytest.mark.parametrize("username", list(NAVIGATION))
def test_each_demo_role_signs_in_and_sees_its_navigation_in_both_languages(page, username):
    login(page, username)
    nav = page.locator("nav .nav")
    chinese, english = NAVIGATION[username]
    for label in chinese:
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    if username in NOT_FOR:
        expect(nav.get_by_role("link", name=NOT_FOR[username], exact=True)).to_have_count(0)
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    for label in english:
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    page.get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    assert page.csp_errors == []


def test_language_switch_on_the_sign_in_page(page):
    page.goto("/login")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_role("button", name="简体中文").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()


def test_wrong_password_shows_an_error_and_keeps_the_username(page):
    page.goto("/login")
    page.fill("#f-username", "manager")
    page.fill("#f-password", "not-the-password")
    page.click("form.form button[type=submit]")
    expect(page.locator(".form-errors")).to_contain_text("用户名或密码错误")
    expect(page.locator("#f-username")).to_have_value("manager")


def test_manager_form_error_is_shown_beside_the_field_and_input_is_kept(page):
    login(page, "manager")
    page.get_by_role("link", name="园区", exact=True).click()
    page.get_by_role("link", name="灵山·太湖社区公益园").first.click()
    page.get_by_role("link", name="编辑园区").click()
    page.fill("#f-theme", "志愿服务与社区治理")
    page.fill("#f-resident_slots", "很多")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#e-resident_slots")).to_be_visible()
    expect(page.locator("#f-theme")).to_have_value("志愿服务与社区治理")
    page.fill("#f-resident_slots", "22")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash")).to_be_visible()
    expect(page.get_by_text("志愿服务与社区治理")).to_be_visible()


def test_park_search_filters_live_with_htmx(page):
    login(page, "official")
    page.goto("/parks")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(4)
    page.fill("#f-q", "荣巷")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("荣巷助残孵化园")
    expect(page).to_have_url(re.compile(r"q=%E8%8D%A3%E5%B7%B7|q=荣巷"))
    assert page.csp_errors == []


def test_member_sees_own_organization_and_not_anothers(page):
    login(page, "org")
    page.get_by_role("link", name="我的组织").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("太湖邻里志愿者协会")
    own = page.url
    other_id = int(own.rstrip("/").rsplit("/", 1)[1]) + 1
    response = page.goto(f"/organizations/{other_id}")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_contain_text("页面不存在")


def test_manager_admits_an_applicant_and_moves_it_to_incubating(page):
    login(page, "manager")
    page.get_by_role("link", name="组织", exact=True).click()
    page.select_option("#f-stage", "applied")
    row = page.locator("#results tbody tr", has_text="蠡湖读书会")
    expect(row).to_have_count(1)
    row.get_by_role("link", name="蠡湖读书会").click()
    page.get_by_role("link", name="入驻评审").click()
    expect(page.locator("input[name^='score_']").first).to_be_visible()  # the admission form has loaded
    for score in page.locator("input[name^='score_']").all():
        score.fill("8")
    page.get_by_label("同意入驻并签订协议").check()
    page.fill("#f-reason", "读书会服务社区居民，团队稳定。")
    page.select_option("#f-space_id", index=1)
    page.get_by_role("button", name="提交评审结论").click()
    expect(page.locator(".flash")).to_contain_text("孵化协议已签订")
    expect(page.locator("#stage")).to_contain_text("已入驻")
    page.select_option("#f-stage", "incubating")
    page.get_by_role("button", name="变更阶段").click()
    expect(page.locator("#stage .facts")).to_contain_text("孵化中")
    expect(page.locator("#timeline li")).to_have_count(3)  # applied, admitted, incubating
    assert page.csp_errors == []


def test_organization_member_edits_the_profile(page):
    login(page, "org")
    page.get_by_role("link", name="我的组织").click()
    page.get_by_role("link", name="编辑组织信息").click()
    page.fill("#f-mobile", "1381234")
    page.fill("#f-volunteer_count", "188")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#e-mobile")).to_be_visible()
    expect(page.locator("#f-volunteer_count")).to_have_value("188")
    page.fill("#f-mobile", "13812345678")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash")).to_contain_text("组织信息已保存")
    expect(page.locator("main")).to_contain_text("188")


def test_an_evaluator_scores_a_review_and_the_manager_decides(page, chromium, server):
    login(page, "manager")
    page.get_by_role("link", name="评审", exact=True).click()
    first = page.locator("table tbody tr").filter(has_text="灵山").first
    review_name = first.locator("td").nth(1).inner_text()
    first.locator("a").first.click()
    review_url = page.url
    page.select_option("#f-evaluator_id", label="第三方评估 陈专家")
    page.select_option("#f-panel", "expert")
    page.get_by_role("button", name="指派").click()
    expect(page.locator("#panels")).to_contain_text("第三方评估 陈专家")

    evaluator = chromium.new_context(base_url=server, locale="zh-CN")
    other = evaluator.new_page()
    login(other, "evaluator")
    other.get_by_role("link", name="评审", exact=True).click()
    expect(other.locator("table")).to_contain_text(review_name)
    other.goto(review_url)
    other.get_by_label("不存在利益冲突").check()
    other.get_by_role("button", name="申报").click()
    expect(other.locator("input[name^='score_']").first).to_be_visible()  # the scoring form has loaded
    for field in other.locator("input[name^='score_']").all():
        field.fill("8")
    other.fill("#f-comment", "服务台账完整，志愿者培训到位。")
    other.get_by_role("button", name="提交评分").click()
    expect(other.locator("#result")).to_contain_text("80.0")
    evaluator.close()

    page.goto(review_url)
    expect(page.locator("#result")).to_contain_text("服务台账完整")
    page.select_option("#f-decision", "pass")
    page.fill("#f-reason", "达到阶段目标。")
    page.get_by_role("button", name="提交评审结论").click()
    expect(page.locator(".facts")).to_contain_text("已出结论")
    expect(page.locator(".facts")).to_contain_text("通过")
    assert page.csp_errors == []


def test_a_manager_proposes_a_grant_an_official_approves_and_the_first_tranche_is_paid(page, chromium, server):
    login(page, "manager")
    page.goto("/organizations")
    page.get_by_role("link", name="滨湖绿色环保志愿服务队").click()
    page.get_by_role("link", name="新建资助").click()
    page.fill("#f-purpose", "湖岸生态巡护")
    page.fill("#f-amount", "6万")
    page.fill("#f-amount_0", "20000")
    page.select_option("#f-condition_0", "on_signing")
    page.fill("#f-amount_1", "40000")
    page.select_option("#f-condition_1", "after_review")
    page.select_option("#f-review_code_1", "midterm")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".flash")).to_contain_text("资助草稿已保存")
    page.get_by_role("button", name="提交审批").click()
    expect(page.locator(".facts")).to_contain_text("需区级官员审批")
    grant_url = page.url

    district = chromium.new_context(base_url=server, locale="zh-CN")
    official = district.new_page()
    login(official, "official")
    official.goto(grant_url)
    official.get_by_role("button", name="批准").click()
    expect(official.locator(".facts")).to_contain_text("已批准")
    district.close()

    page.goto(grant_url)
    expect(page.locator("#tranches")).to_contain_text("可拨付")
    first = page.locator("#tranches li").first
    first.locator("input[name='voucher']").fill("记-2026-118")
    first.get_by_role("button", name="登记拨付").click()
    expect(page.locator(".flash")).to_contain_text("拨付已登记")
    expect(page.locator("#tranches")).to_contain_text("记-2026-118")
    assert page.csp_errors == []
