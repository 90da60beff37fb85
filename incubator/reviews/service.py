"""Review plans and the reviews scheduled from them. Due dates are working days."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date, timedelta

from tortoise.expressions import Subquery

from incubator import events
from incubator.access import Principal, require_role
from incubator.audit import service as audit
from incubator.calendar.service import overrides as calendar_overrides
from incubator.i18n import gettext as _
from incubator.organizations.events import StageChanged
from incubator.organizations.models import RESIDENT_STAGES, Agreement, Organization, Stage
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
from incubator.roles import Role
from incubator.validation import Checker
from incubator.workdays import add_months, next_working_day


async def plan_for(park: Park) -> list[Milestone]:
    """The park's review plan, created from the defaults the first time it is needed."""
    milestones = await Milestone.filter(park_id=park.id).order_by("sort", "id")
    if milestones:
        return milestones
    async with events.transaction():
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


async def schedule_missing(settings: object = None) -> dict:
    """The scheduled job's half of `on_stage_changed`: residents holding an agreement and no review
    (the process stopped between the admission and its reaction) get their plan's reviews."""
    with_reviews = Review.all().values("organization_id")
    waiting = await Agreement.filter(ended_on__isnull=True, organization__stage__in=list(RESIDENT_STAGES)).exclude(
        organization_id__in=Subquery(with_reviews)).values_list("organization_id", flat=True)
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

MAX_MILESTONES = 8


def parse_dimensions(check: Checker, name: str) -> list[dict]:
    """One dimension per line: "基础条件 | Basic conditions | weight | maximum"."""
    dimensions = []
    for number, line in enumerate(check.raw(name).splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        if len(parts) != 4 or not parts[0] or not parts[2].isdigit() or not parts[3].isdigit():
            check.fail(name, _("Line %(n)s: write “Chinese name | English name | weight | maximum score”.", n=number))
            continue
        weight, maximum = int(parts[2]), int(parts[3])
        if not (1 <= weight <= 100 and 1 <= maximum <= 100):
            check.fail(name, _("Line %(n)s: weight and maximum are between 1 and 100.", n=number))
            continue
        dimensions.append({"name_zh": parts[0][:60], "name_en": parts[1][:80], "weight": weight, "max": maximum})
    if not dimensions and name not in check.errors:
        check.fail(name, _("A scorecard needs at least one dimension."))
    return dimensions


def dimensions_text(dimensions: list[dict]) -> str:
    return "\n".join(f"{d['name_zh']} | {d.get('name_en', '')} | {d['weight']} | {d['max']}" for d in dimensions)


async def save_plan(principal: Principal, park: Park, data: Mapping[str, str]) -> list[Milestone]:
    """Rows name_zh_N, name_en_N, anchor_N, amount_N, threshold_N, dimensions_N, code_N. A row
    without a name is removed. Reviews already scheduled keep their own copy of the plan."""
    require_role(principal, Role.ADMIN, Role.MANAGER)
    check = Checker(data)
    rows = []
    for index in range(MAX_MILESTONES):
        name = check.text(f"name_zh_{index}", 60)
        if not name:
            continue
        anchor = check.choice(f"anchor_{index}", Anchor)
        limit = 60 if anchor == Anchor.ADMISSION else 100
        rows.append({
            "code": check.raw(f"code_{index}")[:40] or f"custom_{secrets.token_hex(3)}",
            "name_zh": name, "name_en": check.text(f"name_en_{index}", 80), "anchor": anchor,
            "amount": check.integer(f"amount_{index}", minimum=0, maximum=limit, required=True),
            "pass_threshold": check.integer(f"threshold_{index}", minimum=0, maximum=100, required=True),
            "dimensions": parse_dimensions(check, f"dimensions_{index}"), "sort": index,
        })
    if not rows:
        check.fail("name_zh_0", _("Keep at least one milestone."))
    if len({r["code"] for r in rows}) != len(rows):
        check.fail("name_zh_0", _("Two rows are the same milestone."))
    check.done()
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
