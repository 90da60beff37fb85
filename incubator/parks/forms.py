"""The park and space forms: submitted text into typed commands (`commands.py`), and back.

Each parser reports every wrongly typed field at once, keyed by the form's input names, and
returns a command only when all of them parse. The rules that need the database (is the name
taken, is there a hub already) or weigh fields together are the services'; the routes show
their errors on the same form through `FIELDS`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time

from incubator.i18n import gettext as _
from incubator.parks.commands import CreatePark, Hours, OpeningHours, SpaceDetails, UpdatePark
from incubator.parks.models import WEEKDAYS, Park, ParkKind, Space, SpaceKind
from incubator.validation import Checker, decode

# Command field → form input, where they differ: a day's hours show beside its opening time.
FIELDS = {f"opening_hours.{day}": f"open_{day}" for day in WEEKDAYS}


# ---- parks -----------------------------------------------------------------------------------------


def _agreement_terms(check: Checker, name: str) -> tuple[int, ...] | None:
    """"6, 12, 24" (any separator) → (6, 12, 24): the incubation terms a park offers, in months."""
    raw = check.raw(name)
    try:
        return tuple(sorted({int(p) for p in re.split(r"[\s,，、;；/]+", raw) if p})) if raw else None
    except ValueError:
        check.fail(name, _("List the terms in months, for example: 6, 12, 24."))
        return None


PARSERS = {"agreement_terms": _agreement_terms}


def create_park(data: Mapping[str, str]) -> CreatePark:
    return decode(CreatePark, data, parsers=PARSERS)


def update_park(data: Mapping[str, str], *, classify: bool) -> UpdatePark:
    """`classify`: the form has the kind and status fields (park_actions "classify"); without
    them the park keeps its kind and status, whatever was sent."""
    if classify:
        return decode(UpdatePark, data, parsers=PARSERS)
    return decode(UpdatePark, data, parsers=PARSERS, kind=None, is_active=None)


def park_values(park: Park | None) -> dict[str, str]:
    """A park as the strings its form shows (a new park: the defaults)."""
    if park is None:
        return {"kind": ParkKind.PARK.value, "resident_slots": "0", "agreement_terms": "6, 12, 24",
                "registration_due_months": "6", "accepts_applications": "on"}
    return {
        "kind": ParkKind(park.kind).value,
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


# ---- spaces ----------------------------------------------------------------------------------------


def _opening_hours(check: Checker) -> OpeningHours:
    days: dict[str, Hours | None] = {}
    for day in WEEKDAYS:
        opens = check.time_of_day(f"open_{day}")
        closes = check.time_of_day(f"close_{day}")
        days[day] = None
        if opens is None and closes is None:
            continue
        if opens is None or closes is None:
            check.fail(f"open_{day}", _("Give both the opening and the closing time, or neither."))
            continue
        try:
            days[day] = Hours(opens=time.fromisoformat(opens), closes=time.fromisoformat(closes))
        except ValueError:
            check.fail(f"open_{day}", _("The closing time must be after the opening time."))
    return OpeningHours(**days)


def space(data: Mapping[str, str], *, existing: bool) -> SpaceDetails:
    """`existing`: the form of a space in use has the "in use" box; a new space is in use."""
    check = Checker(data)
    values = check.read(SpaceDetails, skip=("opening_hours",) if existing else ("opening_hours", "is_active"))
    return check.build(SpaceDetails, values | {"opening_hours": _opening_hours(check)})


def space_values(space: Space | None) -> dict[str, str]:
    """A space as the strings its form shows (a new space: the defaults)."""
    if space is None:
        return {"kind": SpaceKind.MEETING_ROOM.value, "capacity": "", "bookable": ""}
    values = {
        "kind": SpaceKind(space.kind).value,
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

