"""What the booking pages show: their templates' inputs, typed, in one place (plus the base context
every page has: request, principal, user, csrf_token, locale, nav, today, flashes)."""

from __future__ import annotations

from dataclasses import dataclass

from incubator.booking.grid import Week
from incubator.booking.models import Booking, BookingRules
from incubator.parks.models import Park, Space


@dataclass
class WeekPage:  # booking/week.html (block "grid" for htmx)
    space: Space
    park: Park
    rules: BookingRules
    week: Week
    may_book: bool  # free slots link to the booking form


@dataclass
class BookPage:  # booking/form.html
    space: Space
    park: Park
    rules: BookingRules
    organizations: list[tuple[str, str]]  # a manager's choice (value, label); empty for a member
    values: dict[str, str]
    errors: dict[str, str]


@dataclass
class BookingsPage:  # booking/list.html
    bookings: list[Booking]  # with space and organization, soonest first
    cancellable: set[int]  # ids the viewer may cancel now (service.cancel_allowed)
    needs_reason: bool  # a manager says why
    spaces: list[Space]  # the bookable spaces the viewer may book, each a link to its week
