"""Rules for parks and spaces. Each public function is one transaction with its audit entry."""

from __future__ import annotations

import re
from collections.abc import Mapping

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from incubator import capability
from incubator.access import Principal, require_role
from incubator.audit import service as audit
from incubator.errors import ValidationFailed
from incubator.i18n import gettext
from incubator.i18n import gettext as _
from incubator.parks.models import WEEKDAY_LABELS, WEEKDAYS, Park, ParkKind, Space, SpaceKind
from incubator.roles import Role
from incubator.validation import Checker

PARK_FIELDS = [
    "kind", "name_zh", "name_en", "theme", "address", "floor_area_m2",
    "resident_slots", "operator", "description", "is_active",
    "agreement_terms", "registration_due_months", "accepts_applications",
]
SPACE_FIELDS = [
    "kind", "name", "capacity", "area_m2", "opening_hours", "bookable", "needs_approval", "is_active",
]


def _agreement_terms(check: Checker) -> list[int]:
    """"6, 12, 24" (any separator) → [6, 12, 24]: the incubation terms a park offers, in months."""
    raw = check.raw("agreement_terms")
    if not raw:
        return [6, 12, 24]
    parts = [p for p in re.split(r"[\s,，、;；/]+", raw) if p]
    try:
        terms = sorted({int(p) for p in parts})
    except ValueError:
        check.fail("agreement_terms", _("List the terms in months, for example: 6, 12, 24."))
        return []
    if not terms or terms[0] < 1 or terms[-1] > 60:
        check.fail("agreement_terms", _("Each term is between 1 and 60 months."))
    return terms


async def _clean_park(data: Mapping[str, str], park: Park | None, *, admin: bool) -> dict[str, object]:
    check = Checker(data)
    values: dict[str, object] = {
        "name_zh": check.text("name_zh", 100, required=True),
        "name_en": check.text("name_en", 150),
        "theme": check.text("theme", 200),
        "address": check.text("address", 300),
        "floor_area_m2": check.integer("floor_area_m2", minimum=1, maximum=1_000_000),
        "resident_slots": check.integer("resident_slots", minimum=0, maximum=10_000) or 0,
        "operator": check.text("operator", 200),
        "description": check.text("description", 5000),
        "agreement_terms": _agreement_terms(check),
        "registration_due_months": check.integer("registration_due_months", minimum=1, maximum=60) or 6,
        "accepts_applications": check.flag("accepts_applications"),
    }
    # Only administrators decide what kind a park is and whether it is open.
    if admin:
        values["kind"] = check.choice("kind", ParkKind)
        values["is_active"] = check.flag("is_active") if park is not None else True
    name = values["name_zh"]
    if name and await Park.filter(name_zh=name).exclude(id=park.id if park else 0).exists():
        check.fail("name_zh", _("Another park already has this name."))
    if admin and values.get("kind") == ParkKind.HUB:
        if await Park.filter(kind=ParkKind.HUB).exclude(id=park.id if park else 0).exists():
            check.fail("kind", _("The district already has a hub service center."))
    check.done()
    return values


def _integrity_error_for_park(exc: IntegrityError) -> ValidationFailed:
    text = str(exc)
    if "hub" in text:
        return ValidationFailed({"kind": _("The district already has a hub service center.")})
    return ValidationFailed({"name_zh": _("Another park already has this name.")})


async def create_park(principal: Principal, data: Mapping[str, str]) -> Park:
    require_role(principal, Role.ADMIN)
    values = await _clean_park(data, None, admin=True)
    try:
        async with in_transaction():
            park = await Park.create(**values)
            await audit.record(principal, "create", park, audit.diff({}, audit.snapshot(park, PARK_FIELDS)))
    except IntegrityError as exc:
        # The check above races with other writers; the unique indexes decide.
        raise _integrity_error_for_park(exc) from None
    return park


async def update_park(principal: Principal, park: Park, data: Mapping[str, str]) -> Park:
    """The caller has fetched `park` through the change scope (admin or its manager)."""
    values = await _clean_park(data, park, admin=principal.is_(Role.ADMIN))
    try:
        async with in_transaction():
            await audit.save_and_record(principal, park, values, PARK_FIELDS)
    except IntegrityError as exc:
        raise _integrity_error_for_park(exc) from None
    return park


def _opening_hours(check: Checker) -> dict[str, list[str] | None]:
    hours: dict[str, list[str] | None] = {}
    for day in WEEKDAYS:
        opens = check.time_of_day(f"open_{day}")
        closes = check.time_of_day(f"close_{day}")
        if opens is None and closes is None:
            hours[day] = None
        elif opens is None or closes is None:
            check.fail(f"open_{day}", _("Give both the opening and the closing time, or neither."))
            hours[day] = None
        elif closes <= opens:
            check.fail(f"open_{day}", _("The closing time must be after the opening time."))
            hours[day] = None
        else:
            hours[day] = [opens, closes]
    return hours


