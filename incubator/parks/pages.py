"""What each park page shows: its template's inputs, typed, in one place.

Routes build these and hand them to `web.render`; a template reads exactly these fields (plus
the base context every page has: request, principal, user, csrf_token, locale, nav, today,
flashes)."""

from __future__ import annotations

from dataclasses import dataclass

from incubator.access import Account
from incubator.capability import ParkFigure, ParkLink, SpaceLink
from incubator.parks.models import Park, Space


@dataclass
class ParksPage:  # parks/list.html (its "results" block answers the search box's htmx requests)
    parks: list[Park]  # each with `figures`, [(ParkFigure, n)] (service.attach_figures)
    q: str  # the search text
    figures: list[ParkFigure]  # the columns the figures fill
    actions: dict[int, frozenset[str]]  # park id → service.park_actions
    may_create: bool


@dataclass
class ParkPage:  # parks/detail.html
    park: Park
    actions: frozenset[str]  # service.park_actions
    spaces: list[Space]
    space_actions: dict[int, frozenset[str]]  # space id → service.space_actions
    hours: dict[int, list[str]]  # space id → its opening hours in runs of days (service.opening_hours_summary)
    managers: list[Account]  # the park's managers the principal may know of
    links: list[ParkLink]  # other capabilities' pages about this park, for this principal


@dataclass
class SpacePage:  # parks/space.html
    space: Space
    park: Park
    actions: frozenset[str]  # service.space_actions
    hours: list[str]  # its opening hours in runs of days (service.opening_hours_summary)
    links: list[SpaceLink]  # other capabilities' pages about this space (its week, booking), for this principal


@dataclass
class ParkFormPage:  # parks/form.html
    park: Park | None  # None: a new park
    values: dict[str, str]
    errors: dict[str, str]
    classify: bool  # the form has the kind and status fields (park_actions "classify"; a new park: always)
    kinds: list[tuple[str, str]]  # (code, label)


@dataclass
class SpaceFormPage:  # parks/space_form.html
    park: Park
    space: Space | None  # None: a new space
    values: dict[str, str]
    errors: dict[str, str]
    kinds: list[tuple[str, str]]  # (code, label)
    weekdays: list[tuple[str, str]]  # (day, label): the rows of opening hours
