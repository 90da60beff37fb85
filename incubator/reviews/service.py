"""Review plans and the reviews scheduled from them. Due dates are working days; a review still
open after its due date is overdue (`is_overdue`, which every page asks)."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery

from incubator import clock, db, events
from incubator.access import Principal, require_role
from incubator.audit import service as audit
from incubator.booking.events import NoShowRecorded
from incubator.calendar.service import overrides as calendar_overrides
from incubator.errors import ValidationFailed
from incubator.i18n import gettext as _
from incubator.organizations.events import StageChanged
from incubator.organizations.models import RESIDENT_STAGES, Agreement, Organization, Stage
from incubator.parks.events import ParkCreated
from incubator.parks.models import Park
from incubator.reviews.commands import SavePlan
from incubator.reviews.models import (
    DEFAULT_DIMENSIONS,
    DEFAULT_MILESTONES,
    NO_SHOW_FACT,
    OPEN_STATUSES,
    Anchor,
    Milestone,
    Review,
    ReviewFact,
    ReviewStatus,
)
from incubator.roles import Role
from incubator.workdays import add_months, next_working_day


async def plan_for(park: Park) -> list[Milestone]:
    """The park's review plan (read only: pages never write)."""
    return await Milestone.filter(park_id=park.id).order_by("sort", "id")


def default_plan(park_id: int) -> list[Milestone]:
    """The default review plan, unsaved: what a park starts with, and what its plan page offers
    a park that has none."""
    return [Milestone(park_id=park_id, code=code, name_zh=zh, name_en=en, anchor=anchor, amount=amount,
                      dimensions=DEFAULT_DIMENSIONS, pass_threshold=60, sort=index)
            for index, (code, zh, en, anchor, amount) in enumerate(DEFAULT_MILESTONES)]


async def ensure_plan(park_id: int) -> list[Milestone]:
    """The park's review plan, seeded from the defaults if it has none: when a park is created (the
    ParkCreated subscription), and before scheduling or an edit for a park created otherwise."""
    async with events.transaction():
        if not await Milestone.filter(park_id=park_id).exists():
            await Milestone.bulk_create(default_plan(park_id))
    return await Milestone.filter(park_id=park_id).order_by("sort", "id")


async def on_park_created(event: ParkCreated) -> None:
    await ensure_plan(event.park_id)


def due_date(anchor: Anchor, amount: int, start: date, end: date, holidays: dict[date, bool]) -> date:
    """The first working day on or after the milestone's date."""
    if anchor == Anchor.ADMISSION:
        day = add_months(start, amount)
    else:
        day = start + timedelta(days=round((end - start).days * amount / 100))
    return next_working_day(day, holidays)


def is_overdue(review: Review, today: date | None = None) -> bool:
    """Still open after its due date: the lists and the organization page mark it."""
    return review.overdue_on(today or clock.today())


async def schedule(organization: Organization, agreement: Agreement) -> list[Review]:
    """Creates the organization's reviews from its park's plan (inside the caller's transaction)."""
    park = await Park.get(id=organization.park_id)
    holidays = await calendar_overrides()
    reviews = [
        Review(organization_id=organization.id, milestone_id=m.id, code=m.code, name_zh=m.name_zh,
               name_en=m.name_en, anchor=m.anchor, amount=m.amount, dimensions=m.dimensions,
               pass_threshold=m.pass_threshold,
               due_on=due_date(Anchor(m.anchor), m.amount, agreement.start_on, agreement.end_on, holidays))
        for m in await ensure_plan(park.id)
    ]
    await Review.bulk_create(reviews)
    return reviews


async def schedule_if_missing(organization_id: int) -> list[Review]:
    """The organization's reviews from its park's plan, if it holds an agreement and has none yet
    (idempotent: admission, an import, or the repairing job may ask twice)."""
    agreement = await Agreement.filter(organization_id=organization_id, ended_on__isnull=True).order_by(
        "-start_on", "-id").first()
    if agreement is None or await Review.filter(organization_id=organization_id).exists():
        return []
    organization = await Organization.get(id=organization_id)
    async with events.transaction():
        return await schedule(organization, agreement)


async def on_stage_changed(event: StageChanged) -> None:
    """After an organization moved: admitted (or imported as a resident) → its reviews are scheduled;
    extended → reviews on the term move; graduated or exited → open reviews are cancelled."""
    target = Stage(event.target)
    if target in (Stage.GRADUATED, Stage.EXITED):
        await cancel_open(event.organization_id)
    elif target == Stage.EXTENDED:
        await reschedule(event.organization_id)
    elif target in RESIDENT_STAGES:
        await schedule_if_missing(event.organization_id)


