"""Fixtures for the incubation path: an applicant, an admitted and an incubating organization."""

from datetime import date

import pytest_asyncio

from incubator.access import Principal
from incubator.organizations import admission, forms
from incubator.organizations.commands import ChangeStage, DecideAdmission
from incubator.organizations.models import Organization, Stage
from incubator.parks.models import Space, SpaceKind

APPLICATION = {
    "name_zh": "湖滨青少年成长服务社", "kind": "unregistered", "contact_person": "周敏", "mobile": "13812345678",
    "email": "zhou@example.org", "plan": "为社区青少年提供课后辅导与心理支持。", "staff_count": "3",
    "volunteer_count": "25",
}


@pytest_asyncio.fixture
async def desk(park) -> Space:
    return await Space.create(park=park, kind=SpaceKind.DESK, name="工位 01", capacity=2)


@pytest_asyncio.fixture
async def applicant(park) -> Organization:
    submitted = await admission.submit_application(
        park, forms.apply(APPLICATION, supports=["office_space", "registration"]), address="10.1.1.1")
    return submitted.organization


@pytest_asyncio.fixture
async def manager_principal(manager, park) -> Principal:
    return Principal(manager, frozenset({park.id}))


def admission_form(criteria, decision="admit", **extra) -> dict:
    form = {f"score_{c.id}": "8" for c in criteria}
    form |= {"decision": decision, "reason": "需求明确，团队稳定。", "start_on": "2026-03-01", "term_months": "12"}
    return form | extra


def admission_command(criteria, decision="admit", supports=(), **extra) -> DecideAdmission:
    """The admission form's command: every criterion scored 8, admitted from 2026-03-01 for 12 months."""
    return forms.decide_admission(admission_form(criteria, decision, **extra), [c.id for c in criteria], supports)


@pytest_asyncio.fixture
async def admitted(applicant, park, manager_principal, desk) -> Organization:
    criteria = await admission.criteria_for(park)
    await admission.decide_admission(manager_principal, applicant,
                                     admission_command(criteria, space_id=str(desk.id), supports=["office_space"]))
    return await Organization.get(id=applicant.id)


@pytest_asyncio.fixture
async def incubating(admitted, manager_principal) -> Organization:
    from incubator.organizations import service

    await service.change_stage(manager_principal, admitted, ChangeStage(target=Stage.INCUBATING))
    organization = await Organization.get(id=admitted.id)
    assert organization.admitted_on == date(2026, 3, 1)
    return organization


async def pass_review(review, manager_principal, evaluator, score: str = "8", decision: str = "pass") -> None:
    """Takes a review through one evaluator's conflict declaration and scores to a decision."""
    from incubator.access import Principal
    from incubator.reviews import forms as review_forms
    from incubator.reviews import scoring
    from incubator.reviews.models import ReviewAssignment

    assignment = await scoring.assign(manager_principal, review, review_forms.assign({
        "evaluator_id": str(evaluator.id), "panel": "expert"}))
    me = Principal(evaluator)
    await scoring.declare_conflict(me, assignment, review_forms.declare_conflict({"conflict": "no"}))
    assignment = await ReviewAssignment.get(id=assignment.id)
    dimensions = len(review.dimensions)
    await scoring.submit_scores(me, assignment, review_forms.submit_scores(
        {f"score_{i}": score for i in range(dimensions)}, dimensions))
    await scoring.decide(manager_principal, review, review_forms.decide({"decision": decision, "reason": "评审通过"}))
