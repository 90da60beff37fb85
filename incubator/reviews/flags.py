"""Flags the reviews capability raises: a review due within N days, or overdue."""

from __future__ import annotations

from datetime import date, timedelta

from incubator.flags.service import Wanted
from incubator.reviews.models import OPEN_STATUSES, Review

DUE_WITHIN_DAYS = 14


async def review_flags(today: date) -> list[Wanted]:
    wanted: list[Wanted] = []
    reviews = await Review.filter(status__in=list(OPEN_STATUSES),
                                  due_on__lte=today + timedelta(days=DUE_WITHIN_DAYS)).select_related("organization")
    for review in reviews:
        org = review.organization
        kind = "review_overdue" if review.due_on < today else "review_due"
        wanted.append(Wanted(kind, "Review", review.id, org.park_id, org.id, period=review.due_on.isoformat(),
                             due_on=review.due_on, details={"organization": org.name_zh, "review": review.name_zh,
                                                             "review_en": review.name_en}))
    return wanted
