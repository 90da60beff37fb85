"""Each role's home page shows what that role has to do next."""

from datetime import date

import pytest

from incubator.access import Principal
from incubator.funding import forms as funding_forms
from incubator.funding import service as funding
from incubator.funding.models import Fund
from incubator.reviews import forms as review_forms
from incubator.reviews import scoring
from incubator.reviews.models import Review, ReviewAssignment
from incubator.roles import Role
from tests.funding.conftest import grant_form


@pytest.fixture
async def fund(clean) -> Fund:
    return await Fund.create(name="滨湖区专项资金", source="district_special", fiscal_year=2026,
                             budget_fen=200_000_00, valid_from=date(2026, 1, 1), valid_to=date(2030, 12, 31))


async def test_an_evaluator_sees_the_reviews_waiting_for_their_scores(browser, admitted, manager_principal,
                                                                     evaluator):
    review = await Review.get(organization_id=admitted.id, code="midterm")
    assignment = await scoring.assign(manager_principal, review, review_forms.assign({
        "evaluator_id": str(evaluator.id), "panel": "expert"}))
    await browser.login("evaluator")
    home = await browser.get("/")
    assert f"/reviews/{review.id}" in home.text and "申报利益冲突" in home.text
    me = Principal(evaluator)
    await scoring.declare_conflict(me, assignment, review_forms.declare_conflict({"conflict": "no"}))
    await scoring.submit_scores(me, await ReviewAssignment.get(id=assignment.id),
                                review_forms.submit_scores({f"score_{i}": "8" for i in range(5)}, 5))
    home = await browser.get("/")
    assert f"/reviews/{review.id}" not in home.text and "没有等待您评分的评估" in home.text
    assert "您已提交的评分：1 份" in home.text


async def test_an_official_sees_the_approvals_waiting_and_the_districts_figures(browser, official, admitted,
                                                                               manager_principal, fund):
    large = await funding.draft_grant(manager_principal, admitted, funding_forms.draft_grant(grant_form(
        fund, amount="80000", tranches=(("80000", "on_signing", {}),))))
    small = await funding.draft_grant(manager_principal, admitted,
                                      funding_forms.draft_grant(grant_form(fund, amount="30000")))
    for grant in (large, small):
        await funding.propose(manager_principal, grant, threshold_fen=50_000_00)
    await browser.login("official")
    home = await browser.get("/")
    approvals = home.text.split('id="approvals"')[1].split("</section>")[0]
    assert f"/grants/{large.id}" in approvals and f"/grants/{small.id}" not in approvals  # the manager's to approve
    headline = home.text.split('id="headline"')[1].split("</section>")[0]
    assert '<span class="figure">1</span> 在孵组织' in headline
    assert "¥200,000.00" in headline  # the budget of the funds in force


async def test_a_member_sees_their_next_review_their_flags_and_funding(browser, make_user, admitted,
                                                                      manager_principal, fund):
    from incubator.flags import service as flags

    await make_user("member.zhou", Role.MEMBER, organization=admitted)
    grant = await funding.draft_grant(manager_principal, admitted, funding_forms.draft_grant(grant_form(fund)))
    await funding.propose(manager_principal, grant, threshold_fen=50_000_00)
    from tests.funding.conftest import second_manager

    await funding.approve(await second_manager(admitted.park_id), grant)  # four eyes
    await flags.refresh_all(date(2026, 3, 25))  # the onboarding check is due on 1 April
    await browser.login("member.zhou")
    home = await browser.get("/")
    onboarding = await Review.get(organization_id=admitted.id, code="onboarding")
    mine = home.text.split('id="my-organization"')[1].split("</section>")[0]
    assert f"/reviews/{onboarding.id}" in mine and "入驻一个月检查" in mine
    assert "入驻一个月检查" in home.text.split('id="flags"')[1].split("</section>")[0]
    funding_part = home.text.split('id="funding"')[1].split("</section>")[0]
    assert "社区志愿服务项目" in funding_part and "¥10,000.00" in funding_part  # the next tranche


async def test_a_manager_sees_new_applications_and_grants_to_approve(browser, manager, admitted, manager_principal,
                                                                    fund, make_user, park):
    from incubator.organizations import admission, forms
    from tests.organizations.conftest import APPLICATION

    applicant = (await admission.submit_application(park, forms.apply({**APPLICATION, "name_zh": "湖滨长者互助会"}),
                                                    address="10.2.2.2")).organization
    colleague = await make_user("manager.two", Role.MANAGER, parks=[park])
    grant = await funding.draft_grant(Principal(colleague, frozenset({park.id})), admitted,
                                      funding_forms.draft_grant(grant_form(fund)))
    await funding.propose(Principal(colleague, frozenset({park.id})), grant, threshold_fen=50_000_00)
    await browser.login("manager")
    home = await browser.get("/")
    applications = home.text.split('id="applications"')[1].split("</section>")[0]
    assert f"/organizations/{applicant.id}" in applications
    assert f"/grants/{grant.id}" in home.text.split('id="approvals"')[1].split("</section>")[0]


@pytest.mark.parametrize("role", [Role.MEMBER, Role.EVALUATOR, Role.OFFICIAL, Role.MANAGER])
async def test_home_queries_do_not_grow_with_the_data(browser, make_user, park, count_queries, role, admin):
    from incubator.organizations.models import Organization

    async def grow(n: int) -> None:
        start = await Organization.all().count()
        for i in range(start, start + n):
            organization = await Organization.create(park=park, name_zh=f"组织{i}", stage="incubating")
            review = await Review.create(organization=organization, code="midterm", name_zh="中期评估",
                                         anchor="term", amount=50, due_on=date(2026, 1, 5))
            if role == Role.EVALUATOR:
                await ReviewAssignment.create(review=review, evaluator=user, panel="expert")

    first = await Organization.create(park=park, name_zh="本组织", stage="incubating")
    user = await make_user("someone", role, organization=first if role == Role.MEMBER else None,
                           parks=[park] if role == Role.MANAGER else [])
    await grow(2)
    await browser.login("someone")
    count_queries.count = 0
    assert (await browser.get("/")).status_code == 200
    small = count_queries.count
    await grow(8)
    count_queries.count = 0
    assert (await browser.get("/")).status_code == 200
    assert count_queries.count == small
