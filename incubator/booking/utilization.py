"""Utilization of the bookable spaces (issue 11): how much of the time a space is open the park's
organizations booked, and how much of it they used (checked in), per space and per park, for a week
(Monday to Sunday) or a calendar month of days where the users are (clock.zone()).

What counts, for a period of whole local days [first, after):

- Open hours: each day, the space's opening hours of that weekday (`Space.opening_hours`, read as
  the booking form reads them: service.opening_on), none on a public holiday. They are the opening
  hours the space has now: neither their history nor the day the space was added is kept.
- Blocked hours: confirmed bookings without an organization, the time managers blocked (a room held
  by another capability, a training session, is in use: it counts as booked). Blocked
  time is left out of both sides: it is not the organizations' use, and they could not book it.
  So the rates are measured against the *bookable hours*, open hours less blocked hours; the blocked
  hours are shown beside them.
- Booked hours: confirmed bookings of an organization, and the time training sessions hold, those
  still to come in the period included.
  Pending, cancelled and rejected bookings do not count. A booking released because nobody checked
  in counts apart (no-shows and their hours), not as booked.
- Checked-in hours: the booked hours of the bookings checked in (each booking's whole length).
- Rates: booked hours and checked-in hours against bookable hours; none when nothing was bookable.
  A booking outside the space's present opening hours (hours changed since) still counts, so a
  rate can pass 100 %.

A booking counts with the part of it inside the period (the booking form keeps a booking within
one local day, but the time zone of a deployment can change). The database sums the durations: one
aggregate query, grouped by space, whatever the number of bookings; it reads the bookings through
the (space_id, starts_at) index, the start bounded from below by the longest hold as the grid's
queries are. A park's figures are the sum of its active bookable spaces' figures.

Who sees them: administrators and officials every park's, managers their parks'. `park_report`
checks it; `park_utilization` (for the dashboards) takes park ids its caller has already scoped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta
from enum import StrEnum
from typing import Any

from msgspec import Struct
from tortoise.expressions import Q

from incubator import access, workdays
from incubator.access import Principal
from incubator.booking.models import LONGEST_HOLD, Booking, BookingStatus
from incubator.booking.slots import local_instant, opening_on
from incubator.errors import NotFound
from incubator.i18n import gettext as _
from incubator.parks.models import Park, Space
from incubator.roles import Role

VIEWERS = (Role.ADMIN, Role.OFFICIAL, Role.MANAGER)


class PeriodKind(StrEnum):
    WEEK = "week"  # Monday to Sunday
    MONTH = "month"  # a calendar month


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    first: date  # its first day
    after: date  # the day after its last

    @classmethod
    def containing(cls, kind: PeriodKind, day: date) -> Period:
        if kind == PeriodKind.MONTH:
            first = day.replace(day=1)
            return cls(kind, first, workdays.add_months(first, 1))
        monday = day - timedelta(days=day.weekday())
        return cls(kind, monday, monday + timedelta(days=7))

    @property
    def last(self) -> date:
        return self.after - timedelta(days=1)

    @property
    def previous(self) -> Period:
        return Period.containing(self.kind, self.first - timedelta(days=1))

    @property
    def next(self) -> Period:
        return Period.containing(self.kind, self.after)


def _hours(minutes: int) -> float:
    return round(minutes / 60, 2)


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole > 0 else None


class Figures(Struct, frozen=True, kw_only=True):
    """The figures of a space, or of a park (the sum of its spaces'), for one period, in minutes."""

    open_minutes: int = 0
    blocked_minutes: int = 0  # confirmed bookings without an organization nor a holder (booking.held_by)
    booked_minutes: int = 0  # confirmed bookings of an organization
    checked_in_minutes: int = 0  # those of them checked in
    no_shows: int = 0  # bookings released because nobody checked in
    no_show_minutes: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(open_minutes=self.open_minutes + other.open_minutes,
                       blocked_minutes=self.blocked_minutes + other.blocked_minutes,
                       booked_minutes=self.booked_minutes + other.booked_minutes,
                       checked_in_minutes=self.checked_in_minutes + other.checked_in_minutes,
                       no_shows=self.no_shows + other.no_shows,
                       no_show_minutes=self.no_show_minutes + other.no_show_minutes)

    @property
    def bookable_minutes(self) -> int:
        """The open time the organizations could book: the open time less the blocked time."""
        return max(self.open_minutes - self.blocked_minutes, 0)

    @property
    def booked_rate(self) -> float | None:
        """Booked hours against bookable hours, in percent (one decimal); None when none was bookable."""
        return _percent(self.booked_minutes, self.bookable_minutes)

    @property
    def checked_in_rate(self) -> float | None:
        return _percent(self.checked_in_minutes, self.bookable_minutes)

    def cells(self) -> tuple[float | int | None, ...]:
        """The figures as the page and the workbook show them, in their columns' order: open,
        blocked, bookable, booked and checked-in hours, no-shows and their hours, then the two rates
        (percent, RATES)."""
        return (_hours(self.open_minutes), _hours(self.blocked_minutes), _hours(self.bookable_minutes),
                _hours(self.booked_minutes), _hours(self.checked_in_minutes), self.no_shows,
                _hours(self.no_show_minutes), self.booked_rate, self.checked_in_rate)


RATES = 2  # the last cells are percentages


def total(figures: Iterable[Figures]) -> Figures:
    result = Figures()
    for item in figures:
        result += item
    return result


def open_minutes(space: Space, days: Iterable[date], holidays: frozenset[date] = frozenset(),
                 lengths: dict[tuple[date, tuple[time, time]], int] | None = None) -> int:
    """The minutes `space` is open on `days` by its opening hours, none on the `holidays`.
    `lengths` keeps each (day, opening hours)'s minutes for the next space with the same hours."""
    minutes = 0
    known = {} if lengths is None else lengths
    weekdays: dict[int, tuple[time, time] | None] = {}
    for day in days:
        if day in holidays:
            continue
        weekday = day.weekday()
        if weekday not in weekdays:
            weekdays[weekday] = opening_on(space, day)
        opening = weekdays[weekday]
        if opening is None:
            continue
        length = known.get((day, opening))
        if length is None:
            # As instants, like the bookings: a day that changes its clock (elsewhere than China) counts right.
            span = local_instant(day, opening[1]) - local_instant(day, opening[0])
            length = known[(day, opening)] = max(int(span.total_seconds() // 60), 0)
        minutes += length
    return minutes


def _holidays(days: Iterable[date]) -> frozenset[date]:
    return frozenset(day for day in days if workdays.is_public_holiday(day))


def counted_as_booked() -> Q:
    """The bookings the booked hours count, as a filter (the bookings list behind the figure):
    confirmed, of an organization or held by another capability. `_aggregate_sql` sums the same."""
    return Q(Q(organization_id__isnull=False) | ~Q(held_by=""), status=BookingStatus.CONFIRMED)


def counted_as_no_show() -> Q:
    """The no-shows the figures count: an organization's bookings released because nobody checked in."""
    return Q(status=BookingStatus.RELEASED, organization_id__isnull=False)


def _aggregate_sql(dialect: str, spaces: int) -> str:
    """The statement summing the bookings' minutes per space. Its parameters, numbered (both
    dialects reuse a numbered parameter): 1 the period's start, 2 its end, 3 the start less the
    longest hold, 4 "confirmed", 5 "released", then the space ids."""
    if dialect == "sqlite":
        mark = "?"
        # julianday() reads the stored text, offset included: days as a real number.
        seconds = "ROUND((MIN(julianday(ends_at), julianday(?2)) - MAX(julianday(starts_at), julianday(?1))) * 86400)"
    else:
        mark = "$"
        seconds = "ROUND(EXTRACT(EPOCH FROM LEAST(ends_at, $2) - GREATEST(starts_at, $1)))"

    def minutes(condition: str) -> str:
        return f"CAST(ROUND(COALESCE(SUM(CASE WHEN {condition} THEN {seconds} END), 0) / 60.0) AS INTEGER)"

    confirmed, released = f"status = {mark}4", f"status = {mark}5"
    organization = "organization_id IS NOT NULL"
    # A room another capability holds (a training session: `held_by`) is in use, not blocked.
    empty = "''"
    space_ids = ", ".join(f"{mark}{n}" for n in range(6, 6 + spaces))
    # Every value comes as a parameter; the text is made of this function's constants only.
    return (
        f"SELECT space_id, "  # noqa: S608
        f"{minutes(f'{confirmed} AND organization_id IS NULL AND held_by = {empty}')} AS blocked_minutes, "
        f"{minutes(f'{confirmed} AND ({organization} OR held_by <> {empty})')} AS booked_minutes, "
        f"{minutes(f'{confirmed} AND {organization} AND checked_in_at IS NOT NULL')} AS checked_in_minutes, "
        f"COUNT(CASE WHEN {released} AND {organization} THEN 1 END) AS no_shows, "
        f"{minutes(f'{released} AND {organization}')} AS no_show_minutes "
        f'FROM "{Booking._meta.db_table}" '
        f"WHERE space_id IN ({space_ids}) AND status IN ({mark}4, {mark}5) "
        f"AND starts_at < {mark}2 AND starts_at > {mark}3 AND ends_at > {mark}1 "
        f"GROUP BY space_id"
    )


async def _booking_figures(space_ids: list[int], first: date, after: date) -> dict[int, dict[str, int]]:
    """Per space, the minutes of its bookings inside [first, after) by kind, summed by the database
    (one query; spaces without such bookings are absent)."""
    if not space_ids:
        return {}
    start, end = local_instant(first, time()), local_instant(after, time())
    connection: Any = Booking._meta.db
    sql = _aggregate_sql(connection.capabilities.dialect, len(space_ids))
    values = [start, end, start - LONGEST_HOLD, BookingStatus.CONFIRMED.value, BookingStatus.RELEASED.value,
              *space_ids]
    rows = await connection.execute_query_dict(sql, values)
    return {row["space_id"]: {name: int(value or 0) for name, value in row.items() if name != "space_id"}
            for row in rows}


async def spaces_figures(spaces: list[Space], first: date, after: date) -> dict[int, Figures]:
    """Each space's figures for [first, after), by space id: one query (none without spaces)."""
    days = [first + timedelta(days=n) for n in range((after - first).days)]
    holidays = _holidays(days)
    booked = await _booking_figures([space.id for space in spaces], first, after)
    lengths: dict[tuple[date, tuple[time, time]], int] = {}  # most spaces keep the same hours
    return {space.id: Figures(open_minutes=open_minutes(space, days, holidays, lengths), **booked.get(space.id, {}))
            for space in spaces}


def _counted_spaces(park_ids: list[int]) -> Any:
    """The spaces whose figures count: active and bookable."""
    return Space.filter(park_id__in=park_ids, bookable=True, is_active=True).only(
        "id", "park_id", "name", "opening_hours").order_by("name", "id")


async def park_utilization(park_ids: list[int], first: date, after: date) -> dict[int, Figures]:
    """Each park's figures for the days [first, after), by park id (every id asked for; zeros for a
    park without bookable spaces): the sum of its active bookable spaces'. Two queries, whatever
    the number of parks, spaces and bookings. The caller has checked that its principal may see
    them (`may_view`)."""
    spaces = list(await _counted_spaces(park_ids)) if park_ids else []
    figures = await spaces_figures(spaces, first, after)
    parks: dict[int, Figures] = {park_id: Figures() for park_id in park_ids}
    for space in spaces:
        parks[space.park_id] += figures[space.id]
    return parks


def may_view(principal: Principal, park_id: int) -> bool:
    """Administrators and officials see every park's figures; managers their parks'."""
    return principal.is_(Role.ADMIN, Role.OFFICIAL) or (principal.is_(Role.MANAGER) and park_id in principal.park_ids)


@dataclass(frozen=True)
class Report:
    """A park's utilization page and workbook: one row a space, and the park's total."""

    park: Park
    period: Period
    rows: list[tuple[Space, Figures]]  # the active bookable spaces, by name
    total: Figures


async def park_report(principal: Principal, park_id: int, period: Period) -> Report:
    """The figures of a park's spaces for `period`, if the principal may see them: members and
    evaluators are refused (PermissionDenied), a manager asking for another park's finds nothing
    (NotFound), as for a park that does not exist. Three queries."""
    access.require_role(principal, *VIEWERS)
    park = await access.get_or_404(Park, principal, id=park_id)
    if not may_view(principal, park.id):
        raise NotFound(_("Not found."))
    spaces = list(await _counted_spaces([park.id]))
    figures = await spaces_figures(spaces, period.first, period.after)
    rows = [(space, figures[space.id]) for space in spaces]
    return Report(park, period, rows, total(f for _space, f in rows))
