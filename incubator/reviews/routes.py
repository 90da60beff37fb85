"""Review pages: the list (an evaluator's assignments, a manager's open reviews) and one review,
where managers assign panels and decide, and evaluators declare conflicts and score."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from incubator import access
from incubator.auth.models import User
from incubator.errors import DomainError, PermissionDenied
from incubator.i18n import gettext as _
from incubator.organizations.models import Document
from incubator.parks.models import Park
from incubator.reviews import scoring
from incubator.reviews import service as review_service
from incubator.reviews.models import (
    DECISION_LABELS,
    DEFAULT_DIMENSIONS,
    OPEN_STATUSES,
    PANEL_LABELS,
    Anchor,
    Indicator,
    Review,
    ReviewAssignment,
)
from incubator.roles import Role
from incubator.web import current, flash, form_data, paginate, path_int, redirect, render, status_for


async def review_list(request: Request) -> Response:
    principal = current(request)
    reviews = access.scope(Review, principal).select_related("organization__park")
    show = request.query_params.get("show", "open")
    if show != "all":
        reviews = reviews.filter(status__in=list(OPEN_STATUSES))
    page = await paginate(request, reviews.order_by("due_on", "id").distinct())
    mine = {}
    if principal.is_(Role.EVALUATOR):
        mine = {a.review_id: a for a in await ReviewAssignment.filter(
            evaluator_id=principal.id, review_id__in=[r.id for r in page.rows])}
    return render(request, "reviews/list.html", {"reviews": page.rows, "page": page, "show": show, "mine": mine})


async def _page_context(principal, review: Review, errors: dict | None = None, values: dict | None = None) -> dict:
    await review.fetch_related("organization__park")
    managing = principal.manages(review.organization.park_id)
    assignments = await ReviewAssignment.filter(review_id=review.id).select_related("evaluator").order_by("panel", "id")
    mine = next((a for a in assignments if a.evaluator_id == principal.id), None)
    # Blind scoring: an evaluator sees the others' scores only after submitting their own;
    # the organization sees the result once it is decided.
    if principal.is_(Role.EVALUATOR):
        show_scores = mine is not None and mine.submitted_at is not None
    elif principal.is_(Role.MEMBER):
        show_scores = review.decision is not None
    else:
        show_scores = True
    evaluators = await User.filter(role=Role.EVALUATOR, is_active=True).order_by("display_name") if managing else []
    indicators = await Indicator.filter(review_id=review.id)
    return {
        "review": review, "managing": managing, "assignments": assignments, "mine": mine,
        "show_scores": show_scores, "result": await scoring.compute(review) if show_scores else None,
        "indicators": indicators, "indicator_rows": range(min(len(indicators) + 2, scoring.MAX_INDICATORS)),
        "documents": await Document.filter(review_id=review.id),
        "evaluators": evaluators, "panels": [(p.value, _(label)) for p, label in PANEL_LABELS.items()],
        "decisions": [(d.value, _(label)) for d, label in DECISION_LABELS.items()],
        "decision_labels": DECISION_LABELS, "panel_labels": PANEL_LABELS,
        "is_open": review.status in OPEN_STATUSES,
        "unscored": await scoring.unscored(review) if managing else [],
        "can_add_evidence": await access.can(principal, review.organization) and not principal.is_(Role.EVALUATOR),
        "errors": errors or {}, "values": values or {},
    }


async def review_detail(request: Request) -> Response:
    principal = current(request)
    review = await access.get_or_404(Review, principal, id=path_int(request, "id"))
    return render(request, "reviews/detail.html", await _page_context(principal, review))


async def _review_action(request: Request, action) -> Response:
    principal = current(request)
    review = await access.get_or_404(Review, principal, "change", id=path_int(request, "id"))
    data = await form_data(request)
    try:
        await action(principal, review, data)
    except DomainError as exc:
        context = await _page_context(principal, review, exc.errors, data)
        return render(request, "reviews/detail.html", context, status_code=status_for(exc))
    return flash(request, redirect(request, f"/reviews/{review.id}"), _("Saved."))


async def review_assign(request: Request) -> Response:
    return await _review_action(request, scoring.assign)


async def review_indicators(request: Request) -> Response:
    return await _review_action(request, scoring.set_indicators)


async def review_decide(request: Request) -> Response:
    return await _review_action(request, scoring.decide)


async def review_evidence(request: Request) -> Response:
    principal = current(request)
    review = await access.get_or_404(Review, principal, id=path_int(request, "id"))
    form = await request.form()
    title = form.get("title")
    try:
        await scoring.add_evidence(principal, review, title if isinstance(title, str) else "", form.get("file"),
                                   request.app.state.settings)
    except PermissionDenied:
        raise
    except DomainError as exc:
        return flash(request, redirect(request, f"/reviews/{review.id}#evidence"),
                     "; ".join(exc.errors.values()), "error")
    finally:
        await form.close()
    return flash(request, redirect(request, f"/reviews/{review.id}#evidence"), _("The document has been uploaded."))


async def _assignment_action(request: Request, action) -> Response:
    principal = access.require_role(current(request), Role.EVALUATOR)
    assignment = await access.get_or_404(ReviewAssignment, principal, "change", id=path_int(request, "id"))
    data = await form_data(request)
    try:
        await action(principal, assignment, data)
    except DomainError as exc:
        review = await Review.get(id=assignment.review_id)
        context = await _page_context(principal, review, exc.errors, data)
        return render(request, "reviews/detail.html", context, status_code=status_for(exc))
    return flash(request, redirect(request, f"/reviews/{assignment.review_id}"), _("Saved."))


async def assignment_conflict(request: Request) -> Response:
    return await _assignment_action(request, scoring.declare_conflict)


async def assignment_score(request: Request) -> Response:
    return await _assignment_action(request, scoring.submit_scores)


async def assignment_lift_conflict(request: Request) -> Response:
    """A park manager lifts an evaluator's declared conflict, with a reason."""
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    assignment = await access.get_or_404(ReviewAssignment, principal, id=path_int(request, "id"))
    review = await access.get_or_404(Review, principal, "change", id=assignment.review_id)
    data = await form_data(request)
    try:
        await scoring.lift_conflict(principal, assignment, data)
    except DomainError as exc:
        context = await _page_context(principal, review, exc.errors, {**data, "lift_id": str(assignment.id)})
        return render(request, "reviews/detail.html", context, status_code=status_for(exc))
    return flash(request, redirect(request, f"/reviews/{review.id}#panels"), _("The conflict of interest is lifted."))


