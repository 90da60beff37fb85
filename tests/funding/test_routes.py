"""Funding through the pages: the workflow, who sees what, and real Excel exports."""

import io
from datetime import date

from openpyxl import load_workbook

from incubator.funding import forms
from incubator.funding.models import Fund, Grant, GrantStatus, Tranche, TrancheStatus


async def test_official_creates_a_fund_and_errors_keep_the_input(browser, official):
    await browser.login("official")
    bad = await browser.post("/funds", {"name": "专项资金", "source": "district_special", "fiscal_year": "2026",
                                        "budget": "12.345", "valid_from": "2026-01-01", "valid_to": "2026-12-31"})
    assert bad.status_code == 400 and 'value="专项资金"' in bad.text and 'id="e-budget"' in bad.text
    good = await browser.post("/funds", {"name": "专项资金", "source": "district_special", "fiscal_year": "2026",
                                         "budget": "120万", "valid_from": "2026-01-01", "valid_to": "2026-12-31"})
    assert good.status_code == 303
    assert (await Fund.get(name="专项资金")).budget_fen == 120_000_000


async def test_manager_proposes_official_approves_tranche_paid(new_browser, manager, official, admitted, fund,
                                                               settings):
    boss = new_browser()
    await boss.login("manager")
    form = await boss.get(f"/organizations/{admitted.id}/grants/new")
    assert fund.name in form.text
    response = await boss.post(f"/organizations/{admitted.id}/grants", {
        "fund_id": str(fund.id), "purpose": "社区志愿服务项目", "amount": "8万",
        "amount_0": "30,000", "condition_0": "on_signing",
        "amount_1": "50000", "condition_1": "after_review", "review_code_1": "midterm"})
    assert response.status_code == 303
    grant = await Grant.get(organization_id=admitted.id)
    await boss.post(f"/grants/{grant.id}/propose")
    page = await boss.get(f"/grants/{grant.id}")
    assert "/approve" not in page.text  # ¥80,000 is above the manager's limit
    district = new_browser()
    await district.login("official")
    assert (await district.post(f"/grants/{grant.id}/approve")).status_code == 303
    first = await Tranche.get(grant_id=grant.id, sequence=1)
    assert first.status == TrancheStatus.READY
    paid = await boss.post(f"/tranches/{first.id}/pay", {"paid_on": "2026-05-01", "voucher": "记-2026-051"})
    assert paid.status_code == 303
    fund = await Fund.get(id=fund.id)
    assert (fund.committed_fen, fund.disbursed_fen) == (80_000_00, 30_000_00)
    assert (await Grant.get(id=grant.id)).status == GrantStatus.ACTIVE


async def test_grant_form_errors_keep_the_tranches(browser, manager, admitted, fund):
    await browser.login("manager")
    response = await browser.post(f"/organizations/{admitted.id}/grants", {
        "fund_id": str(fund.id), "purpose": "项目", "amount": "30000", "amount_0": "10000",
        "condition_0": "on_signing", "amount_1": "5000", "condition_1": "on_date", "release_on_1": ""})
    assert response.status_code == 400
    assert 'value="10000"' in response.text and 'value="5000"' in response.text
    assert not await Grant.exists()


async def test_organization_sees_its_own_grant_only(browser, member, organization, manager_principal, fund,
                                                    settings, other_park):
    from incubator.organizations.models import Organization

    await Organization.filter(id=organization.id).update(stage="incubating")
    organization = await Organization.get(id=organization.id)
    from tests.funding.conftest import approved_grant

    grant = await approved_grant(manager_principal, organization, fund, settings,
                                 tranches=(("30000", "on_signing", {}),))
    await browser.login("member")
    page = await browser.get(f"/grants/{grant.id}")
    assert page.status_code == 200 and "社区志愿服务项目" in page.text
    assert "/tranches/" not in page.text  # members do not pay
    assert (await browser.get(f"/funds/{fund.id}")).status_code in (403, 404)


async def test_exports_are_real_excel_files(browser, official, admitted, manager_principal, fund, settings):
    from tests.funding.conftest import approved_grant

    await approved_grant(manager_principal, admitted, fund, settings)
    await browser.login("official")
    funds = await browser.get("/funds?format=xlsx")
    assert funds.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(funds.content)).active
    assert sheet.cell(2, 1).value == fund.name and sheet.cell(2, 6).value == 30000
    ledger = load_workbook(io.BytesIO((await browser.get(f"/funds/{fund.id}?format=xlsx")).content)).active
    assert ledger.max_row == 2 and ledger.cell(2, 5).value == 30000
    page = await browser.get(f"/funds/{fund.id}")
    assert "¥70,000.00" in page.text  # available after the commitment: the running balance


