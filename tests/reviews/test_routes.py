"""Review pages: blind scoring as evaluators see it, the manager's panel and decision, the inbox."""

import re

import pytest

from incubator.notifications.models import Notification
from incubator.reviews import forms
from incubator.reviews.models import Review, ReviewAssignment
from incubator.roles import Role


@pytest.fixture
async def midterm(admitted) -> Review:
    return await Review.get(organization_id=admitted.id, code="midterm")


async def test_blind_scoring_through_the_pages(new_browser, manager, midterm, make_user):
    first = await make_user("expert.wang", Role.EVALUATOR)
    second = await make_user("expert.li", Role.EVALUATOR)
    boss = new_browser()
    await boss.login("manager")
    for person in (first, second):
        response = await boss.post(f"/reviews/{midterm.id}/assign", {"evaluator_id": str(person.id), "panel": "expert"})
        assert response.status_code == 303

    async def evaluate(username: str, value: str, comment: str):
        b = new_browser()
        await b.login(username)
        listing = await b.get("/reviews")
        assert "中期评估" in listing.text
        assignment = await ReviewAssignment.get(review_id=midterm.id, evaluator__username=username)
        assert (await b.post(f"/assignments/{assignment.id}/conflict", {"conflict": "no"})).status_code == 303
        page = await b.get(f"/reviews/{midterm.id}")
        fields = re.findall(r'name="(score_\d+)"', page.text)
        assert len(fields) == 5
        response = await b.post(f"/assignments/{assignment.id}/score",
                                {**{name: value for name in fields}, "comment": comment})
        assert response.status_code == 303
        return b

    first_browser = await evaluate("expert.wang", "8", "项目台账清晰")
    before = await first_browser.get(f"/reviews/{midterm.id}")
    assert "项目台账清晰" in before.text  # their own, after submitting

    second_browser = new_browser()
    await second_browser.login("expert.li")
    blind = await second_browser.get(f"/reviews/{midterm.id}")
    assert "项目台账清晰" not in blind.text  # not before submitting their own
    await evaluate("expert.li", "6", "志愿者管理待加强")
    after = await second_browser.get(f"/reviews/{midterm.id}")
    assert "项目台账清晰" in after.text and "志愿者管理待加强" in after.text

    decided = await boss.post(f"/reviews/{midterm.id}/decide", {"decision": "pass", "reason": "整体达标"})
    assert decided.status_code == 303
    assert (await Review.get(id=midterm.id)).decision == "pass"


async def test_score_errors_keep_the_input(browser, manager_principal, midterm, evaluator):
    from incubator.reviews import scoring

    assignment = await scoring.assign(manager_principal, midterm, forms.assign({
        "evaluator_id": str(evaluator.id), "panel": "resident"}))
    await browser.login("evaluator")
    await browser.post(f"/assignments/{assignment.id}/conflict", {"conflict": "no"})
    response = await browser.post(f"/assignments/{assignment.id}/score", {"score_0": "7", "score_1": "99",
                                                                          "comment": "部分材料缺失"})
    assert response.status_code == 400
    assert 'value="7"' in response.text and "部分材料缺失" in response.text
    assert (await ReviewAssignment.get(id=assignment.id)).submitted_at is None


async def test_the_inbox_counts_and_marks_messages(browser, manager_principal, midterm, evaluator, make_user):
    from incubator.reviews import scoring

    await scoring.assign(manager_principal, midterm, forms.assign({"evaluator_id": str(evaluator.id),
                                                                   "panel": "expert"}))
    someone = await make_user("someone.else", Role.EVALUATOR)
    await scoring.assign(manager_principal, midterm, forms.assign({"evaluator_id": str(someone.id), "panel": "media"}))
    await browser.login("evaluator")
    badge = await browser.get("/inbox/unread", headers={"HX-Request": "true"})
    assert re.search(r">\s*1\s*<", badge.text), badge.text
    inbox = await browser.get("/inbox")
    assert "中期评估" in inbox.text
    mine = await Notification.get(user_id=evaluator.id)
    theirs = await Notification.get(user_id=someone.id)
    response = await browser.post("/inbox/read", {"id": str(theirs.id), "next": "/inbox"})
    assert response.status_code == 303
    assert (await Notification.get(id=theirs.id)).read_at is None  # someone else's: untouched
    await browser.post("/inbox/read", {"id": str(mine.id), "next": f"/reviews/{midterm.id}"})
    assert (await Notification.get(id=mine.id)).read_at is not None


async def test_new_flags_reach_the_park_managers(manager, admitted):
    from datetime import date

    from incubator.flags import service as flags

    await flags.refresh_all(date(2026, 4, 2))
    messages = await Notification.filter(user_id=manager.id, kind="flag")
    assert messages and all(m.link == f"/organizations/{admitted.id}" for m in messages)
    await flags.refresh_all(date(2026, 4, 2))
    assert await Notification.filter(user_id=manager.id, kind="flag").count() == len(messages)  # not again


