"""Conducting a review: conflicts, blind scoring, the transparent result and the decision."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from tortoise.exceptions import IntegrityError

from incubator.access import Principal
from incubator.errors import DomainError, ValidationFailed
from incubator.notifications.models import Notification
from incubator.organizations import graduation
from incubator.reviews import scoring
from incubator.reviews.commands import (
    AssignEvaluator,
    Decide,
    DeclareConflict,
    DimensionScore,
    IndicatorTerms,
    LiftConflict,
    SetIndicators,
    SubmitScores,
)
from incubator.reviews.models import Decision, Panel, Review, ReviewAssignment, ReviewStatus
from incubator.workdays import is_working_day
from tests.helpers import assert_audited


@pytest.fixture
async def midterm(admitted) -> Review:
    return await Review.get(organization_id=admitted.id, code="midterm")


@pytest.fixture
async def evaluators(make_user):
    from incubator.roles import Role

    return [await make_user(f"evaluator{n}", Role.EVALUATOR) for n in range(1, 5)]


NO_CONFLICT = DeclareConflict(conflict=False)


def scores(value: int, comment: str = "", dimensions: int = 5) -> SubmitScores:
    return SubmitScores(scores=tuple(DimensionScore(dimension=i, score=value) for i in range(dimensions)),
                        comment=comment)


def decide(decision: str, reason: str, **confirmation) -> Decide:
    return Decide(decision=Decision(decision), reason=reason, **confirmation)


async def assign(review, manager_principal, evaluator, panel="expert") -> ReviewAssignment:
    return await scoring.assign(manager_principal, review, AssignEvaluator(evaluator_id=evaluator.id,
                                                                           panel=Panel(panel)))


async def score(assignment: ReviewAssignment, evaluator, value: int, comment: str = "") -> None:
    me = Principal(evaluator)
    await scoring.declare_conflict(me, assignment, NO_CONFLICT)
    fresh = await ReviewAssignment.get(id=assignment.id)
    await scoring.submit_scores(me, fresh, scores(value, comment))


async def test_assigning_notifies_the_evaluator_and_starts_the_review(midterm, manager_principal, evaluators):
    assignment = await assign(midterm, manager_principal, evaluators[0])
    await assert_audited(assignment, "create", actor=manager_principal,
                         changes={"evaluator": evaluators[0].username, "panel": "expert"})
    assert (await Review.get(id=midterm.id)).status == ReviewStatus.IN_PROGRESS
    note = await Notification.get(user_id=evaluators[0].id)
    assert note.kind == "review_assigned" and note.link == f"/reviews/{midterm.id}"
    with pytest.raises(ValidationFailed):
        await assign(midterm, manager_principal, evaluators[0])


async def test_a_conflicted_evaluator_cannot_score(midterm, manager_principal, evaluators):
    assignment = await assign(midterm, manager_principal, evaluators[0])
    me = Principal(evaluators[0])
    with pytest.raises(DomainError):  # must declare first
        await scoring.submit_scores(me, assignment, scores(5))
    with pytest.raises(ValidationFailed):  # saying yes needs the reason
        await scoring.declare_conflict(me, assignment, DeclareConflict(conflict=True))
    await scoring.declare_conflict(me, assignment, DeclareConflict(conflict=True, conflict_note="曾任该组织理事"))
    with pytest.raises(DomainError):
        await scoring.submit_scores(me, await ReviewAssignment.get(id=assignment.id),
                                    scores(5))
    assert (await ReviewAssignment.get(id=assignment.id)).submitted_at is None


async def test_the_database_refuses_scores_from_a_conflicted_evaluator(midterm, manager_principal, evaluators):
    assignment = await assign(midterm, manager_principal, evaluators[0])
    await ReviewAssignment.filter(id=assignment.id).update(conflict=True)
    from datetime import UTC, datetime

    with pytest.raises(IntegrityError):
        await ReviewAssignment.filter(id=assignment.id).update(submitted_at=datetime.now(UTC))


async def test_scores_are_final_once_submitted(midterm, manager_principal, evaluators):
    assignment = await assign(midterm, manager_principal, evaluators[0])
    await score(assignment, evaluators[0], 8)
    await assert_audited(assignment, "update", actor=evaluators[0], changes={"conflict": False})
    await assert_audited(assignment, "update", actor=evaluators[0], changes={"scores": [8, 8, 8, 8, 8]})
    with pytest.raises(DomainError):
        await scoring.submit_scores(Principal(evaluators[0]), await ReviewAssignment.get(id=assignment.id),
                                    scores(1))
    assert (await ReviewAssignment.get(id=assignment.id)).scores == [8, 8, 8, 8, 8]


async def test_only_the_named_evaluator_scores(midterm, manager_principal, evaluators):
    assignment = await assign(midterm, manager_principal, evaluators[0])
    from incubator.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        await scoring.declare_conflict(Principal(evaluators[1]), assignment, NO_CONFLICT)


async def test_result_has_panel_means_an_overall_mean_and_outliers(midterm, manager_principal, evaluators, make_user):

    experts = evaluators[:3]
    for evaluator, value in zip(experts, (8, 8, 3), strict=True):  # 80, 80 and 30: the last is far off
        await score(await assign(midterm, manager_principal, evaluator, "expert"), evaluator, value)
    resident = evaluators[3]
    await score(await assign(midterm, manager_principal, resident, "resident"), resident, 10)
    result = await scoring.compute(await Review.get(id=midterm.id))
    assert result.panels == {"expert": Decimal("63.3"), "resident": Decimal("100.0")}
    assert result.overall == Decimal("81.7")
    assert [r.outlier for r in result.evaluators] == [False, False, True, False]
    assert result.reaches_threshold


async def test_deciding_needs_scores_and_closes_the_review(midterm, manager_principal, evaluators):
    with pytest.raises(ValidationFailed):
        await scoring.decide(manager_principal, midterm, decide("pass", "好"))
    await score(await assign(midterm, manager_principal, evaluators[0]), evaluators[0], 9)
    assert await scoring.decide(manager_principal, midterm, decide("pass", "服务成效明显")) is None
    review = await Review.get(id=midterm.id)
    assert review.status == ReviewStatus.DECIDED and review.decision == "pass"
    with pytest.raises(DomainError):
        await assign(review, manager_principal, evaluators[1])
    outcome = await scoring.outcome(midterm.id)
    assert outcome.passed and outcome.overall == Decimal("90.0") and outcome.decided_on is not None


async def test_a_failed_review_is_scheduled_again(midterm, manager_principal, evaluators):
    await score(await assign(midterm, manager_principal, evaluators[0]), evaluators[0], 3)
    repeat = await scoring.decide(manager_principal, midterm, decide("fail", "财务制度不健全"))
    assert repeat is not None and repeat.attempt == 2 and repeat.code == "midterm"
    assert repeat.due_on >= date.today() + timedelta(days=30) and is_working_day(repeat.due_on)
    assert not (await scoring.outcome(midterm.id)).passed


async def test_a_passed_graduation_review_meets_the_graduation_criterion(admitted, manager_principal, evaluators):
    review = await Review.get(organization_id=admitted.id, code="graduation")
    check = {c.key: c for c in await graduation.evaluate(admitted)}["graduation_review"]
    assert not check.met
    await score(await assign(review, manager_principal, evaluators[0]), evaluators[0], 7)
    await scoring.decide(manager_principal, review, decide("pass_conditions", "需补充财务制度"))
    check = {c.key: c for c in await graduation.evaluate(admitted)}["graduation_review"]
    assert check.met


async def test_a_declared_conflict_is_final_for_the_evaluator_and_managers_are_told(midterm, manager_principal,
                                                                                   evaluators, manager):
    assignment = await assign(midterm, manager_principal, evaluators[0])
    me = Principal(evaluators[0])
    await scoring.declare_conflict(me, assignment, DeclareConflict(conflict=True, conflict_note="曾任该组织理事"))
    told = await Notification.get(user_id=manager.id, kind="conflict_declared")
    assert told.link == f"/reviews/{midterm.id}#panels" and told.details["evaluator"] == str(evaluators[0])
    with pytest.raises(DomainError):  # withdrawing it is refused...
        await scoring.declare_conflict(me, await ReviewAssignment.get(id=assignment.id), NO_CONFLICT)
    with pytest.raises(DomainError):  # ...also from a page loaded before the declaration
        await scoring.declare_conflict(me, assignment, NO_CONFLICT)
    fresh = await ReviewAssignment.get(id=assignment.id)
    assert fresh.conflict is True and fresh.conflict_note == "曾任该组织理事"
    with pytest.raises(DomainError):
        await scoring.submit_scores(me, fresh, scores(9))


async def test_saying_no_conflict_tells_nobody(midterm, manager_principal, evaluators, manager):
    assignment = await assign(midterm, manager_principal, evaluators[0])
    await scoring.declare_conflict(Principal(evaluators[0]), assignment, NO_CONFLICT)
    assert not await Notification.filter(kind="conflict_declared").exists()


async def test_only_a_manager_lifts_a_conflict_with_a_reason_and_it_is_audited(midterm, manager_principal, evaluators):
    from incubator.errors import PermissionDenied

    assignment = await assign(midterm, manager_principal, evaluators[0])
    me = Principal(evaluators[0])
    await scoring.declare_conflict(me, assignment, DeclareConflict(conflict=True, conflict_note="亲属任职"))
    declared = await ReviewAssignment.get(id=assignment.id)
    with pytest.raises(PermissionDenied):
        await scoring.lift_conflict(me, declared, LiftConflict(reason="我弄错了"))
    with pytest.raises(ValidationFailed):
        await scoring.lift_conflict(manager_principal, declared, LiftConflict(reason=""))
    await scoring.lift_conflict(manager_principal, declared, LiftConflict(reason="亲属已于去年离职，经核实无利益冲突"))
    await assert_audited(declared, "update", actor=manager_principal,
                         changes={"conflict": None, "reason": "亲属已于去年离职，经核实无利益冲突"})
    lifted = await ReviewAssignment.get(id=assignment.id)
    assert lifted.conflict is None  # the evaluator declares again, then scores
    assert await Notification.filter(user_id=evaluators[0].id, kind="conflict_lifted").exists()
    await score(lifted, evaluators[0], 8)
    assert (await ReviewAssignment.get(id=assignment.id)).submitted_at is not None


async def test_deciding_before_everyone_scored_needs_a_confirmation_and_a_reason(midterm, manager_principal,
                                                                                 evaluators):

    await score(await assign(midterm, manager_principal, evaluators[0]), evaluators[0], 8)
    await assign(midterm, manager_principal, evaluators[1])  # has not scored
    conflicted = await assign(midterm, manager_principal, evaluators[2])
    await scoring.declare_conflict(Principal(evaluators[2]), conflicted,
                                   DeclareConflict(conflict=True, conflict_note="x"))
    assert [a.evaluator_id for a in await scoring.unscored(midterm)] == [evaluators[1].id]  # not the conflicted one
    with pytest.raises(ValidationFailed) as refused:
        await scoring.decide(manager_principal, midterm, decide("pass", "达标"))
    assert set(refused.value.errors) == {"confirm_unscored", "unscored_reason"}
    assert str(evaluators[1]) in refused.value.errors["confirm_unscored"]
    with pytest.raises(ValidationFailed):  # the confirmation alone is not enough
        await scoring.decide(manager_principal, midterm, decide("pass", "达标", confirm_unscored=True))
    assert (await Review.get(id=midterm.id)).decision is None
    await scoring.decide(manager_principal, midterm, decide("pass", "达标", confirm_unscored=True,
                                                            unscored_reason="该专家出差，无法按期评分"))
    await assert_audited(midterm, "update", actor=manager_principal,
                         changes={"unscored": [str(evaluators[1])], "unscored_reason": "该专家出差，无法按期评分"})


async def test_the_organizations_members_learn_the_result(midterm, manager_principal, evaluators, make_user, admitted):
    from incubator.roles import Role

    member = await make_user("member.zhou", Role.MEMBER, organization=admitted)
    await score(await assign(midterm, manager_principal, evaluators[0]), evaluators[0], 4)
    await scoring.decide(manager_principal, midterm, decide("fail", "财务制度不健全"))
    note = await Notification.get(user_id=member.id, kind="review_decided")
    assert note.link == f"/reviews/{midterm.id}"
    assert note.details["decision"] == "未通过" and note.details["decision_en"] == "Failed"


async def test_service_indicators_are_replaced_as_a_whole_and_audited(midterm, manager_principal):
    await scoring.set_indicators(manager_principal, midterm, SetIndicators(indicators=(
        IndicatorTerms(name="入户探访", target=240, actual=180), IndicatorTerms(name="个案档案", target=35))))
    await assert_audited(midterm, "update", actor=manager_principal,
                         changes={"indicators": [["入户探访", 240, 180], ["个案档案", 35, None]]})
    await scoring.set_indicators(manager_principal, midterm, SetIndicators(indicators=(
        IndicatorTerms(name="入户探访", target=240, actual=240),)))
    from incubator.reviews.models import Indicator

    assert await Indicator.filter(review_id=midterm.id).values_list("name", "actual") == [("入户探访", 240)]


async def test_evidence_is_a_document_of_the_review_and_audited(midterm, manager_principal, settings, evaluators):
    from incubator.errors import PermissionDenied
    from incubator.organizations.models import Document
    from tests.helpers import upload

    document = await scoring.add_evidence(manager_principal, midterm, "自评报告", upload("自评.pdf"), settings)
    assert (await Document.get(id=document.id)).review_id == midterm.id
    await assert_audited(document, "create", actor=manager_principal, fields=("filename", "sha256"))
    await assign(midterm, manager_principal, evaluators[0])
    with pytest.raises(PermissionDenied):
        await scoring.add_evidence(Principal(evaluators[0]), midterm, "x", upload("x.pdf"), settings)


async def test_a_score_racing_the_decision_is_either_counted_in_it_or_refused(midterm, manager_principal,
                                                                              evaluators, monkeypatch):
    """An evaluator submits while the manager's decision is being written (after it computed the
    result, before it commits): the score must not land after the decision, so the decision's
    audited overall score is always the one the stored scores give."""
    import asyncio

    from incubator.audit.models import AuditEntry

    first = await assign(midterm, manager_principal, evaluators[0])
    second = await assign(midterm, manager_principal, evaluators[1])
    await score(first, evaluators[0], 6)
    await scoring.declare_conflict(Principal(evaluators[1]), second, NO_CONFLICT)
    late = await ReviewAssignment.get(id=second.id)
    computed, score_written = asyncio.Event(), asyncio.Event()
    compute = scoring.compute

    async def compute_then_wait(review):  # the decision's widest window: result known, not committed
        result = await compute(review)
        computed.set()
        try:
            await asyncio.wait_for(score_written.wait(), 1)
        except TimeoutError:
            pass
        return result

    async def submit():  # the evaluator's page said "open"; the submission arrives inside that window
        await computed.wait()
        try:
            await scoring.submit_scores(Principal(evaluators[1]), late, scores(10))
        finally:
            score_written.set()

    monkeypatch.setattr(scoring, "compute", compute_then_wait)
    monkeypatch.setattr(scoring, "_open", lambda review: None)  # its check passed before the decision
    results = await asyncio.gather(submit(), scoring.decide(manager_principal, await Review.get(id=midterm.id), decide(
        "pass", "按期完成", confirm_unscored=True, unscored_reason="专家出差")), return_exceptions=True)
    monkeypatch.undo()
    assert not isinstance(results[1], Exception), results
    assert results[0] is None or isinstance(results[0], DomainError), results
    entry = await AuditEntry.filter(object_type="Review", object_id=str(midterm.id), action="update").order_by(
        "-id").first()
    assert entry.changes["overall"][1] == str((await scoring.compute(await Review.get(id=midterm.id))).overall)
