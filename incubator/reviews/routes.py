"""Review pages: the list (an evaluator's assignments, a manager's open reviews) and one review,
where managers assign panels and decide, and evaluators declare conflicts and score."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from incubator import access, clock, i18n
from incubator.access import Principal
from incubator.errors import DomainError, PermissionDenied
from incubator.i18n import gettext as _
from incubator.organizations import service as organizations_service
from incubator.organizations.models import Document
from incubator.pagecache import cached
from incubator.parks.models import Park
from incubator.reviews import forms, scoring
from incubator.reviews import service as review_service
from incubator.reviews.models import (
    DECISION_LABELS,
    DEFAULT_DIMENSIONS,
    FACT_LABELS,
    OPEN_STATUSES,
    PANEL_LABELS,
    Anchor,
    Indicator,
    Review,
    ReviewAssignment,
    ReviewFact,
    ReviewStatus,
)
from incubator.reviews.pages import PlanPage, ReviewListPage, ReviewPage
from incubator.roles import Role
from incubator.web import (
    current,
    export,
    export_routes,
    flash,
    form_data,
    form_errors,
    paginate,
    path_int,
    query_int,
    query_text,
    redirect_to,
    render,
    status_for,
)
from incubator.workdays import month_range

SHOWS = ("open", "all", "due", "overdue", "decided")


def _listed(request: Request, principal: Principal) -> tuple[Any, dict[str, str]]:
    """The reviews the list's filters choose: open (the default), all, due in some months (not
    cancelled), overdue today, or decided in some months; of a park; of a service domain's
    organizations (the dashboards link here with them)."""
    reviews = access.scope(Review, principal)
    params = {name: query_text(request, name) for name in ("show", "park", "domain", "months")}
    show = params["show"] if params["show"] in SHOWS else "open"
    params["show"] = show
    span = month_range(params["months"])
    if show == "open":
        reviews = reviews.filter(status__in=list(OPEN_STATUSES))
    elif show == "overdue":
        reviews = reviews.filter(status__in=list(OPEN_STATUSES), due_on__lt=clock.today())
    elif show == "due":
        reviews = reviews.exclude(status=ReviewStatus.CANCELLED)
        if span is not None:
            reviews = reviews.filter(due_on__gte=span[0], due_on__lt=span[1])
    elif show == "decided":
        reviews = reviews.filter(status=ReviewStatus.DECIDED)
        if span is not None:
            reviews = reviews.filter(decided_at__gte=clock.local_instant(span[0]),
                                     decided_at__lt=clock.local_instant(span[1]))
    park_id, domain_id = query_int(request, "park", minimum=1), query_int(request, "domain", minimum=1)
    if park_id is not None:
        reviews = reviews.filter(organization__park_id=park_id)
    if domain_id is not None:
        reviews = reviews.filter(organization_id__in=organizations_service.in_domain(domain_id))
    return reviews, {k: v for k, v in params.items() if v}


async def review_list(request: Request) -> Response:
    principal = current(request)
    reviews, params = _listed(request, principal)
    page = await paginate(request, reviews.select_related("organization__park").order_by("due_on", "id"),
                          deferred=True)
    # The principal's own part in each review, when they are an evaluator on it.
    mine = {a.review_id: a for a in await access.scope(ReviewAssignment, principal).filter(
        evaluator_id=principal.id, review_id__in=[r.id for r in page.rows])}
    overdue = frozenset(r.id for r in page.rows if review_service.is_overdue(r))
    return render(request, "reviews/list.html", ReviewListPage(page.rows, page, params["show"], mine, overdue,
                                                               params, urlencode(params)))


async def _review_export(request: Request, kind: str) -> Response:
    """The list as filtered, every row, as .xlsx or CSV (streamed as read)."""
    principal = current(request)
    reviews, _params = _listed(request, principal)
    ids: list[int] = list(await reviews.order_by("due_on", "id").values_list("id", flat=True))
    headers = [_("Review"), _("Organization"), _("Park"), _("Due date"), _("Status"), _("Decision"), _("Decided")]
    locale = i18n.current_locale()

    async def rows_of(chunk: list[int]) -> dict[int, tuple[object, ...]]:
        return {r.id: (r.display_name(locale), r.organization.display_name(locale),
                       r.organization.park.display_name(locale), r.due_on, r.status_label, r.decision_label,
                       r.decided_at) for r in await Review.filter(id__in=chunk).select_related("organization__park")}

    return await export(kind, _("Reviews"), headers, ids, rows_of)


async def _review_page(principal: Principal, review: Review, errors: dict | None = None,
                       values: dict | None = None) -> ReviewPage:
    """The review's page; after a wrong form, its errors with what was typed."""
    await review.fetch_related("organization__park")
    park_id = review.organization.park_id
    assignments = await access.scope(ReviewAssignment, principal).filter(review_id=review.id).select_related(
        "evaluator").order_by("panel", "id")
    mine = next((a for a in assignments if a.evaluator_id == principal.id), None)
    actions = await scoring.review_actions(principal, review, review.organization, mine)
    indicators = await access.scope(Indicator, principal).filter(review_id=review.id).order_by("id")
    return ReviewPage(
        review=review, actions=actions, assignments=assignments, mine=mine,
        assignment_actions={a.id: scoring.assignment_actions(principal, a, review, park_id) for a in assignments},
        result=await scoring.compute(review) if "view_result" in actions else None,
        indicators=indicators, indicator_rows=range(min(len(indicators) + 2, forms.MAX_INDICATORS)),
        documents=await access.scope(Document, principal).filter(review_id=review.id).order_by("id"),
        facts=[(fact.occurred_at, _(FACT_LABELS.get(fact.kind, fact.kind), **fact.details))
               for fact in await access.scope(ReviewFact, principal).filter(review_id=review.id).order_by(
                   "occurred_at").limit(100)],
        evaluators=await scoring.evaluator_options() if "assign" in actions else [],
        panels=[(p.value, _(label)) for p, label in PANEL_LABELS.items()],
        decisions=[(d.value, _(label)) for d, label in DECISION_LABELS.items()],
        unscored=await scoring.unscored(review) if "decide" in actions else [],
        errors=errors or {}, values=values or {},
    )


