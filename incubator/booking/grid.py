"""What the week grid of a space shows: each slot of each day, free to book, taken, the viewer's own,
closed or too soon. Who booked a taken slot, and why, is shown only to those who may see that
booking (its organization's members, the park's managers, officials): to everyone else it is taken
time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from incubator import access, clock, db, workdays
from incubator.access import Principal
from incubator.booking.models import ACTIVE_STATUSES, LONGEST_HOLD, Booking, BookingRules, BookingStatus
from incubator.booking.slots import local_instant, opening_on
from incubator.i18n import gettext as _
from incubator.parks.models import Space
from incubator.roles import Role


@dataclass(frozen=True)
class Cell:
    day: date
    start: time
    state: str  # "free", "taken", "pending" (requested, may still be requested), "own", "closed", "past"
    label: str = ""  # the purpose, for a viewer who may see the booking
    who: str = ""  # the booking organization (or blocked time), for managers and officials who see it


@dataclass
class Week:
    monday: date
    days: list[date]
    rows: list[tuple[time, list[Cell]]] = field(default_factory=list)

    @property
    def previous(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.monday + timedelta(days=7)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _times(day: date, first: time, last: time, step: timedelta) -> list[time]:
    """The starts of the slots from `first` until `last`, `step` apart."""
    times, moment = [], datetime.combine(day, first)
    while moment.time() < last and moment.date() == day:
        times.append(moment.time())
        moment += step
    return times


async def _bookings(principal: Principal, space_ids: list[int], first: date, after: date) -> tuple[list, set[int]]:
    """The active bookings of the spaces holding time in [first, after), and those of them the
    principal may see (the access rules'): of the others the grids show only that they are taken."""
    start, end = local_instant(first, time()), local_instant(after, time())
    touching = {"space_id__in": space_ids, "status__in": list(ACTIVE_STATUSES), "starts_at__lt": end,
                "starts_at__gt": start - LONGEST_HOLD, "held_until__gt": start}
    rows = await Booking.filter(**touching).values_list(
        "id", "starts_at", "held_until", "organization_id", "status", "purpose", "space_id", "organization__name_zh")
    # The same bookings through the access rules (two queries whatever the data: none skipped when empty).
    visible: set[int] = set(await db.flat(access.scope(Booking, principal).filter(**touching).values_list(
        "id", flat=True)))
    return rows, visible


async def week(principal: Principal, space: Space, rules: BookingRules, monday: date) -> Week:
    days = [monday + timedelta(days=n) for n in range(7)]
    openings = {day: None if workdays.is_public_holiday(day) else opening_on(space, day) for day in days}
    grid = Week(monday, days)
    open_days = [hours for hours in openings.values() if hours is not None]
    if not open_days:
        return grid
    step = timedelta(minutes=rules.slot_minutes)
    rows, visible = await _bookings(principal, [space.id], monday, monday + timedelta(days=7))
    earliest = clock.now() + timedelta(minutes=rules.notice_minutes)
    for start in _times(monday, min(h[0] for h in open_days), max(h[1] for h in open_days), step):
        grid.rows.append((start, [_cell(principal, day, start, step, openings[day], rows, visible, earliest)
                                  for day in days]))
    return grid


def _cell(principal: Principal, day: date, start: time, step: timedelta, opening: tuple[time, time] | None,
          rows: list, visible: set[int], earliest: datetime) -> Cell:
    if opening is None or start < opening[0] or datetime.combine(day, start) + step > datetime.combine(day, opening[1]):
        return Cell(day, start, "closed")
    begins = local_instant(day, start)
    ends = begins + step
    pending = None
    for booking_id, starts_at, held_until, organization_id, status, purpose, _space_id, name in rows:
        if starts_at < ends and held_until > begins:  # the booking, or the buffer after it
            label = purpose if booking_id in visible else ""
            who = ""
            if booking_id in visible and not principal.is_(Role.MEMBER):
                who = name or _("Blocked time")
            if status == BookingStatus.PENDING:
                pending = Cell(day, start, "pending", label, who)
                continue
            own = organization_id is not None and organization_id == principal.organization_id
            return Cell(day, start, "own" if own else "taken", label, who)
    if begins < earliest:
        return Cell(day, start, "past")
    return pending or Cell(day, start, "free")


@dataclass
class Day:
    day: date
    times: list[time]  # the columns: every half hour the park's spaces are open that day
    rows: list[tuple[Space, list[Cell]]]

    @property
    def previous(self) -> date:
        return self.day - timedelta(days=1)

    @property
    def next(self) -> date:
        return self.day + timedelta(days=1)


DAY_STEP = timedelta(minutes=30)


async def day_view(principal: Principal, park_id: int, day: date) -> Day:
    """Every bookable space of a park on one day, half hour by half hour (the managers' overview)."""
    spaces = await Space.filter(park_id=park_id, bookable=True, is_active=True).only(
        "id", "name", "park_id", "opening_hours", "capacity").order_by("name")
    holiday = workdays.is_public_holiday(day)
    openings = {space.id: None if holiday else opening_on(space, day) for space in spaces}
    open_hours = [hours for hours in openings.values() if hours is not None]
    if not open_hours:
        return Day(day, [], [(space, []) for space in spaces])
    times = _times(day, min(h[0] for h in open_hours), max(h[1] for h in open_hours), DAY_STEP)
    rows, visible = await _bookings(principal, [s.id for s in spaces], day, day + timedelta(days=1))
    by_space: dict[int, list] = {}
    for row in rows:
        by_space.setdefault(row[6], []).append(row)
    now = clock.now()
    return Day(day, times, [
        (space, [_cell(principal, day, start, DAY_STEP, openings[space.id], by_space.get(space.id, []), visible, now)
                 for start in times])
        for space in spaces])
