"""Milestone reviews in the data API: the decided ones, their results (not their scores or comments)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from msgspec import Meta, Struct
from tortoise.expressions import Subquery

from incubator.apitypes import Id, ListQuery, Moment, columns
from incubator.capability import Resource
from incubator.organizations.models import Organization
from incubator.reviews.models import Decision, Review, ReviewStatus


class ReviewOut(Struct, kw_only=True):
    """A decided milestone review: its result, not its scores or comments."""

    id: int
    organization_id: int
    code: Annotated[str, Meta(description="The milestone's code (onboarding, midterm, graduation…).")]
    name_zh: str
    name_en: str
    attempt: int
    due_on: date
    decision: Decision | None
    decided_at: datetime | None


class ReviewQuery(ListQuery, kw_only=True):
    organization: Id | None = None
    park: Id | None = None
    decided_since: Moment | None = None


async def _decided(rows: Any, q: ReviewQuery) -> Any:
    rows = rows.filter(status=ReviewStatus.DECIDED)
    if q.park is not None:
        rows = rows.filter(organization_id__in=Subquery(Organization.filter(park_id=q.park).values("id")))
    return rows


resources = (
    Resource("/reviews", "listReviews", "Decided milestone reviews", "reviews", ReviewOut, ReviewQuery, model=Review,
             filters={"organization": "organization_id", "decided_since": "decided_at__gte"}, narrow=_decided,
             columns=columns(ReviewOut)),
)