async def review_detail(request: Request) -> Response:
    principal = current(request)
    review = await access.get_or_404(Review, principal, id=path_int(request, "id"))
    return render(request, "reviews/detail.html", await _review_page(principal, review))


async def _review_action(request: Request, action) -> Response:
    principal = current(request)
    review = await access.get_or_404(Review, principal, "change", id=path_int(request, "id"))
    data = await form_data(request)
    try:
        await action(principal, review, data)
    except DomainError as exc:
        page = await _review_page(principal, review, form_errors(exc, forms.FIELDS), data)
        return render(request, "reviews/detail.html", page, status_code=status_for(exc))
    return flash(request, redirect_to(request, "reviews:detail", id=review.id), _("Saved."))


async def review_assign(request: Request) -> Response:
    return await _review_action(request, lambda p, r, d: scoring.assign(p, r, forms.assign(d)))


async def review_indicators(request: Request) -> Response:
    return await _review_action(request, lambda p, r, d: scoring.set_indicators(p, r, forms.set_indicators(d)))


async def review_decide(request: Request) -> Response:
    return await _review_action(request, lambda p, r, d: scoring.decide(p, r, forms.decide(d)))


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
    except DomainError as exc:  # the page again, the refusal on the upload form, the title kept
        page = await _review_page(principal, review, {"evidence": "; ".join(exc.errors.values())},
                                  {"evidence_title": title or ""})
        return render(request, "reviews/detail.html", page, status_code=status_for(exc))
    finally:
        await form.close()
    return flash(request, redirect_to(request, "reviews:detail", id=review.id, fragment="evidence"),
                 _("The document has been uploaded."))


async def _assignment_action(request: Request, action) -> Response:
    """The evaluator's own assignment (fetched through the change scope): declare, then score."""
    principal = access.require_role(current(request), Role.EVALUATOR)
    assignment = await access.get_or_404(ReviewAssignment, principal, "change", id=path_int(request, "id"))
    review = await access.get_or_404(Review, principal, id=assignment.review_id)
    data = await form_data(request)
    try:
        await action(principal, assignment, review, data)
    except DomainError as exc:
        page = await _review_page(principal, review, form_errors(exc, forms.FIELDS), data)
        return render(request, "reviews/detail.html", page, status_code=status_for(exc))
    return flash(request, redirect_to(request, "reviews:detail", id=review.id), _("Saved."))


