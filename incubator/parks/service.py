"""Rules for parks and spaces. Each public function is one transaction with its audit entry.

Services take typed commands (`commands.py`), never request data, and say what a principal may
do with a park or a space now (`park_actions`, `space_actions`), so no page repeats a rule."""

from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count

from incubator import access, capability, events
from incubator.access import Principal, require_role
from incubator.audit import service as audit
from incubator.errors import ValidationFailed
from incubator.i18n import gettext
from incubator.i18n import gettext as _
from incubator.parks.commands import CreatePark, ParkDetails, SpaceDetails, UpdatePark
from incubator.parks.events import ParkCreated
from incubator.parks.models import WEEKDAY_LABELS, WEEKDAYS, Park, ParkKind, Space
from incubator.roles import Role

PARK_FIELDS = [
    "kind", "name_zh", "name_en", "theme", "address", "floor_area_m2",
    "resident_slots", "operator", "description", "is_active",
    "agreement_terms", "registration_due_months", "accepts_applications",
]
SPACE_FIELDS = [
    "kind", "name", "capacity", "area_m2", "opening_hours", "bookable", "needs_approval", "is_active",
]


# ---- what a principal may do -----------------------------------------------------------------------


async def named(principal: Principal, park_id: int | None) -> Park | None:
    """The park a list is narrowed to (its name heads the list), if the principal sees it: names only."""
    if park_id is None:
        return None
    return await access.scope(Park, principal).filter(id=park_id).only("id", "name_zh", "name_en").first()


def may_create_parks(principal: Principal) -> bool:
    return principal.is_(Role.ADMIN)


def park_actions(principal: Principal, park: Park) -> frozenset[str]:
    """What `principal` may do with `park` now: "edit" its details, "add_space", "classify" (set its
    kind and whether it is open), read its "history". Links to other capabilities' pages about the
    park are theirs to show (capability.ParkLink)."""
    actions = set()
    if principal.manages(park.id):
        actions |= {"edit", "add_space"}
    if principal.is_(Role.ADMIN):
        actions.add("classify")
    if principal.is_(Role.ADMIN, Role.OFFICIAL):  # the audit trail's readers (audit/rules.py)
        actions.add("history")
    return frozenset(actions)


def space_actions(principal: Principal, space: Space) -> frozenset[str]:
    return frozenset({"edit"}) if principal.manages(space.park_id) else frozenset()


# ---- parks -----------------------------------------------------------------------------------------


def _park_values(command: ParkDetails) -> dict[str, Any]:
    values = {name: getattr(command, name) for name in ParkDetails.__struct_fields__}
    values["agreement_terms"] = sorted(set(command.agreement_terms))
    return values


async def _check_park(command: CreatePark | UpdatePark, park: Park | None) -> None:
    errors = {}
    others = Park.exclude(id=park.id) if park else Park.all()
    if await others.filter(name_zh=command.name_zh).exists():
        errors["name_zh"] = _("Another park already has this name.")
    if command.kind == ParkKind.HUB and await others.filter(kind=ParkKind.HUB).exists():
        errors["kind"] = _("The district already has a hub service center.")
    if errors:
        raise ValidationFailed(errors)


def _integrity_error_for_park(exc: IntegrityError) -> ValidationFailed:
    # PostgreSQL names the violated index (…hub…), SQLite the column (park.kind).
    text = str(exc)
    if "hub" in text or "park.kind" in text:
        return ValidationFailed({"kind": _("The district already has a hub service center.")})
    return ValidationFailed({"name_zh": _("Another park already has this name.")})


async def create_park(principal: Principal, command: CreatePark) -> Park:
    require_role(principal, Role.ADMIN)
    await _check_park(command, None)
    try:
        async with events.transaction():
            park = await Park.create(kind=command.kind, is_active=True, **_park_values(command))
            await audit.record(principal, "create", park, audit.diff({}, audit.snapshot(park, PARK_FIELDS)))
            events.emit(ParkCreated(park_id=park.id))
    except IntegrityError as exc:
        # The check above races with other writers; the unique indexes decide.
        raise _integrity_error_for_park(exc) from None
    return park


async def update_park(principal: Principal, park: Park, command: UpdatePark) -> Park:
    """The caller has fetched `park` through the change scope (admin or its manager); only an
    administrator changes its kind or status."""
    if command.kind is not None or command.is_active is not None:
        require_role(principal, Role.ADMIN)
    await _check_park(command, park)
    values = _park_values(command)
    if command.kind is not None:
        values["kind"] = command.kind
    if command.is_active is not None:
        values["is_active"] = command.is_active
    try:
        async with events.transaction():
            await audit.save_and_record(principal, park, values, PARK_FIELDS)
    except IntegrityError as exc:
        raise _integrity_error_for_park(exc) from None
    return park


# ---- spaces ----------------------------------------------------------------------------------------


async def _checked_space_values(command: SpaceDetails, park_id: int, space: Space | None) -> dict[str, Any]:
    errors = {}
    if command.needs_approval and not command.bookable:
        errors["needs_approval"] = _("Only a bookable space can need approval.")
    if command.bookable and not command.opening_hours.any_open():
        errors["bookable"] = _("A bookable space needs opening hours on at least one day.")
    if await Space.filter(park_id=park_id, name=command.name).exclude(id=space.id if space else 0).exists():
        errors["name"] = _("This park already has a space with this name.")
    if errors:
        raise ValidationFailed(errors)
    return {"kind": command.kind, "name": command.name, "capacity": command.capacity, "area_m2": command.area_m2,
            "opening_hours": command.opening_hours.as_stored(), "bookable": command.bookable,
            "needs_approval": command.needs_approval, "is_active": command.is_active}


async def create_space(principal: Principal, park: Park, command: SpaceDetails) -> Space:
    """The caller has fetched `park` through the change scope."""
    values = await _checked_space_values(command, park.id, None)
    try:
        async with events.transaction():
            space = await Space.create(park_id=park.id, **values)
            await audit.record(
                principal, "create", space, audit.diff({}, audit.snapshot(space, SPACE_FIELDS))
            )
    except IntegrityError:
        raise ValidationFailed({"name": _("This park already has a space with this name.")}) from None
    return space


async def update_space(principal: Principal, space: Space, command: SpaceDetails) -> Space:
    """The caller has fetched `space` through the change scope."""
    values = await _checked_space_values(command, space.park_id, space)
    try:
        async with events.transaction():
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
        park.figures = [(figure, counts.get(park.id, 0)) for figure, counts in counted]
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
