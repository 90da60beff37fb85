"""The reviews section of the organization page (a panel the reviews manifest declares)."""

from __future__ import annotations

from incubator import access, clock
from incubator.access import Principal
from incubator.organizations.models import Organization
from incubator.reviews import service
from incubator.reviews.models import Review


async def organization_reviews(principal: Principal, organization: Organization) -> dict | None:
    reviews = await access.scope(Review, principal).filter(organization_id=organization.id).order_by("due_on", "id")
    if not reviews:
        return None
    today = clock.today()
    return {"rows": [(review, service.is_overdue(review, today)) for review in reviews]}  # (review, overdue)
