"""Flags the reviews capability raises: a review due within N days, or overdue."""

from __future__ import annotations

from datetime import date, timedelta

from incubator.flags.service import Wanted, named
from incubator.reviews.models import OPEN_STATUSES, Review

DUE_WITHIN_DAYS = 14


async def review_flags(today: date) -> list[Wanted]:
    reviews = Review.filter(status__in=list(OPEN_STATUSES), due_on__lte=today + timedelta(days=DUE_WITHIN_DAYS))
    return [
        Wanted("review_overdue" if due_on < today else "review_due", "Review", review_id, park_id, org_id,
               period=due_on.isoformat(), due_on=due_on,
               details={**named(org_name, org_name_en), "review": name_zh, "review_en": name_en})
        for review_id, due_on, name_zh, name_en, org_id, park_id, org_name, org_name_en in await reviews.values_list(
            "id", "due_on", "name_zh", "name_en", "organization_id", "organization__park_id", "organization__name_zh",
            "organization__name_en")
    ]