async def test_a_ready_tranche_is_flagged_for_the_manager(manager, admitted, manager_principal, fund, settings):
    from incubator.flags import service as flags
    from incubator.flags.models import Flag
    from tests.funding.conftest import approved_grant

    grant = await approved_grant(manager_principal, admitted, fund, settings)
    await flags.refresh_all()
    [flag] = await Flag.filter(kind="tranche_ready", resolved_at__isnull=True)
    assert flag.details["amount"] == "¥10,000.00"
    tranche = await Tranche.get(grant_id=grant.id, sequence=1)
    from incubator.funding import service

    await service.disburse(manager_principal, tranche, forms.disburse({"paid_on": "2026-05-01", "voucher": "记-1"}))
    await flags.refresh_all()
    assert not await Flag.filter(kind="tranche_ready", resolved_at__isnull=True).exists()


async def test_grant_list_exports(browser, official, admitted, manager_principal, fund, settings):
    from tests.funding.conftest import approved_grant

    await approved_grant(manager_principal, admitted, fund, settings)
    await browser.login("official")
    page = await browser.get("/grants")
    assert "社区志愿服务项目" in page.text
    sheet = load_workbook(io.BytesIO((await browser.get("/grants?format=xlsx")).content)).active
    assert sheet.cell(2, 3).value == "社区志愿服务项目" and sheet.cell(2, 5).value == 30000


async def test_payment_and_repayment_errors_keep_what_was_typed(browser, manager, admitted, manager_principal,
                                                                fund, settings):
    from tests.funding.conftest import approved_grant

    grant = await approved_grant(manager_principal, admitted, fund, settings)
    first = await Tranche.get(grant_id=grant.id, sequence=1)
    await browser.login("manager")
    bad_pay = await browser.post(f"/tranches/{first.id}/pay", {"paid_on": "2999-01-01", "voucher": "记-777"})
    assert bad_pay.status_code == 400 and 'value="记-777"' in bad_pay.text and 'class="error"' in bad_pay.text
    assert (await Tranche.get(id=first.id)).status == TrancheStatus.READY
    await browser.post(f"/tranches/{first.id}/pay", {"paid_on": "2026-05-01", "voucher": "记-778"})
    bad_repay = await browser.post(f"/grants/{grant.id}/repay", {"amount": "99999", "on_date": "2026-06-01",
                                                                 "reason": "结余退回"})
    assert bad_repay.status_code == 400 and 'value="结余退回"' in bad_repay.text and 'id="e-amount"' in bad_repay.text


async def test_a_manager_reads_only_their_parks_entries_of_a_district_fund(
        new_browser, manager, admitted, manager_principal, fund, settings, other_park, make_user):
    from incubator.access import Principal
    from incubator.funding import service
    from incubator.funding.models import Tranche
    from incubator.organizations.models import Organization
    from incubator.roles import Role
    from tests.funding.conftest import approved_grant, second_manager

    await approved_grant(manager_principal, admitted, fund, settings, amount="30000",
                                tranches=(("30000", "on_signing", {}),))
    other_manager = await make_user("manager.rong", Role.MANAGER, parks=[other_park])
    theirs_org = await Organization.create(park=other_park, name_zh="荣巷阳光助残服务社", stage="incubating")
    theirs = await service.draft_grant(Principal(other_manager, frozenset({other_park.id})), theirs_org,
                                       forms.draft_grant({"fund_id": str(fund.id), "purpose": "无障碍出行陪护",
                                                          "amount": "20000", "amount_0": "20000",
                                                          "condition_0": "on_signing"}))
    other_principal = Principal(other_manager, frozenset({other_park.id}))
    await service.propose(other_principal, theirs, settings.grant_approval_threshold_fen)
    await service.approve(await second_manager(other_park.id), theirs)  # four eyes
    tranche = await Tranche.get(grant_id=theirs.id)
    await service.disburse(other_principal, tranche,
                           forms.disburse({"paid_on": "2026-03-02", "voucher": "RX-2026-0042"}))

    boss = new_browser()
    await boss.login("manager")
    page = await boss.get(f"/funds/{fund.id}")
    assert page.status_code == 200
    assert admitted.name_zh in page.text
    for secret in ("荣巷阳光助残服务社", "无障碍出行陪护", "RX-2026-0042", f"/grants/{theirs.id}"):
        assert secret not in page.text
    assert "¥20,000.00" in page.text  # the other park's commitment and payment, as totals only
    workbook = load_workbook(io.BytesIO((await boss.get(f"/funds/{fund.id}?format=xlsx")).content)).active
    cells = [str(c.value) for row in workbook.iter_rows() for c in row if c.value is not None]
    assert admitted.name_zh in cells and not any("荣巷" in c or "RX-2026" in c or "无障碍" in c for c in cells)

    official_view = new_browser()
    await make_user("official", Role.OFFICIAL)
    await official_view.login("official")
    assert "RX-2026-0042" in (await official_view.get(f"/funds/{fund.id}")).text  # officials read it whole


