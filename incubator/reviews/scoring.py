"""Conducting a review: evaluators on panels, conflict declarations, blind scoring, service
indicators, evidence, a transparent result and the manager's decision.

`outcome()` is the service other capabilities (seed funding) call for a review's result."""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from incubator import clock, events
from incubator.access import Principal, require_role
from incubator.audit import service as audit
from incubator.auth.models import ParkManager, User
from incubator.calendar.service import overrides as calendar_overrides
from incubator.config import Settings
from incubator.errors import DomainError, PermissionDenied, ValidationFailed
from incubator.i18n import gettext as _
from incubator.i18n import reset_locale, set_locale
from incubator.organizations.graduation import Check
from incubator.organizations.models import Document, Organization
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
from incubator.validation import Checker
from incubator.workdays import next_working_day

# A score this far (in points out of 100) from its panel's median is flagged for a second look.
OUTLIER_POINTS = Decimal(15)
REPEAT_AFTER_DAYS = 30
MAX_INDICATORS = 8
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


# ---- the manager's side -------------------------------------------------------------------------


async def assign(principal: Principal, review: Review, data: Mapping[str, str]) -> ReviewAssignment:
    require_role(principal, Role.ADMIN, Role.MANAGER)
    _open(review)
    check = Checker(data)
    evaluator_id = check.integer("evaluator_id", minimum=1, required=True)
    panel = check.choice("panel", Panel)
    evaluator = None
    if evaluator_id is not None:
        evaluator = await User.get_or_none(id=evaluator_id, role=Role.EVALUATOR, is_active=True)
        if evaluator is None:
            check.fail("evaluator_id", _("Choose one of the options."))
        elif await ReviewAssignment.filter(review_id=review.id, evaluator_id=evaluator_id).exists():
            check.fail("evaluator_id", _("This evaluator is already on the review."))
    check.done()
    assert evaluator is not None
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


async def set_indicators(principal: Principal, review: Review, data: Mapping[str, str]) -> list[Indicator]:
    """Rows name_N / target_N / actual_N; a row without a name is dropped."""
    require_role(principal, Role.ADMIN, Role.MANAGER)
    _open(review)
    check = Checker(data)
    rows = []
    for index in range(MAX_INDICATORS):
        name = check.text(f"name_{index}", 80)
        if not name:
            continue
        rows.append({"name": name, "target": check.integer(f"target_{index}", minimum=0, required=True),
                     "actual": check.integer(f"actual_{index}", minimum=0)})
    check.done()
    before = [(i.name, i.target, i.actual) for i in await Indicator.filter(review_id=review.id)]
    async with events.transaction():
        await Indicator.filter(review_id=review.id).delete()
        await Indicator.bulk_create([Indicator(review_id=review.id, **row) for row in rows])
        after = [(r["name"], r["target"], r["actual"]) for r in rows]
        if before != after:
            await audit.record(principal, "update", review, {"indicators": [before, after]},
                               object_repr=await _shown(review))
    return await Indicator.filter(review_id=review.id)


async def add_evidence(principal: Principal, review: Review, title: str, upload: object,
                       settings: Settings) -> Document:
    """The organization's self-assessment and evidence (or the manager's, on its behalf).
    Evaluators read the evidence; they do not add to it."""
    from incubator import access
    from incubator.organizations import service as organizations

    organization = await Organization.get(id=review.organization_id)
    if principal.is_(Role.EVALUATOR) or not await access.can(principal, organization):
        raise PermissionDenied(_("Your role may not do this."))
    _open(review)
    return await organizations.add_document(principal, organization, title, upload, settings, review_id=review.id)


async def unscored(review: Review) -> list[ReviewAssignment]:
    """Evaluators on the review who may still score (no conflict declared) and have not."""
    return await ReviewAssignment.filter(NOT_CONFLICTED, review_id=review.id, submitted_at__isnull=True).select_related(
        "evaluator").order_by("panel", "id")


async def decide(principal: Principal, review: Review, data: Mapping[str, str]) -> Review | None:
    """Records the decision; a failed review gets its next attempt scheduled, which is returned.
    Deciding while assigned evaluators have not scored takes an explicit confirmation and a
    reason, both kept in the audit trail with the names of those who had not scored."""
    require_role(principal, Role.ADMIN, Role.MANAGER)
    _open(review)
    check = Checker(data)
    decision = check.choice("decision", Decision)
    reason = check.text("reason", 2000, required=True)
    if not await ReviewAssignment.filter(review_id=review.id, submitted_at__isnull=False).exists():
        check.fail("__all__", _("No evaluator has submitted scores yet."))
    missing = [str(a.evaluator) for a in await unscored(review)]
    without_reason = ""
    if missing:
        if not check.flag("confirm_unscored"):
            check.fail("confirm_unscored", _("%(names)s have not scored yet. Confirm that you decide without "
                                             "their scores.", names="、".join(missing)))
        without_reason = check.text("unscored_reason", 500, required=True)
    check.done()
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

    members = await User.filter(organization_id=review.organization_id, role=Role.MEMBER,
                                is_active=True).values_list("id", flat=True)
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


async def declare_conflict(principal: Principal, assignment: ReviewAssignment, data: Mapping[str, str]) -> None:
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
    check = Checker(data)
    answer = check.one_of("conflict", ("yes", "no"))
    note = check.text("conflict_note", 300, required=answer == "yes")
    check.done()
    conflicted = answer == "yes"
    async with events.transaction():
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
            managers = await ParkManager.filter(park_id=organization.park_id).values_list("user_id", flat=True)
            from incubator.notifications import service as notifications

            await notifications.notify_many(managers, "conflict_declared", f"/reviews/{review.id}#panels", {
                "evaluator": str(principal.user), "review": review.name_zh, "review_en": review.name_en,
                "organization": organization.name_zh, "organization_en": organization.name_en})


async def lift_conflict(principal: Principal, assignment: ReviewAssignment, data: Mapping[str, str]) -> None:
    """A manager of the review's park lifts a declared conflict, with a reason: the evaluator
    declares again and may then score. The caller fetched the review through the change scope."""
    require_role(principal, Role.ADMIN, Role.MANAGER)
    review = await Review.get(id=assignment.review_id)
    _open(review)
    check = Checker(data)
    reason = check.text("lift_reason", 500, required=True)
    if not assignment.conflict:
        check.fail("lift_reason", _("This evaluator has not declared a conflict of interest."))
    check.done()
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


async def submit_scores(principal: Principal, assignment: ReviewAssignment, data: Mapping[str, str]) -> None:
    _own(principal, assignment)
    review = await Review.get(id=assignment.review_id)
    _open(review)
    if assignment.conflict is None:
        raise DomainError(_("Declare whether you have a conflict of interest first."))
    if assignment.conflict:
        raise DomainError(_("You declared a conflict of interest: you cannot score this review."))
    check = Checker(data)
    scores = [check.integer(f"score_{i}", minimum=0, maximum=d["max"], required=True)
              for i, d in enumerate(review.dimensions)]
    comment = check.text("comment", 5000)
    check.done()
    async with events.transaction():
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
        result.panels[panel] = (sum(totals) / len(totals)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if result.panels:
        result.overall = (sum(result.panels.values()) / len(result.panels)).quantize(
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