async def plan_page(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    park = await access.get_or_404(Park, principal, "change", id=path_int(request, "id"))
    plan = await review_service.plan_for(park)
    values = {}
    for index, m in enumerate(plan):
        values |= {f"code_{index}": m.code, f"name_zh_{index}": m.name_zh, f"name_en_{index}": m.name_en,
                   f"anchor_{index}": Anchor(m.anchor).value, f"amount_{index}": str(m.amount),
                   f"threshold_{index}": str(m.pass_threshold),
                   f"dimensions_{index}": review_service.dimensions_text(m.dimensions)}
    values[f"dimensions_{len(plan)}"] = review_service.dimensions_text(DEFAULT_DIMENSIONS)
    values[f"threshold_{len(plan)}"] = "60"
    return render(request, "reviews/plan.html", _plan_context(park, values, {}, len(plan) + 1))


def _plan_context(park: Park, values: dict, errors: dict, rows: int) -> dict:
    return {"park": park, "values": values, "errors": errors,
            "rows": range(min(rows, review_service.MAX_MILESTONES)),
            "anchors": [("admission", _("months after admission")), ("term", _("percent of the term"))]}


async def plan_save(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    park = await access.get_or_404(Park, principal, "change", id=path_int(request, "id"))
    data = await form_data(request)
    try:
        await review_service.save_plan(principal, park, data)
    except DomainError as exc:
        return render(request, "reviews/plan.html",
                      _plan_context(park, data, exc.errors, review_service.MAX_MILESTONES), status_code=400)
    return flash(request, redirect(request, f"/parks/{park.id}"), _("The review plan has been saved."))


routes = [
    Route("/parks/{id:int}/review-plan", plan_page, methods=["GET"], name="reviews:plan"),
    Route("/parks/{id:int}/review-plan", plan_save, methods=["POST"], name="reviews:plan_save"),
    Route("/reviews", review_list, methods=["GET"], name="reviews:list"),
    Route("/reviews/{id:int}", review_detail, methods=["GET"], name="reviews:detail"),
    Route("/reviews/{id:int}/assign", review_assign, methods=["POST"], name="reviews:assign"),
    Route("/reviews/{id:int}/indicators", review_indicators, methods=["POST"], name="reviews:indicators"),
    Route("/reviews/{id:int}/evidence", review_evidence, methods=["POST"], name="reviews:evidence"),
    Route("/reviews/{id:int}/decide", review_decide, methods=["POST"], name="reviews:decide"),
    Route("/assignments/{id:int}/conflict", assignment_conflict, methods=["POST"], name="reviews:conflict"),
    Route("/assignments/{id:int}/score", assignment_score, methods=["POST"], name="reviews:score"),
    Route("/assignments/{id:int}/lift-conflict", assignment_lift_conflict, methods=["POST"],
          name="reviews:lift_conflict"),
]
