"""Review plans become reviews with working-day due dates when an organization is admitted."""

from datetime import date

from incubator.calendar.models import WorkdayOverride
from incubator.organizations import service as organizations
from incubator.organizations.commands import ChangeStage
from incubator.organizations.models import Organization, Stage
from incubator.reviews import service
from incubator.reviews.models import Anchor, Milestone, Review, ReviewStatus
from incubator.workdays import is_working_day


async def test_a_park_gets_the_default_plan_once(park):
    plan = await service.plan_for(park)
    assert [m.code for m in plan] == ["onboarding", "registration", "midterm", "graduation"]
    assert [(m.anchor, m.amount) for m in plan] == [(Anchor.ADMISSION, 1), (Anchor.ADMISSION, 3),
                                                   (Anchor.TERM, 50), (Anchor.TERM, 100)]
    assert sum(d["weight"] for d in plan[0].dimensions) == 100
    assert await service.plan_for(park) == plan and await Milestone.filter(park_id=park.id).count() == 4


def test_due_dates_fall_on_working_days():
    start, end = date(2026, 3, 1), date(2027, 3, 1)
    # 1 October 2026 is National Day: a review that would fall in the Golden Week moves after it.
    assert service.due_date(Anchor.ADMISSION, 7, start.replace(day=1, month=3), end, {}) == date(2026, 10, 8)
    assert service.due_date(Anchor.TERM, 100, start, end, {}) == date(2027, 3, 1)
    assert service.due_date(Anchor.TERM, 50, start, end, {}) == date(2026, 8, 31)
    # A make-up working Saturday (10 October 2026) is a working day: the date stays.
    assert service.due_date(Anchor.TERM, 0, date(2026, 10, 10), end, {}) == date(2026, 10, 10)
    # An administrator's correction wins over the library.
    assert service.due_date(Anchor.TERM, 100, start, end, {date(2027, 3, 1): False}) == date(2027, 3, 2)


async def test_admission_schedules_the_reviews(admitted):
    reviews = await Review.filter(organization_id=admitted.id).order_by("due_on")
    assert [r.code for r in reviews] == ["onboarding", "registration", "midterm", "graduation"]
    assert [r.due_on for r in reviews] == [date(2026, 4, 1), date(2026, 6, 1), date(2026, 8, 31), date(2027, 3, 1)]
    assert all(is_working_day(r.due_on) for r in reviews)
    assert all(r.status == ReviewStatus.SCHEDULED for r in reviews)


async def test_calendar_overrides_shift_new_due_dates(applicant, park, manager_principal, desk):
    from incubator.organizations import admission
    from tests.organizations.conftest import admission_command

    await WorkdayOverride.create(day=date(2026, 4, 1), is_working=False, note="测试")
    criteria = await admission.criteria_for(park)
    await admission.decide_admission(manager_principal, applicant, admission_command(criteria))
    onboarding = await Review.get(organization_id=applicant.id, code="onboarding")
    assert onboarding.due_on == date(2026, 4, 2)


async def test_extension_moves_only_the_term_reviews_not_yet_done(incubating, manager_principal):
    await Review.filter(organization_id=incubating.id, code="midterm").update(status=ReviewStatus.DECIDED)
    await organizations.change_stage(manager_principal, incubating, ChangeStage(
        target=Stage.EXTENDED, new_end_on=date(2027, 9, 1), reason="登记仍在办理"))
    reviews = {r.code: r for r in await Review.filter(organization_id=incubating.id)}
    assert reviews["graduation"].due_on == date(2027, 9, 1)
    assert reviews["midterm"].due_on == date(2026, 8, 31)  # decided: left alone
    assert reviews["onboarding"].due_on == date(2026, 4, 1)  # hangs on admission, not on the term


async def test_exit_cancels_the_open_reviews(incubating, manager_principal):
    await organizations.change_stage(manager_principal, incubating, ChangeStage(target=Stage.EXITED, reason="停止活动"))
    statuses = set(await Review.filter(organization_id=incubating.id).values_list("status", flat=True))
    assert statuses == {ReviewStatus.CANCELLED}
    assert (await Organization.get(id=incubating.id)).stage == "exited"


async def test_manager_edits_the_review_plan(browser, manager, park):
    await browser.login("manager")
    page = await browser.get(f"/parks/{park.id}/review-plan")
    assert "基础条件 | Basic conditions | 15 | 10" in page.text
    bad = await browser.post(f"/parks/{park.id}/review-plan", {
        "code_0": "onboarding", "name_zh_0": "入驻检查", "anchor_0": "admission", "amount_0": "1",
        "threshold_0": "60", "dimensions_0": "只有名字"})
    assert bad.status_code == 400 and "只有名字" in bad.text
    good = await browser.post(f"/parks/{park.id}/review-plan", {
        "code_0": "onboarding", "name_zh_0": "入驻检查", "anchor_0": "admission", "amount_0": "2",
        "threshold_0": "50", "dimensions_0": "服务成效 | Outcomes | 100 | 10",
        "name_zh_1": "季度走访", "anchor_1": "term", "amount_1": "25", "threshold_1": "60",
        "dimensions_1": "走访记录 | Visit records | 60 | 10\n居民满意度 | Satisfaction | 40 | 5"})
    assert good.status_code == 303
    plan = await service.plan_for(park)
    assert (plan[0].code, plan[0].amount) == ("onboarding", 2)
    assert plan[1].code.startswith("custom_") and plan[1].dimensions[1]["max"] == 5
    assert len(plan) == 2
    from tests.helpers import assert_audited

    await assert_audited(park, "update", fields=("review_plan",), actor=manager)


async def test_reviews_follow_the_organization_through_events_and_the_job_repairs_a_lost_one(
        applicant, park, manager_principal, desk, monkeypatch):
    """Admission tells the reviews capability after commit; if the process stopped in between,
    the scheduled job schedules them."""
    from incubator import events
    from incubator.organizations import admission
    from incubator.organizations.models import Organization
    from tests.organizations.conftest import admission_command

    async def lost(event):
        return None

    monkeypatch.setattr(events, "deliver", lost)
    criteria = await admission.criteria_for(park)
    await admission.decide_admission(manager_principal, applicant, admission_command(criteria))
    assert not await Review.filter(organization_id=applicant.id).exists()
    assert await service.schedule_missing() == {"scheduled": 1}
    assert await Review.filter(organization_id=applicant.id).count() == 4
    assert await service.schedule_missing() == {"scheduled": 0}
    monkeypatch.undo()
    from incubator.organizations import service as organizations

    await organizations.change_stage(manager_principal, await Organization.get(id=applicant.id),
                                     ChangeStage(target=Stage.INCUBATING))
    await organizations.change_stage(manager_principal, await Organization.get(id=applicant.id),
                                     ChangeStage(target=Stage.EXITED, reason="停止活动"))
    assert not await Review.filter(organization_id=applicant.id, status__in=["scheduled", "in_progress"]).exists()
