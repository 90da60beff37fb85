"""Review plans and the reviews scheduled from them. Due dates are working days."""

from __future__ import annotations

from datetime import date, timedelta

from tortoise.transactions import in_transaction

from incubator.calendar.service import overrides as calendar_overrides
from incubator.organizations.models import Agreement, Organization
from incubator.parks.models import Park
from incubator.reviews.models import (
    DEFAULT_DIMENSIONS,
    DEFAULT_MILESTONES,
    OPEN_STATUSES,
    Anchor,
    Milestone,
    Review,
    ReviewStatus,
)
from incubator.workdays import add_months, next_working_day


async def plan_for(park: Park) -> list[Milestone]:
    """The park's review plan, created from the defaults the first time it is needed."""
    milestones = await Milestone.filter(park_id=park.id).order_by("sort", "id")
    if milestones:
        return milestones
    async with in_transaction():
        if not await Milestone.filter(park_id=park.id).exists():
            await Milestone.bulk_create([
                Milestone(park_id=park.id, code=code, name_zh=zh, name_en=en, anchor=anchor, amount=amount,
                          dimensions=DEFAULT_DIMENSIONS, pass_threshold=60, sort=index)
                for index, (code, zh, en, anchor, amount) in enumerate(DEFAULT_MILESTONES)
            ])
    return await Milestone.filter(park_id=park.id).order_by("sort", "id")


def due_date(anchor: Anchor, amount: int, start: date, end: date, holidays: dict[date, bool]) -> date:
    """The first working day on or after the milestone's date."""
    if anchor == Anchor.ADMISSION:
        day = add_months(start, amount)
    else:
        day = start + timedelta(days=round((end - start).days * amount / 100))
    return next_working_day(day, holidays)


async def schedule(organization: Organization, agreement: Agreement) -> list[Review]:
    """Creates the organization's reviews from its park's plan (inside the caller's transaction)."""
    park = await Park.get(id=organization.park_id)
    holidays = await calendar_overrides()
    reviews = [
        Review(organization_id=organization.id, milestone_id=m.id, code=m.code, name_zh=m.name_zh,
               name_en=m.name_en, anchor=m.anchor, amount=m.amount, dimensions=m.dimensions,
               pass_threshold=m.pass_threshold,
               due_on=due_date(Anchor(m.anchor), m.amount, agreement.start_on, agreement.end_on, holidays))
        for m in await plan_for(park)
    ]
    await Review.bulk_create(reviews)
    return reviews


async def reschedule(organization_id: int) -> int:
    """After the term changed (an extension), moves the open reviews that hang on the term.
    Runs inside the caller's transaction; returns how many moved."""
    agreement = await Agreement.filter(organization_id=organization_id, ended_on__isnull=True).first()
    organization = await Organization.get(id=organization_id)
    if agreement is None:
        return 0
    end = organization.term_end_on or agreement.end_on
    holidays = await calendar_overrides()
    moved = 0
    for review in await Review.filter(organization_id=organization_id, anchor=Anchor.TERM,
                                      status__in=list(OPEN_STATUSES)):
        due = due_date(Anchor.TERM, review.amount, agreement.start_on, end, holidays)
        if due != review.due_on:
            await Review.filter(id=review.id).update(due_on=due)
            moved += 1
    return moved


async def cancel_open(organization_id: int) -> int:
    """The organization left the path (graduated or exited): its open reviews are cancelled."""
    return await Review.filter(organization_id=organization_id, status__in=list(OPEN_STATUSES)).update(
        status=ReviewStatus.CANCELLED)