async def test_members_never_see_payment_vouchers(new_browser, member, organization, manager_principal, fund,
                                                  settings):
    from incubator.funding import service
    from incubator.funding.models import Tranche
    from incubator.organizations.models import Organization
    from tests.funding.conftest import approved_grant

    await Organization.filter(id=organization.id).update(stage="incubating")
    grant = await approved_grant(manager_principal, await Organization.get(id=organization.id), fund, settings,
                                 amount="10000", tranches=(("10000", "on_signing", {}),))
    await service.disburse(manager_principal, await Tranche.get(grant_id=grant.id),
                           forms.disburse({"paid_on": "2026-03-02", "voucher": "LS-2026-0007"}))
    org = new_browser()
    await org.login("member")
    page = await org.get(f"/grants/{grant.id}")
    assert page.status_code == 200 and "LS-2026-0007" not in page.text
    manager_view = new_browser()
    await manager_view.login("manager")
    assert "LS-2026-0007" in (await manager_view.get(f"/grants/{grant.id}")).text


async def test_the_grants_list_pages_fifty_at_a_time_and_narrows_to_one_fund(browser, admin, fund, organization):
    other = await Fund.create(name="另一项资金", source="other", fiscal_year=2026, budget_fen=100,
                              valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31))
    await Grant.bulk_create([Grant(fund=fund, organization=organization, purpose=f"甲乙{n:02d}", amount_fen=1)
                             for n in range(51)] + [Grant(fund=other, organization=organization, purpose="丙丁",
                                                          amount_fen=1)])
    await browser.login("admin")
    first, second = await browser.get("/grants"), await browser.get("/grants?page=2")
    assert (first.text.count("甲乙"), second.text.count("甲乙"), first.text.count("丙丁")) == (49, 2, 1)
    of_fund = await browser.get(f"/grants?fund={fund.id}&page=2")
    assert of_fund.text.count("甲乙") == 1 and "丙丁" not in of_fund.text
    fund_page = await browser.get(f"/funds/{fund.id}")
    assert f"/grants?fund={fund.id}" in fund_page.text  # the fund page shows the newest, and links to them all


async def test_approving_more_than_the_fund_has_left_is_refused_on_the_grant_page(browser, official, admitted,
                                                                                    manager_principal, fund, settings):
    """The service's friendly check, before the database's: without it the check constraint
    (committed ≤ budget) fails inside the request, a 500, and the manager learns nothing."""
    from incubator import i18n
    from incubator.audit.models import AuditEntry
    from incubator.funding import service
    from incubator.funding.models import LedgerEntry
    from tests.funding.conftest import grant_form

    grant = await service.draft_grant(manager_principal, admitted, forms.draft_grant(grant_form(
        fund, amount="20000", tranches=(("20000", "on_signing", {}),))))
    await service.propose(manager_principal, grant, settings.grant_approval_threshold_fen)
    await Fund.filter(id=fund.id).update(committed_fen=90_000_00)  # ¥10,000 left of ¥100,000
    await browser.login("official")  # not the manager who proposed it
    audit_rows, entries = await AuditEntry.all().count(), await LedgerEntry.all().count()
    response = await browser.post(f"/grants/{grant.id}/approve")
    assert response.status_code == 303 and response.headers["location"].endswith(f"/grants/{grant.id}")
    page = await browser.get(response.headers["location"])
    token = i18n.set_locale("zh_CN")
    try:
        refusal = i18n.gettext("The fund does not have %(amount)s left to commit.",
                               amount=i18n.format_money(20_000_00))
    finally:
        i18n.reset_locale(token)
    assert page.status_code == 200 and refusal in page.text
    assert (await Fund.get(id=fund.id)).committed_fen == 90_000_00
    assert (await Grant.get(id=grant.id)).status == GrantStatus.PROPOSED
    assert (await Tranche.get(grant_id=grant.id)).status != TrancheStatus.READY
    assert (await AuditEntry.all().count(), await LedgerEntry.all().count()) == (audit_rows, entries)