async def _clean_space(data: Mapping[str, str], park: Park, space: Space | None) -> dict[str, object]:
    check = Checker(data)
    values: dict[str, object] = {
        "kind": check.choice("kind", SpaceKind),
        "name": check.text("name", 100, required=True),
        "capacity": check.integer("capacity", minimum=1, maximum=10_000, required=True),
        "area_m2": check.integer("area_m2", minimum=1, maximum=100_000),
        "opening_hours": _opening_hours(check),
        "bookable": check.flag("bookable"),
        "needs_approval": check.flag("needs_approval"),
        "is_active": check.flag("is_active") if space is not None else True,
    }
    if values["needs_approval"] and not values["bookable"]:
        check.fail("needs_approval", _("Only a bookable space can need approval."))
    if values["bookable"] and not any(values["opening_hours"].values()):  # type: ignore[union-attr]
        check.fail("bookable", _("A bookable space needs opening hours on at least one day."))
    name = values["name"]
    if name and await Space.filter(park_id=park.id, name=name).exclude(id=space.id if space else 0).exists():
        check.fail("name", _("This park already has a space with this name."))
    check.done()
    return values


async def create_space(principal: Principal, park: Park, data: Mapping[str, str]) -> Space:
    """The caller has fetched `park` through the change scope."""
    values = await _clean_space(data, park, None)
    try:
        async with in_transaction():
            space = await Space.create(park_id=park.id, **values)
            await audit.record(
                principal, "create", space, audit.diff({}, audit.snapshot(space, SPACE_FIELDS))
            )
    except IntegrityError:
        raise ValidationFailed({"name": _("This park already has a space with this name.")}) from None
    return space


async def update_space(principal: Principal, space: Space, data: Mapping[str, str]) -> Space:
    park = await Park.get(id=space.park_id)
    values = await _clean_space(data, park, space)
    try:
        async with in_transaction():
            await audit.save_and_record(principal, space, values, SPACE_FIELDS)
    except IntegrityError:
        raise ValidationFailed({"name": _("This park already has a space with this name.")}) from None
    return space


async def attach_figures(parks: list[Park]) -> list[Park]:
    """Sets `figures`, [(ParkFigure, n)], on each park: one grouped query per declared figure
    (spaces here, organizations from their capability…) for any number of parks."""
    ids = [park.id for park in parks]
    counted = [(figure, await figure.count(ids)) for figure in capability.park_figures()]
    for park in parks:
        park.figures = [(figure, counts.get(park.id, 0)) for figure, counts in counted]  # type: ignore[attr-defined]
    return parks


async def count_spaces(park_ids: list[int]) -> dict[int, int]:
    return dict(await Space.filter(park_id__in=park_ids, is_active=True).group_by("park_id").annotate(
        n=Count("id")).values_list("park_id", "n"))


def opening_hours_summary(hours: dict[str, list[str] | None]) -> list[str]:
    """Consecutive days with the same hours, joined: ["Monday–Friday 08:30–17:30", ...]."""
    runs: list[tuple[str, str, list[str]]] = []
    for day in WEEKDAYS:
        span = (hours or {}).get(day)
        if span and runs and runs[-1][2] == span and WEEKDAYS.index(runs[-1][1]) == WEEKDAYS.index(day) - 1:
            runs[-1] = (runs[-1][0], day, span)
        elif span:
            runs.append((day, day, span))
    summary = []
    for first, last, span in runs:
        days = gettext(WEEKDAY_LABELS[first])
        if last != first:
            days = _("%(first)s to %(last)s", first=days, last=gettext(WEEKDAY_LABELS[last]))
        summary.append(f"{days} {span[0]}–{span[1]}")
    return summary


def space_form_values(space: Space | None) -> dict[str, str]:
    """A space as the strings its form shows."""
    if space is None:
        return {"kind": SpaceKind.MEETING_ROOM.value, "capacity": "", "bookable": ""}
    values = {
        "kind": str(space.kind.value if hasattr(space.kind, "value") else space.kind),
        "name": space.name,
        "capacity": str(space.capacity),
        "area_m2": "" if space.area_m2 is None else str(space.area_m2),
        "bookable": "on" if space.bookable else "",
        "needs_approval": "on" if space.needs_approval else "",
        "is_active": "on" if space.is_active else "",
    }
    for day in WEEKDAYS:
        hours = (space.opening_hours or {}).get(day)
        values[f"open_{day}"] = hours[0] if hours else ""
        values[f"close_{day}"] = hours[1] if hours else ""
    return values


def park_form_values(park: Park | None) -> dict[str, str]:
    if park is None:
        return {"kind": ParkKind.PARK.value, "resident_slots": "0", "agreement_terms": "6, 12, 24",
                "registration_due_months": "6", "accepts_applications": "on"}
    return {
        "kind": str(park.kind.value if hasattr(park.kind, "value") else park.kind),
        "name_zh": park.name_zh,
        "name_en": park.name_en,
        "theme": park.theme,
        "address": park.address,
        "floor_area_m2": "" if park.floor_area_m2 is None else str(park.floor_area_m2),
        "resident_slots": str(park.resident_slots),
        "operator": park.operator,
        "description": park.description,
        "is_active": "on" if park.is_active else "",
        "agreement_terms": ", ".join(str(t) for t in park.agreement_terms),
        "registration_due_months": str(park.registration_due_months),
        "accepts_applications": "on" if park.accepts_applications else "",
    }
