"""The review forms turn typed text into commands, reporting every wrongly typed input at once;
the services then apply the rules that need the review, keyed by the command's fields."""

from datetime import date

import msgspec
import pytest

from incubator.access import Principal
from incubator.errors import ValidationFailed
from incubator.i18n import gettext as _
from incubator.reviews import forms, scoring, service
from incubator.reviews.commands import (
    AssignEvaluator,
    Decide,
    DeclareConflict,
    Dimension,
    DimensionScore,
    IndicatorTerms,
    LiftConflict,
    MilestoneTerms,
    SavePlan,
    SetIndicators,
    SubmitScores,
)
from incubator.reviews.models import Anchor, Decision, Panel, Review, ReviewAssignment, ReviewStatus
from incubator.web import form_errors


def test_the_plan_form_reads_rows_and_scorecards():
    command = forms.save_plan({
        "code_0": "onboarding", "name_zh_0": "入驻检查", "name_en_0": "Onboarding", "anchor_0": "admission",
        "amount_0": "2", "threshold_0": "50", "dimensions_0": "服务成效 | Outcomes | 100 | 10",
        "name_zh_1": "", "anchor_1": "term",  # no name: no milestone
        "name_zh_2": "季度走访", "anchor_2": "term", "amount_2": "25", "threshold_2": "60",
        "dimensions_2": "走访记录 | Visit records | 60 | 10\n\n居民满意度｜Satisfaction｜40｜5"})
    assert command == SavePlan(milestones=(
        MilestoneTerms(code="onboarding", name_zh="入驻检查", name_en="Onboarding", anchor=Anchor.ADMISSION,
                       amount=2, pass_threshold=50,
                       dimensions=(Dimension(name_zh="服务成效", name_en="Outcomes", weight=100, maximum=10),)),
        MilestoneTerms(name_zh="季度走访", anchor=Anchor.TERM, amount=25, pass_threshold=60, dimensions=(
            Dimension(name_zh="走访记录", name_en="Visit records", weight=60, maximum=10),
            Dimension(name_zh="居民满意度", name_en="Satisfaction", weight=40, maximum=5))),
    ))


def test_the_plan_form_reports_every_wrong_input_at_once():
    with pytest.raises(ValidationFailed) as failed:
        forms.save_plan({"name_zh_0": "入驻检查", "anchor_0": "weekly", "amount_0": "x", "threshold_0": "101",
                         "dimensions_0": "只有名字", "name_zh_1": "走访", "anchor_1": "term", "amount_1": "1",
                         "threshold_1": "60", "dimensions_1": "走访 | Visits | 0 | 10"})
    assert set(failed.value.errors) == {"anchor_0", "amount_0", "threshold_0", "dimensions_0", "dimensions_1"}
    assert failed.value.errors["dimensions_0"] == _("Line %(n)s: write “Chinese name | English name | weight | "
                                                    "maximum score”.", n=1)


def test_the_scorecard_text_reads_back_as_it_is_shown():
    text = forms.dimensions_text([{"name_zh": "基础条件", "name_en": "Basic conditions", "weight": 15, "max": 10}])
    assert text == "基础条件 | Basic conditions | 15 | 10"
    check = forms.Checker({"d": text})
    assert forms.parse_dimensions(check, "d") == (Dimension(name_zh="基础条件", name_en="Basic conditions",
                                                            weight=15, maximum=10),)


async def test_the_plan_service_checks_what_needs_the_anchor_and_the_whole_plan(park, manager_principal):
    terms = MilestoneTerms(code="onboarding", name_zh="入驻检查", anchor=Anchor.ADMISSION, amount=61,
                           pass_threshold=60, dimensions=())
    with pytest.raises(ValidationFailed) as failed:
        await service.save_plan(manager_principal, park, SavePlan(milestones=(terms, terms)))
    at_most_60 = _("Enter a number of at most %(n)s.", n=60)
    no_dimension = _("A scorecard needs at least one dimension.")
    assert failed.value.errors == {
        "milestones[0].amount": at_most_60, "milestones[1].amount": at_most_60,
        "milestones[0].dimensions": no_dimension, "milestones[1].dimensions": no_dimension,
        "milestones": _("Two rows are the same milestone.")}
    # The form shows them beside its inputs.
    assert form_errors(failed.value, forms.FIELDS)["amount_1"] and "name_zh_0" in form_errors(failed.value,
                                                                                             forms.FIELDS)
    with pytest.raises(ValidationFailed) as failed:
        await service.save_plan(manager_principal, park, SavePlan(milestones=()))
    assert set(failed.value.errors) == {"milestones"}