async def test_the_organization_adds_evidence_and_the_evaluator_cannot(new_browser, member, midterm, evaluator,
                                                                       manager_principal, organization):
    from incubator.organizations.models import Document, Organization
    from incubator.reviews import scoring

    # The member's organization is the one under review.
    await Review.filter(id=midterm.id).update(organization_id=organization.id)
    await Organization.filter(id=organization.id).update(stage="incubating")
    await scoring.assign(manager_principal, await Review.get(id=midterm.id),
                         forms.assign({"evaluator_id": str(evaluator.id), "panel": "expert"}))
    pdf = b"%PDF-1.4\n%%EOF\n"
    org = new_browser()
    await org.login("member")
    response = await org.client.post(f"/reviews/{midterm.id}/evidence",
                                     data={"csrf_token": org.csrf_token, "title": "自评报告"},
                                     files={"file": ("自评.pdf", pdf, "application/pdf")})
    assert response.status_code == 303
    assert (await Document.get(title="自评报告")).review_id == midterm.id
    judge = new_browser()
    await judge.login("evaluator")
    refused = await judge.client.post(f"/reviews/{midterm.id}/evidence",
                                      data={"csrf_token": judge.csrf_token, "title": "x"},
                                      files={"file": ("x.pdf", pdf, "application/pdf")})
    assert refused.status_code == 403
    assert await Document.filter(review_id=midterm.id).count() == 1
    wrong = await org.client.post(f"/reviews/{midterm.id}/evidence",
                                  data={"csrf_token": org.csrf_token, "title": "年度报告"},
                                  files={"file": ("报告.exe", b"MZ..", "application/octet-stream")})
    assert wrong.status_code == 400  # the review page again: the refusal on its form, the title kept
    assert 'value="年度报告"' in wrong.text and 'class="error" role="alert"' in wrong.text
    assert await Document.filter(review_id=midterm.id).count() == 1


async def test_the_assigned_evaluator_reads_the_evidence_and_nothing_else(new_browser, member, midterm, evaluator,
                                                                         manager_principal, organization, make_user,
                                                                         settings):
    from incubator.access import Principal
    from incubator.organizations import service as organizations
    from incubator.organizations.models import Organization
    from incubator.reviews import scoring
    from tests.helpers import upload

    await Review.filter(id=midterm.id).update(organization_id=organization.id)
    review = await Review.get(id=midterm.id)
    await scoring.assign(manager_principal, review, forms.assign({"evaluator_id": str(evaluator.id),
                                                                  "panel": "expert"}))
    stranger = await make_user("expert.zhao", Role.EVALUATOR)
    org = await Organization.get(id=organization.id)
    evidence = await scoring.add_evidence(Principal(member, organization_id=organization.id), review, "自评报告",
                                          upload("自评.pdf", b"%PDF-1.4\n%%EOF\n"), settings)
    private = await organizations.add_document(Principal(member, organization_id=organization.id), org, "财务报表",
                                               upload("账.pdf", b"%PDF-1.4\n%%EOF\n"), settings)
    judge = new_browser()
    await judge.login("evaluator")
    page = await judge.get(f"/reviews/{review.id}")
    assert f"/documents/{evidence.id}" in page.text
    assert (await judge.get(f"/documents/{evidence.id}")).status_code == 200
    assert (await judge.get(f"/documents/{private.id}")).status_code == 404  # not evidence of their review
    other = new_browser()
    await other.login(stranger.username)
    assert (await other.get(f"/documents/{evidence.id}")).status_code == 404  # not their review


async def test_the_decision_form_names_who_has_not_scored_and_keeps_the_input(browser, manager, midterm,
                                                                              manager_principal, make_user):
    from incubator.reviews import scoring

    late = await make_user("expert.late", Role.EVALUATOR)
    await scoring.assign(manager_principal, midterm, forms.assign({"evaluator_id": str(late.id), "panel": "expert"}))
    await browser.login("manager")
    page = await browser.get(f"/reviews/{midterm.id}")
    assert "Expert.Late" in page.text and 'name="confirm_unscored"' in page.text
    refused = await browser.post(f"/reviews/{midterm.id}/decide", {"decision": "pass", "reason": "材料齐全"})
    assert refused.status_code == 400 and "材料齐全" in refused.text


async def test_a_manager_lifts_a_conflict_from_the_review_page(new_browser, manager, midterm, manager_principal,
                                                              evaluator):
    from incubator.access import Principal
    from incubator.reviews import scoring

    assignment = await scoring.assign(manager_principal, midterm, forms.assign({
        "evaluator_id": str(evaluator.id), "panel": "expert"}))
    await scoring.declare_conflict(Principal(evaluator), assignment,
                                   forms.declare_conflict({"conflict": "yes", "conflict_note": "亲属"}))
    judge = new_browser()
    await judge.login("evaluator")
    page = await judge.get(f"/reviews/{midterm.id}")
    assert f"/assignments/{assignment.id}/conflict" not in page.text  # no form to withdraw it
    assert (await judge.post(f"/assignments/{assignment.id}/conflict", {"conflict": "no"})).status_code == 400
    assert (await judge.post(f"/assignments/{assignment.id}/lift-conflict",
                             {"lift_reason": "x"})).status_code in (403, 404)
    boss = new_browser()
    await boss.login("manager")
    empty = await boss.post(f"/assignments/{assignment.id}/lift-conflict", {"lift_reason": ""})
    assert empty.status_code == 400
    done = await boss.post(f"/assignments/{assignment.id}/lift-conflict", {"lift_reason": "核实无冲突"})
    assert done.status_code == 303
    assert (await ReviewAssignment.get(id=assignment.id)).conflict is None