async def on_no_show(event: NoShowRecorded) -> None:
    """A no-show at a booked room is evidence on the organization's next open review (the earliest
    due); kept once per booking. An organization without an open review has nothing to add it to:
    its no-shows stay on its page."""
    review_id = await Review.filter(organization_id=event.organization_id, status__in=list(OPEN_STATUSES)).order_by(
        "due_on", "id").first().values_list("id", flat=True)
    if review_id is None:
        return
    try:
        async with events.transaction():
            fact = await ReviewFact.create(review_id=review_id, kind=NO_SHOW_FACT, key=f"booking:{event.booking_id}",
                                           occurred_at=event.starts_at, details={"space": event.space_name})
            await audit.record(None, "create", fact, {"review_id": [None, review_id], "kind": [None, NO_SHOW_FACT]})
    except IntegrityError:
        pass  # already recorded (the event was delivered twice)


async def schedule_missing(settings: object = None) -> dict:
    """The scheduled job's half of `on_stage_changed`: residents holding an agreement and no review
    (the process stopped between the admission and its reaction) get their plan's reviews."""
    with_reviews = Review.all().values("organization_id")
    waiting = await db.flat(Agreement.filter(
        ended_on__isnull=True, organization__stage__in=list(RESIDENT_STAGES)).exclude(
        organization_id__in=Subquery(with_reviews)).values_list("organization_id", flat=True))
    scheduled = 0
    for organization_id in sorted(set(waiting)):
        scheduled += bool(await schedule_if_missing(organization_id))
    return {"scheduled": scheduled}


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


# ---- editing the plan -------------------------------------------------------------------------------

# The longest a milestone may wait after admission, in months (the others are percents of the term).
MAX_MONTHS = 60


def _plan_problems(command: SavePlan) -> dict[str, str]:
    errors: dict[str, str] = {}
    for index, milestone in enumerate(command.milestones):
        limit = MAX_MONTHS if milestone.anchor == Anchor.ADMISSION else 100
        if not 0 <= milestone.amount <= limit:
            errors[f"milestones[{index}].amount"] = _("Enter a number of at most %(n)s.", n=limit)
        if not milestone.dimensions:
            errors[f"milestones[{index}].dimensions"] = _("A scorecard needs at least one dimension.")
    codes = [m.code for m in command.milestones if m.code]
    if not command.milestones:
        errors["milestones"] = _("Keep at least one milestone.")
    elif len(set(codes)) != len(codes):
        errors["milestones"] = _("Two rows are the same milestone.")
    return errors


async def save_plan(principal: Principal, park: Park, command: SavePlan) -> list[Milestone]:
    """Replaces the park's plan with the command's milestones, in order: a milestone without a
    code is new, one left out is removed. Reviews already scheduled keep their own copy of the plan."""
    require_role(principal, Role.ADMIN, Role.MANAGER)
    errors = _plan_problems(command)
    if errors:
        raise ValidationFailed(errors)
    rows: list[dict[str, Any]] = [{
        "code": m.code or f"custom_{secrets.token_hex(3)}", "name_zh": m.name_zh, "name_en": m.name_en,
        "anchor": m.anchor, "amount": m.amount, "pass_threshold": m.pass_threshold, "sort": index,
        "dimensions": [{"name_zh": d.name_zh, "name_en": d.name_en, "weight": d.weight, "max": d.maximum}
                       for d in m.dimensions],
    } for index, m in enumerate(command.milestones)]
    before = [(m.code, m.name_zh, m.anchor, m.amount, m.pass_threshold) for m in await plan_for(park)]
    async with events.transaction():
        kept = [r["code"] for r in rows]
        await Milestone.filter(park_id=park.id).exclude(code__in=kept).delete()
        for row in rows:
            updated = await Milestone.filter(park_id=park.id, code=row["code"]).update(**row)
            if not updated:
                await Milestone.create(park_id=park.id, **row)
        after = [(r["code"], r["name_zh"], r["anchor"], r["amount"], r["pass_threshold"]) for r in rows]
        await audit.record(principal, "update", park, {"review_plan": [before, after]})
    return await Milestone.filter(park_id=park.id).order_by("sort", "id")