def test_the_scoring_forms_build_typed_commands():
    assert forms.assign({"evaluator_id": "7", "panel": "media"}) == AssignEvaluator(evaluator_id=7,
                                                                                    panel=Panel.MEDIA)
    assert forms.set_indicators({"name_0": "入户探访", "target_0": "240", "actual_0": "", "name_1": " ",
                                 "target_1": "x"}) == SetIndicators(indicators=(
                                     IndicatorTerms(name="入户探访", target=240),))
    assert forms.decide({"decision": "pass_conditions", "reason": "基本达标", "confirm_unscored": "on",
                         "unscored_reason": "出差"}) == Decide(
        decision=Decision.PASSED_WITH_CONDITIONS, reason="基本达标", confirm_unscored=True, unscored_reason="出差")
    assert forms.declare_conflict({"conflict": "no"}) == DeclareConflict(conflict=False)
    assert forms.declare_conflict({"conflict": "yes", "conflict_note": " 亲属 "}) == DeclareConflict(
        conflict=True, conflict_note="亲属")
    assert forms.lift_conflict({"lift_reason": "核实无冲突"}) == LiftConflict(reason="核实无冲突")
    assert forms.submit_scores({"score_0": "8", "score_1": "0", "comment": "好"}, 2) == SubmitScores(
        scores=(DimensionScore(dimension=0, score=8), DimensionScore(dimension=1, score=0)), comment="好")


@pytest.mark.parametrize(("parse", "data", "wrong"), [
    (forms.assign, {"evaluator_id": "x", "panel": "jury"}, {"evaluator_id", "panel"}),
    (forms.set_indicators, {"name_0": "入户探访", "target_0": "-1", "actual_0": "x", "name_1": "个案",
                            "target_1": ""}, {"target_0", "actual_0", "target_1"}),
    (forms.decide, {"decision": "maybe", "reason": ""}, {"decision", "reason"}),
    (forms.declare_conflict, {"conflict": "perhaps"}, {"conflict"}),
    (forms.lift_conflict, {"lift_reason": " "}, {"lift_reason"}),
    (lambda data: forms.submit_scores(data, 3), {"score_0": "-1", "score_1": "八", "comment": "x" * 5001},
     {"score_0", "score_1", "score_2", "comment"}),
])
def test_every_wrongly_typed_input_is_named_at_once(parse, data, wrong):
    with pytest.raises(ValidationFailed) as failed:
        parse(data)
    assert set(failed.value.errors) == wrong


def test_the_commands_give_a_json_schema_and_decode_with_their_limits():
    schema = msgspec.json.schema(SubmitScores)
    assert "DimensionScore" in schema["$defs"]
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"scores": [{"dimension": 0, "score": 101}]}', type=SubmitScores)
    plan = msgspec.json.decode(b'{"milestones": [{"name_zh": "x", "anchor": "term", "amount": 50, '
                               b'"pass_threshold": 60, "dimensions": [{"name_zh": "y", "weight": 1, "maximum": 5}]}]}',
                               type=SavePlan)
    assert plan.milestones[0].anchor == Anchor.TERM


@pytest.fixture
async def midterm(admitted) -> Review:
    return await Review.get(organization_id=admitted.id, code="midterm")


