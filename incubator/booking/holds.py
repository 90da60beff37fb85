"""Rooms held by another capability (a training session): the hold is a confirmed booking with
`held_by` set, made and freed inside the holder's own transaction, under the same serialization
and, on PostgreSQL, the same exclusion constraint as every booking, so a session and a booking
never hold one room at once. Members neither cancel nor move a hold: its holder does.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from incubator import clock, db, events, workdays
from incubator.access import Principal
from incubator.audit import service as audit
from incubator.booking.events import TimeFreed
from incubator.booking.models import Booking, BookingStatus
from incubator.booking.slots import Slot, confirmed_overlapping, opening_on, rules_for
from incubator.errors import Conflict
from incubator.i18n import gettext as _
from incubator.parks.models import Space

# The end reason written here is a code, not text (models.END_REASON_LABELS translates it).
HELD_RELEASED = "held_released"  # a hold freed by what held it (a training session cancelled or moved)


def hold_problem(space: Space, day: date, start: time, end: time) -> str:
    """What stands against holding `space` on `day` from `start` to `end`, before looking at other
    bookings: a bookable space keeps its opening hours and closed days (a room nobody books has none)."""
    if start >= end:
        return _("The end must be after the start.")
    if not space.bookable:
        return ""
    opening = opening_on(space, day)
    if opening is None or workdays.is_public_holiday(day):
        return _("The space is closed that day.")
    if start < opening[0] or end > opening[1]:
        return _("The space is open %(open)s–%(close)s that day.", open=f"{opening[0]:%H:%M}",
                 close=f"{opening[1]:%H:%M}")
    return ""


async def hold(connection: Any, principal: Principal | None, space: Space, starts_at: datetime, ends_at: datetime,
               held_by: str, purpose: str, keep: int | None = None) -> Booking:
    """Inside the caller's transaction: `space` is held from `starts_at` to `ends_at` (plus its buffer)
    for `held_by` as a confirmed booking, or Conflict if another booking holds any of that time. The
    same serialization and, on PostgreSQL, the same exclusion constraint as every booking: a session
    and a booking never hold one room at once. `keep`: the caller's own hold being moved (it is
    ended once the new one is made; its time does not count as taken)."""
    await db.serialize(connection, Booking._meta.db_table, f"booking:space:{space.id}")
    buffer = (await rules_for(space.id)).buffer_minutes if space.bookable else 0
    held_until = ends_at + timedelta(minutes=buffer)
    taken = confirmed_overlapping(space.id, starts_at, held_until)
    if keep is not None:
        taken = taken.exclude(id=keep)
    if await taken.exists():
        raise Conflict(_("%(space)s is taken at %(when)s.", space=space.name, when=Slot(starts_at, ends_at).label()))
    if keep is not None:
        await release_hold(principal, keep)
    try:  # an IntegrityError ends the caller's transaction on PostgreSQL: the Conflict rolls it back
        booking = await Booking.create(space_id=space.id, organization_id=None, booked_by_id=principal.id if principal
                                       else None, starts_at=starts_at, ends_at=ends_at, held_until=held_until,
                                       purpose=purpose[:200], status=BookingStatus.CONFIRMED, held_by=held_by)
    except IntegrityError:  # PostgreSQL's exclusion constraint: a writer that skipped the locks
        raise Conflict(_("%(space)s is taken at %(when)s.", space=space.name,
                         when=Slot(starts_at, ends_at).label())) from None
    await audit.record(principal, "create", booking, audit.diff({}, {
        "space_id": space.id, "starts_at": starts_at, "ends_at": ends_at, "status": BookingStatus.CONFIRMED.value}))
    return booking


async def release_hold(principal: Principal | None, booking_id: int) -> None:
    """Inside the caller's transaction: the hold ends (its time frees: watchers are told)."""
    rows = await Booking.filter(id=booking_id, status=BookingStatus.CONFIRMED).values_list(
        "space_id", "starts_at", "held_until")
    if not rows:
        return
    await Booking.filter(id=booking_id).update(status=BookingStatus.CANCELLED, ended_at=clock.now(),
                                               end_reason=HELD_RELEASED)
    await audit.record(principal, "cancel", object_type="Booking", object_id=booking_id,
                       object_repr=f"Booking {booking_id}",
                       changes={"status": [BookingStatus.CONFIRMED.value, BookingStatus.CANCELLED.value]})
    space_id, starts_at, held_until = rows[0]
    events.emit(TimeFreed(space_id, starts_at, held_until))