async def assignment_conflict(request: Request) -> Response:
    return await _assignment_action(
        request, lambda p, a, r, d: scoring.declare_conflict(p, a, forms.declare_conflict(d)))


async def assignment_score(request: Request) -> Response:
    return await _assignment_action(
        request, lambda p, a, r, d: scoring.submit_scores(p, a, forms.submit_scores(d, len(r.dimensions))))


async def assignment_lift_conflict(request: Request) -> Response:
    """A park manager lifts an evaluator's declared conflict, with a reason."""
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    assignment = await access.get_or_404(ReviewAssignment, principal, id=path_int(request, "id"))
    review = await access.get_or_404(Review, principal, "change", id=assignment.review_id)
    data = await form_data(request)
    try:
        await scoring.lift_conflict(principal, assignment, forms.lift_conflict(data))
    except DomainError as exc:
        page = await _review_page(principal, review, form_errors(exc, forms.LIFT_FIELDS),
                                  {**data, "lift_id": str(assignment.id)})
        return render(request, "reviews/detail.html", page, status_code=status_for(exc))
    return flash(request, redirect_to(request, "reviews:detail", id=review.id, fragment="panels"),
                 _("The conflict of interest is lifted."))


def _plan_page(park: Park, values: dict, errors: dict, rows: int) -> PlanPage:
    return PlanPage(park, values, errors, range(min(rows, forms.MAX_MILESTONES)),
                    [("admission", _("months after admission")), ("term", _("percent of the term"))])


async def plan_page(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    park = await access.get_or_404(Park, principal, "change", id=path_int(request, "id"))
    plan = await review_service.plan_for(park) or review_service.default_plan(park.id)  # offered, not stored
    values: dict[str, str] = {}
    for index, m in enumerate(plan):
        values |= {f"code_{index}": m.code, f"name_zh_{index}": m.name_zh, f"name_en_{index}": m.name_en,
                   f"anchor_{index}": Anchor(m.anchor).value, f"amount_{index}": str(m.amount),
                   f"threshold_{index}": str(m.pass_threshold),
                   f"dimensions_{index}": forms.dimensions_text(m.dimensions)}
    values[f"dimensions_{len(plan)}"] = forms.dimensions_text(DEFAULT_DIMENSIONS)
    values[f"threshold_{len(plan)}"] = "60"
    return render(request, "reviews/plan.html", _plan_page(park, values, {}, len(plan) + 1))


async def plan_save(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    park = await access.get_or_404(Park, principal, "change", id=path_int(request, "id"))
    data = await form_data(request)
    try:
        await review_service.save_plan(principal, park, forms.save_plan(data))
    except DomainError as exc:
        return render(request, "reviews/plan.html",
                      _plan_page(park, data, form_errors(exc, forms.FIELDS), forms.MAX_MILESTONES), status_code=400)
    return flash(request, redirect_to(request, "parks:detail", id=park.id), _("The review plan has been saved."))


routes = [
    Route("/parks/{id:int}/review-plan", plan_page, methods=["GET"], name="reviews:plan"),
    Route("/parks/{id:int}/review-plan", plan_save, methods=["POST"], name="reviews:plan_save"),
    Route("/reviews", cached(review_list), methods=["GET"], name="reviews:list"),
    *export_routes("/reviews/export", "reviews:export", _review_export),
    Route("/reviews/{id:int}", cached(review_detail), methods=["GET"], name="reviews:detail"),
    Route("/reviews/{id:int}/assign", review_assign, methods=["POST"], name="reviews:assign"),
    Route("/reviews/{id:int}/indicators", review_indicators, methods=["POST"], name="reviews:indicators"),
    Route("/reviews/{id:int}/evidence", review_evidence, methods=["POST"], name="reviews:evidence"),
    Route("/reviews/{id:int}/decide", review_decide, methods=["POST"], name="reviews:decide"),
    Route("/assignments/{id:int}/conflict", assignment_conflict, methods=["POST"], name="reviews:conflict"),
    Route("/assignments/{id:int}/score", assignment_score, methods=["POST"], name="reviews:score"),
    Route("/assignments/{id:int}/lift-conflict", assignment_lift_conflict, methods=["POST"],
          name="reviews:lift_conflict"),
]