async def test_scores_are_checked_against_the_reviews_scorecard(midterm, manager_principal, evaluator):
    assignment = await scoring.assign(manager_principal, midterm, AssignEvaluator(evaluator_id=evaluator.id,
                                                                                  panel=Panel.EXPERT))
    me = Principal(evaluator)
    await scoring.declare_conflict(me, assignment, DeclareConflict(conflict=False))
    fresh = await ReviewAssignment.get(id=assignment.id)
    too_high = SubmitScores(scores=tuple(DimensionScore(dimension=i, score=11 if i == 1 else 5) for i in range(5)))
    with pytest.raises(ValidationFailed) as failed:
        await scoring.submit_scores(me, fresh, too_high)
    at_most_10 = _("Enter a number of at most %(n)s.", n=10)
    assert failed.value.errors == {"scores[1].score": at_most_10}
    assert form_errors(failed.value, forms.FIELDS) == {"score_1": at_most_10}
    with pytest.raises(ValidationFailed) as failed:
        await scoring.submit_scores(me, fresh, SubmitScores(scores=(DimensionScore(dimension=0, score=5),)))
    assert set(failed.value.errors) == {"scores"}
    assert (await ReviewAssignment.get(id=assignment.id)).submitted_at is None


async def test_what_each_principal_may_do_with_a_review(midterm, manager_principal, evaluator, make_user, admitted):
    from incubator.organizations.models import Organization
    from incubator.roles import Role

    organization = await Organization.get(id=admitted.id)
    manager_sees = await scoring.review_actions(manager_principal, midterm, organization)
    assert {"assign", "set_indicators", "decide", "view_panels", "view_result", "add_evidence"} <= manager_sees
    member = Principal(await make_user("member.wu", Role.MEMBER, organization=organization),
                       organization_id=organization.id)
    assert await scoring.review_actions(member, midterm, organization) == {"view_organization", "add_evidence"}
    assignment = await scoring.assign(manager_principal, midterm, AssignEvaluator(evaluator_id=evaluator.id,
                                                                                  panel=Panel.EXPERT))
    judge = Principal(evaluator)
    assert await scoring.review_actions(judge, midterm, organization, assignment) == frozenset()  # blind
    park_id = organization.park_id
    assert scoring.assignment_actions(judge, assignment, midterm, park_id) == {"evaluate", "declare_conflict"}
    await scoring.declare_conflict(judge, assignment, DeclareConflict(conflict=True, conflict_note="亲属"))
    declared = await ReviewAssignment.get(id=assignment.id)
    assert scoring.assignment_actions(judge, declared, midterm, park_id) == {"evaluate"}
    assert scoring.assignment_actions(manager_principal, declared, midterm, park_id) == {"lift_conflict"}
    await Review.filter(id=midterm.id).update(status=ReviewStatus.CANCELLED)
    closed = await Review.get(id=midterm.id)
    assert scoring.assignment_actions(manager_principal, declared, closed, park_id) == frozenset()
    assert not {"assign", "decide", "add_evidence"} & await scoring.review_actions(manager_principal, closed,
                                                                                  organization)


async def test_a_review_is_overdue_while_open_after_its_due_date(midterm):
    assert not service.is_overdue(midterm, midterm.due_on)
    assert service.is_overdue(midterm, date.fromordinal(midterm.due_on.toordinal() + 1))
    midterm.status = ReviewStatus.DECIDED
    assert not service.is_overdue(midterm, date.fromordinal(midterm.due_on.toordinal() + 1))


async def test_indicators_are_seen_by_who_sees_the_review_and_changed_by_its_managers(
        midterm, manager_principal, evaluator, make_user, other_park):
    from incubator import access
    from incubator.reviews.models import Indicator
    from incubator.roles import Role

    await scoring.set_indicators(manager_principal, midterm, SetIndicators(indicators=(
        IndicatorTerms(name="入户探访", target=240),)))
    indicator = await Indicator.get(review_id=midterm.id)
    stranger = Principal(await make_user("manager.b", Role.MANAGER, parks=[other_park]),
                         park_ids=frozenset({other_park.id}))
    judge = Principal(evaluator)
    assert await access.can(manager_principal, indicator, "view") and await access.can(manager_principal, indicator)
    assert not await access.can(stranger, indicator, "view")
    assert not await access.can(judge, indicator, "view")  # not on this review yet
    await scoring.assign(manager_principal, midterm, AssignEvaluator(evaluator_id=evaluator.id, panel=Panel.EXPERT))
    assert await access.can(judge, indicator, "view") and not await access.can(judge, indicator)
