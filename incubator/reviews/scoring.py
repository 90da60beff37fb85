"""Conducting a review: evaluators on panels, conflict declarations, blind scoring, service
indicators, evidence, a transparent result and the manager's decision.

Services take typed commands (`commands.py`), never request data, and say what a principal may
do with a review or an assignment now (`review_actions`, `assignment_actions`), so no page
repeats a rule. `outcome()` is the service other capabilities (seed funding) call for a review's
result."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from incubator import access, clock, db, events
from incubator.access import Principal, require_role
from incubator.audit import service as audit
from incubator.auth import service as auth_service
from incubator.auth.models import ParkManager, User
from incubator.calendar.service import overrides as calendar_overrides
from incubator.config import Settings
from incubator.errors import DomainError, PermissionDenied, ValidationFailed
from incubator.i18n import gettext as _
from incubator.i18n import list_separator, reset_locale, set_locale
from incubator.organizations.graduation import Check
from incubator.organizations.models import Document, Organization
from incubator.reviews.commands import (
    AssignEvaluator,
    Decide,
    DeclareConflict,
    LiftConflict,
    SetIndicators,
    SubmitScores,
)
from incubator.reviews.events import ReviewDecided
from incubator.reviews.models import (
    DECISION_LABELS,
    OPEN_STATUSES,
    Decision,
    Indicator,
    Panel,
    Review,
    ReviewAssignment,
    ReviewStatus,
)
from incubator.roles import Role
from incubator.workdays import next_working_day

# A score this far (in points out of 100) from its panel's median is flagged for a second look.
OUTLIER_POINTS = Decimal(15)
REPEAT_AFTER_DAYS = 30
# Not declared yet, or declared without a conflict (NOT (conflict = TRUE) would drop NULLs).
NOT_CONFLICTED = Q(conflict__isnull=True) | Q(conflict=False)


async def _shown(review: Review) -> str:
    """How the audit trail names a review: its organization (the review's own name is a label
    of the park's plan, in two languages), with the review's number."""
    name = await Organization.filter(id=review.organization_id).first().values_list("name_zh", flat=True)
    return f"{name} · #{review.id}"


def _open(review: Review) -> None:
    if review.status not in OPEN_STATUSES:
        raise DomainError(_("This review is closed."))


# ---- what a principal may do ---------------------------------------------------------------------


async def review_actions(principal: Principal, review: Review, organization: Organization,
                         mine: ReviewAssignment | None = None) -> frozenset[str]:
    """What `principal` may do with `review` (of `organization`) now, and which of its parts
    they see; `mine` is their own assignment on it, if any.

    assign, set_indicators, decide: the park's managers while the review is open;
    add_evidence: the organization's side (not evaluators) while it is open;
    view_panels: who sits on the review, for the park's managers and the district;
    view_result: the scores, blind for an evaluator until their own are in, and for the
    organization until the review is decided; view_organization: the organization's page."""
    managing = principal.manages(organization.park_id)
    is_open = review.status in OPEN_STATUSES
    actions = set()
    if managing and is_open:
        actions |= {"assign", "set_indicators", "decide"}
    if managing or principal.is_(Role.ADMIN, Role.OFFICIAL):
        actions.add("view_panels")
    if principal.is_(Role.EVALUATOR):
        if mine is not None and mine.submitted_at is not None:
            actions.add("view_result")
    else:
        actions.add("view_organization")
        if not principal.is_(Role.MEMBER) or review.decision is not None:
            actions.add("view_result")
        if is_open and await access.can(principal, organization):
            actions.add("add_evidence")
    return frozenset(actions)


def assignment_actions(principal: Principal, assignment: ReviewAssignment, review: Review,
                       park_id: int) -> frozenset[str]:
    """What `principal` may do with one evaluator's assignment on `review` (of a park) now.

    evaluate: it is their own, the review is open and nothing is submitted yet (their part of
    the page); declare_conflict: until a conflict is declared; score: once they declared none;
    lift_conflict: a manager of the park, on a declared conflict of an open review."""
    is_open = review.status in OPEN_STATUSES
    actions = set()
    if assignment.evaluator_id == principal.id and is_open and assignment.submitted_at is None:
        actions.add("evaluate")
        if not assignment.conflict:
            actions.add("declare_conflict")
        if assignment.conflict is False:
            actions.add("score")
    if principal.manages(park_id) and is_open and assignment.conflict:
        actions.add("lift_conflict")
    return frozenset(actions)


# ---- the manager's side -------------------------------------------------------------------------


async def evaluator_options() -> list[User]:
    """The evaluators a manager may put on a review: every active evaluator account (a city has
    hundreds: only what the choice shows, in the order of their index)."""
    return await User.filter(role=Role.EVALUATOR, is_active=True).only("id", "display_name", "username").order_by(
        "display_name")


async def assign(principal: Principal, review: Review, command: AssignEvaluator) -> ReviewAssignment:
    require_role(principal, Role.ADMIN, Role.MANAGER)
    _open(review)
    evaluator = await User.get_or_none(id=command.evaluator_id, role=Role.EVALUATOR, is_active=True)
    if evaluator is None:
        raise ValidationFailed({"evaluator_id": _("Choose one of the options.")})
    if await ReviewAssignment.filter(review_id=review.id, evaluator_id=evaluator.id).exists():
        raise ValidationFailed({"evaluator_id": _("This evaluator is already on the review.")})
    panel = command.panel
    try:
        async with events.transaction():
            assignment = await ReviewAssignment.create(review_id=review.id, evaluator_id=evaluator.id, panel=panel)
            await Review.filter(id=review.id, status=ReviewStatus.SCHEDULED).update(status=ReviewStatus.IN_PROGRESS)
            await audit.record(principal, "create", assignment, {"evaluator": [None, evaluator.username],
                                                                 "panel": [None, panel]},
                               object_repr=await _shown(review))
            from incubator.notifications import service as notifications

            await notifications.notify(evaluator.id, "review_assigned", f"/reviews/{review.id}",
                                       {"review": review.name_zh, "review_en": review.name_en})
    except IntegrityError:
        raise ValidationFailed({"evaluator_id": _("This evaluator is already on the review.")}) from None
    return assignment


async def set_indicators(principal: Principal, review: Review, command: SetIndicators) -> list[Indicator]:
    """Replaces the review's service indicators with the command's, as a whole."""
    require_role(principal, Role.ADMIN, Role.MANAGER)
    _open(review)
    rows = [(i.name, i.target, i.actual) for i in command.indicators]
    before = [(i.name, i.target, i.actual) for i in await Indicator.filter(review_id=review.id)]
    async with events.transaction():
        await Indicator.filter(review_id=review.id).delete()
        await Indicator.bulk_create([Indicator(review_id=review.id, name=name, target=target, actual=actual)
                                     for name, target, actual in rows])
        if before != rows:
            await audit.record(principal, "update", review, {"indicators": [before, rows]},
                               object_repr=await _shown(review))
    return await Indicator.filter(review_id=review.id)


async def add_evidence(principal: Principal, review: Review, title: str, upload: object,
                       settings: Settings) -> Document:
    """The organization's self-assessment and evidence (or the manager's, on its behalf).
    Evaluators read the evidence; they do not add to it."""
    from incubator.organizations import service as organizations

    organization = await Organization.get(id=review.organization_id)
    if principal.is_(Role.EVALUATOR) or not await access.can(principal, organization):
        raise PermissionDenied(_("Your role may not do this."))
    _open(review)
    return await organizations.add_document(principal, organization, title, upload, settings, review_id=review.id)


async def _still_open(review_id: int) -> bool:
    """Inside the caller's transaction, before an evaluator's write: the review is still open, and
    its row is locked (PostgreSQL; SQLite writes one at a time anyway), so a decision at the same
    moment either waits for this write and counts it, or has committed and this write is refused."""
    return await Review.filter(id=review_id, status__in=list(OPEN_STATUSES)).select_for_update().only(
        "id").first() is not None


async def unscored(review: Review) -> list[ReviewAssignment]:
    """Evaluators on the review who may still score (no conflict declared) and have not."""
    return await ReviewAssignment.filter(NOT_CONFLICTED, review_id=review.id, submitted_at__isnull=True).select_related(
        "evaluator").order_by("panel", "id")


async def decide(principal: Principal, review: Review, command: Decide) -> Review | None:
    """Records the decision; a failed review gets its next attempt scheduled, which is returned.
    Deciding while assigned evaluators have not scored takes an explicit confirmation and a
    reason, both kept in the audit trail with the names of those who had not scored."""
    require_role(principal, Role.ADMIN, Role.MANAGER)
    _open(review)
    decision, reason = command.decision, command.reason
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = _("This field is required.")
    if not await ReviewAssignment.filter(review_id=review.id, submitted_at__isnull=False).exists():
        errors["__all__"] = _("No evaluator has submitted scores yet.")
    missing = [str(a.evaluator) for a in await unscored(review)]
    without_reason = ""
    if missing:
        if not command.confirm_unscored:
            errors["confirm_unscored"] = _("%(names)s have not scored yet. Confirm that you decide without "
                                           "their scores.", names=list_separator().join(missing))
        without_reason = command.unscored_reason.strip()
        if not without_reason:
            errors["unscored_reason"] = _("This field is required.")
    if errors:
        raise ValidationFailed(errors)
    now = datetime.now(UTC)
    repeat = None
    async with events.transaction():
        done = await Review.filter(id=review.id, status__in=list(OPEN_STATUSES)).update(
            status=ReviewStatus.DECIDED, decision=decision, decision_reason=reason, decided_at=now)
        if not done:
            raise DomainError(_("This review is closed."))
        result = await compute(review)
        await audit.record(principal, "update", review, {
            "decision": [None, decision], "reason": [None, reason],
            "overall": [None, str(result.overall) if result.overall is not None else None],
            **({"unscored": [None, missing], "unscored_reason": [None, without_reason]} if missing else {})},
            object_repr=await _shown(review))
        await _tell_the_organization(review, Decision(decision))
        events.emit(ReviewDecided(review_id=review.id, organization_id=review.organization_id, code=review.code,
                                  decision=Decision(decision).value))
        if decision == Decision.FAILED:
            repeat_from = clock.local_date(now) + timedelta(days=REPEAT_AFTER_DAYS)
            due = next_working_day(repeat_from, await calendar_overrides())
            repeat = await Review.create(
                organization_id=review.organization_id, milestone_id=review.milestone_id, code=review.code,
                name_zh=review.name_zh, name_en=review.name_en, anchor=review.anchor, amount=review.amount,
                dimensions=review.dimensions, pass_threshold=review.pass_threshold, attempt=review.attempt + 1,
                due_on=due)
    return repeat


async def _tell_the_organization(review: Review, decision: Decision) -> None:
    """The organization's members learn the result in their inbox (inside the caller's transaction)."""
    from incubator.notifications import service as notifications

    members = await auth_service.member_ids(review.organization_id)
    token = set_locale("zh_CN")
    try:
        decision_zh = _(DECISION_LABELS[decision])
    finally:
        reset_locale(token)
    await notifications.notify_many(members, "review_decided", f"/reviews/{review.id}", {
        "review": review.name_zh, "review_en": review.name_en,
        "decision": decision_zh, "decision_en": DECISION_LABELS[decision]})


# ---- the evaluator's side -----------------------------------------------------------------------


def _own(principal: Principal, assignment: ReviewAssignment) -> None:
    if assignment.evaluator_id != principal.id:
        raise PermissionDenied(_("Only the evaluator named on the review may do this."))


async def declare_conflict(principal: Principal, assignment: ReviewAssignment,
                           command: DeclareConflict) -> None:
    """An evaluator declares a conflict of interest, or that there is none. A declared conflict
    is final for the evaluator: only the park's managers can lift it (`lift_conflict`), and
    they are told at once when one is declared."""
    _own(principal, assignment)
    review = await Review.get(id=assignment.review_id)
    _open(review)
    if assignment.submitted_at is not None:
        raise DomainError(_("Your scores are already submitted."))
    if assignment.conflict:
        raise DomainError(_("You declared a conflict of interest. Only the park's managers can lift it."))
    conflicted, note = command.conflict, command.conflict_note.strip()
    if conflicted and not note:
        raise ValidationFailed({"conflict_note": _("This field is required.")})
    async with events.transaction():
        if not await _still_open(review.id):
            raise DomainError(_("This review is closed."))
        # The condition holds against another tab: a conflict once declared is not undone here.
        done = await ReviewAssignment.filter(NOT_CONFLICTED, id=assignment.id, submitted_at__isnull=True).update(
            conflict=conflicted, conflict_note=note)
        if not done:
            raise DomainError(_("You declared a conflict of interest. Only the park's managers can lift it."))
        await audit.record(principal, "update", assignment, {"conflict": [assignment.conflict, conflicted],
                                                             "conflict_note": [assignment.conflict_note, note]},
                           object_repr=await _shown(review))
        if conflicted:
            organization = await Organization.get(id=review.organization_id)
            managers = await db.flat(ParkManager.filter(park_id=organization.park_id).values_list("user_id", flat=True))
            from incubator.notifications import service as notifications

            await notifications.notify_many(managers, "conflict_declared", f"/reviews/{review.id}#panels", {
                "evaluator": str(principal.user), "review": review.name_zh, "review_en": review.name_en,
                "organization": organization.name_zh, "organization_en": organization.name_en})


async def lift_conflict(principal: Principal, assignment: ReviewAssignment, command: LiftConflict) -> None:
    """A manager of the review's park lifts a declared conflict, with a reason: the evaluator
    declares again and may then score. The caller fetched the review through the change scope."""
    require_role(principal, Role.ADMIN, Role.MANAGER)
    review = await Review.get(id=assignment.review_id)
    _open(review)
    reason = command.reason.strip()
    if not reason:
        raise ValidationFailed({"reason": _("This field is required.")})
    if not assignment.conflict:
        raise ValidationFailed({"reason": _("This evaluator has not declared a conflict of interest.")})
    async with events.transaction():
        done = await ReviewAssignment.filter(id=assignment.id, conflict=True).update(conflict=None, conflict_note="")
        if not done:
            raise DomainError(_("Someone changed this review meanwhile. Reload the page and try again."))
        await audit.record(principal, "update", assignment, {"conflict": [True, None],
                                                             "conflict_note": [assignment.conflict_note, ""],
                                                             "reason": [None, reason]},
                           object_repr=await _shown(review))
        from incubator.notifications import service as notifications

        await notifications.notify(assignment.evaluator_id, "conflict_lifted", f"/reviews/{review.id}#my-part",
                                   {"review": review.name_zh, "review_en": review.name_en, "reason": reason})


async def submit_scores(principal: Principal, assignment: ReviewAssignment, command: SubmitScores) -> None:
    """One score per dimension of the review's scorecard, each within that dimension's maximum."""
    _own(principal, assignment)
    review = await Review.get(id=assignment.review_id)
    _open(review)
    if assignment.conflict is None:
        raise DomainError(_("Declare whether you have a conflict of interest first."))
    if assignment.conflict:
        raise DomainError(_("You declared a conflict of interest: you cannot score this review."))
    errors: dict[str, str] = {}
    by_dimension: dict[int, int] = {}
    for index, row in enumerate(command.scores):
        if not 0 <= row.dimension < len(review.dimensions) or row.dimension in by_dimension:
            errors[f"scores[{index}].dimension"] = _("Choose one of the options.")
            continue
        maximum = review.dimensions[row.dimension]["max"]
        if row.score < 0:
            errors[f"scores[{index}].score"] = _("Enter a number of at least %(n)s.", n=0)
        elif row.score > maximum:
            errors[f"scores[{index}].score"] = _("Enter a number of at most %(n)s.", n=maximum)
        by_dimension[row.dimension] = row.score
    if not errors and len(by_dimension) != len(review.dimensions):
        errors["scores"] = _("Score every dimension.")
    if errors:
        raise ValidationFailed(errors)
    scores = [by_dimension[index] for index in range(len(review.dimensions))]
    comment = command.comment
    async with events.transaction():
        if not await _still_open(review.id):
            raise DomainError(_("This review is closed."))
        # Submitted once: the condition keeps a second submission (another tab) from rewriting it.
        done = await ReviewAssignment.filter(id=assignment.id, submitted_at__isnull=True, conflict=False).update(
            scores=scores, comment=comment, submitted_at=datetime.now(UTC))
        if not done:
            raise DomainError(_("Your scores are already submitted."))
        await audit.record(principal, "update", assignment, {"scores": [None, scores]},
                           object_repr=await _shown(review))


# ---- the result ------------------------------------------------------------------------------------


@dataclass
class EvaluatorResult:
    assignment: ReviewAssignment
    total: Decimal
    outlier: bool = False


@dataclass
class ReviewResult:
    evaluators: list[EvaluatorResult] = field(default_factory=list)
    panels: dict[str, Decimal] = field(default_factory=dict)
    overall: Decimal | None = None
    threshold: int = 60

    @property
    def reaches_threshold(self) -> bool:
        return self.overall is not None and self.overall >= self.threshold


def _weighted(scores: list[int], dimensions: list[dict]) -> Decimal:
    weights = sum(d["weight"] for d in dimensions) or 1
    value = sum(Decimal(s) / Decimal(d["max"]) * d["weight"] for s, d in zip(scores, dimensions, strict=True))
    return (value / weights * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


async def compute(review: Review) -> ReviewResult:
    """Each evaluator's weighted score out of 100, each panel's mean, the overall mean of the
    panels, and the scores far from their panel's median."""
    submitted = await ReviewAssignment.filter(review_id=review.id, submitted_at__isnull=False).select_related(
        "evaluator").order_by("panel", "id")
    result = ReviewResult(threshold=review.pass_threshold)
    by_panel: dict[str, list[EvaluatorResult]] = {}
    for assignment in submitted:
        row = EvaluatorResult(assignment, _weighted(assignment.scores, review.dimensions))
        result.evaluators.append(row)
        by_panel.setdefault(Panel(assignment.panel).value, []).append(row)
    for panel, rows in by_panel.items():
        totals = [r.total for r in rows]
        median = Decimal(statistics.median(totals))
        for row in rows:
            row.outlier = len(rows) >= 3 and abs(row.total - median) > OUTLIER_POINTS
        result.panels[panel] = (sum(totals, Decimal(0)) / len(totals)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if result.panels:
        result.overall = (sum(result.panels.values(), Decimal(0)) / len(result.panels)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP)
    return result


@dataclass(frozen=True)
class Outcome:
    review_id: int
    code: str
    attempt: int
    status: str
    decision: str | None
    passed: bool
    overall: Decimal | None
    decided_on: date | None


async def outcome(review_id: int) -> Outcome:
    """A review's result for other capabilities: seed funding releases or holds money on it."""
    review = await Review.get(id=review_id)
    result = await compute(review)
    passed = review.decision in (Decision.PASSED, Decision.PASSED_WITH_CONDITIONS)
    return Outcome(review.id, review.code, review.attempt, ReviewStatus(review.status).value, review.decision,
                   passed, result.overall, clock.local_date(review.decided_at) if review.decided_at else None)


async def graduation_review_passed(organization: Organization) -> Check:
    passed = await Review.filter(organization_id=organization.id, code="graduation",
                                 decision__in=[Decision.PASSED, Decision.PASSED_WITH_CONDITIONS]).exists()
    return Check("graduation_review", _("Graduation review passed"), passed,
                 "" if passed else _("The graduation review has not been passed yet."))
