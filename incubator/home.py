"""Each role's home page: what that role has to do next, then the parks.

An evaluator sees the reviews waiting for their scores; a district official the approvals
waiting for them and the district's headline figures; a member their organization's next
review, open flags and funding; managers and administrators the applications, approvals and
flags of their parks. Every query goes through the access scopes; the number of queries does
not grow with the data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from starlette.requests import Request
from starlette.responses import Response
from tortoise.expressions import Q
from tortoise.functions import Count, Sum

from incubator import access, clock
from incubator.access import Principal
from incubator.flags import service as flag_service
from incubator.flags.models import Flag
from incubator.flags.service import label as flag_label
from incubator.funding import service as funding
from incubator.funding.models import Fund, Grant, GrantStatus, Tranche, TrancheStatus
from incubator.organizations.models import RESIDENT_STAGES, STAGE_LABELS, Organization, Stage
from incubator.parks.models import Park, Space
from incubator.parks.service import attach_figures
from incubator.reviews import service as review_service
from incubator.reviews.models import OPEN_STATUSES, Review, ReviewAssignment
from incubator.roles import Role
from incubator.web import current, render

LIST_LIMIT = 10


@dataclass
class Headline:
    """The district's figures, as an official reads them first."""

    by_stage: list[tuple[str, str, int]] = field(default_factory=list)
    residents: int = 0
    graduated_this_year: int = 0
    budget_fen: int = 0
    committed_fen: int = 0
    disbursed_fen: int = 0
    overdue_reviews: int = 0


async def _flags(principal: Principal, **filters) -> tuple[list[Flag], int]:
    flags = access.scope(Flag, principal).filter(resolved_at__isnull=True, **filters)
    return (await flags.only(*flag_service.LIST_COLUMNS).order_by("due_on", "id").limit(LIST_LIMIT),
            await flags.count())


async def _headline(principal: Principal, today: date) -> Headline:
    organizations = access.scope(Organization, principal)
    # Two queries, each answered from an index: counting this year's graduations in the stage query
    # (COUNT(CASE …)) reads every organization's row instead, 16 ms for a city.
    counts = dict(await organizations.group_by("stage").annotate(n=Count("id")).values_list("stage", "n"))
    headline = Headline(
        by_stage=[(stage.value, label, counts.get(stage.value, 0)) for stage, label in STAGE_LABELS.items()
                  if counts.get(stage.value)],
        residents=sum(counts.get(stage.value, 0) for stage in RESIDENT_STAGES),
        graduated_this_year=await organizations.filter(graduated_on__gte=date(today.year, 1, 1)).count(),
        overdue_reviews=await access.scope(Review, principal).filter(status__in=list(OPEN_STATUSES),
                                                                     due_on__lt=today).count(),
    )
    totals = await access.scope(Fund, principal).filter(valid_to__gte=today).annotate(
        budget=Sum("budget_fen"), committed=Sum("committed_fen"), disbursed=Sum("disbursed_fen")).values(
        "budget", "committed", "disbursed")
    if totals:
        headline.budget_fen = totals[0]["budget"] or 0
        headline.committed_fen = totals[0]["committed"] or 0
        headline.disbursed_fen = totals[0]["disbursed"] or 0
    return headline


async def _approvals(principal: Principal) -> dict:
    """Proposed grants waiting for this principal (funding decides which), the first of them and how many."""
    grants = funding.awaiting_approval(principal)
    return {"approvals": await grants.select_related("organization").order_by("proposed_at", "id").limit(LIST_LIMIT),
            "approval_count": await grants.count()}


async def _evaluator_context(principal: Principal, today: date) -> dict:
    waiting = access.scope(ReviewAssignment, principal).filter(
        Q(conflict__isnull=True) | Q(conflict=False), submitted_at__isnull=True, review__status__in=list(OPEN_STATUSES))
    pending = await waiting.select_related("review__organization").order_by("review__due_on", "id").limit(LIST_LIMIT)
    done = await access.scope(ReviewAssignment, principal).filter(submitted_at__isnull=False).count()
    overdue = {a.id for a in pending if review_service.is_overdue(a.review, today)}
    return {"to_score": pending, "to_score_count": await waiting.count(), "scored_count": done,
            "overdue_assignments": overdue}


async def _member_context(principal: Principal, today: date) -> dict:
    organization = await access.get_or_404(Organization, principal, id=principal.organization_id)
    reviews = access.scope(Review, principal).filter(organization_id=organization.id)
    grants = await access.scope(Grant, principal).filter(organization_id=organization.id).exclude(
        status=GrantStatus.CANCELLED).order_by("-created_at").limit(LIST_LIMIT)
    next_tranches = {t.grant_id: t for t in await access.scope(Tranche, principal).filter(
        grant_id__in=[g.id for g in grants], status__in=[TrancheStatus.PENDING, TrancheStatus.READY,
                                                           TrancheStatus.HELD]).order_by("-sequence")}
    flags, flag_count = await _flags(principal, organization_id=organization.id)
    next_review = await reviews.filter(status__in=list(OPEN_STATUSES)).order_by("due_on", "id").first()
    return {
        "organization": organization,
        "next_review": next_review,
        "next_review_overdue": next_review is not None and review_service.is_overdue(next_review, today),
        "last_decided": await reviews.filter(decision__isnull=False).order_by("-decided_at").first(),
        "grants": grants, "next_tranches": next_tranches,
        "flags": flags, "flag_count": flag_count, "flag_parks": await flag_service.parks_of(flags),
    }


async def _manager_context(principal: Principal) -> dict:
    applications = access.scope(Organization, principal, "change").filter(
        stage__in=[Stage.APPLIED, Stage.SCREENING])
    return {
        "applications": await applications.select_related("park").order_by("created_at", "id").limit(LIST_LIMIT),
        "application_count": await applications.count(),
        **await _approvals(principal),
    }


async def home(request: Request) -> Response:
    principal = current(request)
    today = clock.today()
    context: dict = {"today": today, "label": flag_label, "managed_park_ids": principal.park_ids,
                     "role": principal.role.value}
    if principal.is_(Role.EVALUATOR):
        context |= await _evaluator_context(principal, today)
    elif principal.is_(Role.MEMBER):
        context |= await _member_context(principal, today)
    else:
        flags, flag_count = await _flags(principal)
        context |= {"flags": flags, "flag_count": flag_count, "flag_parks": await flag_service.parks_of(flags),
                    "headline": await _headline(principal, today)}
        if principal.is_(Role.OFFICIAL):
            context |= await _approvals(principal)
        else:
            context |= await _manager_context(principal)
    if not principal.is_(Role.MEMBER, Role.EVALUATOR):
        context["parks"] = await attach_figures(await access.scope(Park, principal).filter(is_active=True).order_by(
            "id"))
        context["space_count"] = await access.scope(Space, principal).filter(is_active=True).count()
    return render(request, "home.html", context)
