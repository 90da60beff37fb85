"""What is decided about a booking once it is made: cancelled by its organization (until its
start) or by a manager (with a reason), moved by a manager to another time or space, a pending
request approved or rejected; and an organization's bookings to come cancelled when it leaves the
park. The organization's members are told of what a manager did; time freed is announced
(`TimeFreed`) to those watching it.
"""

from __future__ import annotations

from datetime import timedelta

from tortoise.exceptions import IntegrityError

from incubator import access, clock, db, events
from incubator.access import Principal
from incubator.audit import service as audit
from incubator.auth import service as auth_service
from incubator.booking.commands import Book, Cancel, Move
from incubator.booking.events import TimeFreed
from incubator.booking.models import ACTIVE_STATUSES, END_REASON_LABELS, LONGEST_HOLD, Booking, BookingStatus
from incubator.booking.new_bookings import bookable_space
from incubator.booking.slots import (
    Slot,
    check_time,
    confirmed_overlapping,
    free_slots,
    local_instant,
    rules_for,
    taken_between,
)
from incubator.errors import Conflict, PermissionDenied, ValidationFailed
from incubator.i18n import gettext as _
from incubator.notifications import service as notifications
from incubator.organizations.events import StageChanged
from incubator.organizations.models import Stage
from incubator.parks.models import Space
from incubator.roles import Role

# End reasons the system writes are codes, not text (a reason typed by a manager is kept as typed);
# models.END_REASON_LABELS translates them.
LEFT_PARK = "left_park"  # cancelled: the organization graduated or exited
OVERLAPS_APPROVED = "overlaps_approved"  # rejected because an overlapping request was approved


# ---- cancelling -----------------------------------------------------------------------------------

def cancel_allowed(principal: Principal, booking: Booking) -> bool:
    if booking.status not in ACTIVE_STATUSES or booking.held_by:
        return False
    if principal.is_(Role.ADMIN):
        return True
    if principal.is_(Role.MANAGER):
        return True  # within their parks: the caller found the booking through the access scope
    return (principal.is_(Role.MEMBER) and booking.organization_id == principal.organization_id
            and booking.starts_at > clock.now())


def end_reason(booking: Booking) -> str:
    """Why a booking ended, in the reader's language (a typed reason as typed)."""
    label = END_REASON_LABELS.get(booking.end_reason)
    return _(label) if label else booking.end_reason


def cancel_needs_reason(principal: Principal, booking: Booking) -> bool:
    """A manager cancelling an organization's booking says why (the organization is told)."""
    return principal.is_(Role.ADMIN, Role.MANAGER) and booking.organization_id is not None


async def cancel(principal: Principal, booking_id: int, command: Cancel) -> Booking:
    """The organization cancels until the start; managers at any time, with a reason. With
    `rest_of_series`, the later dates of the booking's weekly series go too."""
    booking = await access.get_or_404(Booking, principal, id=booking_id)
    if not cancel_allowed(principal, booking):
        raise PermissionDenied(_("This booking can no longer be cancelled."))
    if cancel_needs_reason(principal, booking) and not command.reason.strip():
        raise ValidationFailed({"reason": _("Say why the booking is cancelled.")})
    ids = [booking.id]
    async with events.transaction():
        if command.rest_of_series and booking.series_id is not None:
            ids += await db.flat(Booking.filter(
                series_id=booking.series_id, status__in=list(ACTIVE_STATUSES), starts_at__gt=booking.starts_at,
            ).values_list("id", flat=True))
        # Locked first (PostgreSQL; SQLite has one writer): an approval committing meanwhile would
        # otherwise be cancelled by the UPDATE and audited with the status read before it.
        ending = [(row.id, row.status.value, row.space_id, row.starts_at, row.held_until)
                  for row in await Booking.filter(id__in=ids, status__in=list(ACTIVE_STATUSES)).select_for_update(
                      ).only("id", "status", "space_id", "starts_at", "held_until").order_by("id")]
        if booking.id not in {row[0] for row in ending}:
            raise Conflict(_("This booking was changed meanwhile; look again."))
        await Booking.filter(id__in=[row[0] for row in ending], status__in=list(ACTIVE_STATUSES)).update(
            status=BookingStatus.CANCELLED, ended_at=clock.now(), end_reason=command.reason.strip())
        for id_, status, space_id, starts_at, held_until in ending:
            await audit.record(principal, "cancel", object_type="Booking", object_id=id_, object_repr=f"Booking {id_}",
                               changes={"status": [status, BookingStatus.CANCELLED.value]})
            events.emit(TimeFreed(space_id, starts_at, held_until))  # a date moved elsewhere frees its own room
        if principal.organization_id != booking.organization_id and booking.organization_id is not None:
            when = Slot(booking.starts_at, booking.ends_at).label()
            if len(ending) > 1:
                when = _("%(when)s and the series' %(count)s later dates", when=when, count=len(ending) - 1)
            await notifications.notify_many(
                await auth_service.member_ids(booking.organization_id), "booking_cancelled", "/bookings",
                {"space": await name_of_space(booking.space_id), "when": when, "reason": command.reason.strip()})
    booking.status = BookingStatus.CANCELLED
    return booking


# ---- moving ---------------------------------------------------------------------------------------

def move_allowed(principal: Principal, booking: Booking) -> bool:
    """Managers (of the space's park: found through the access scope) move a booking not yet ended."""
    return (principal.is_(Role.ADMIN, Role.MANAGER) and booking.status in ACTIVE_STATUSES
            and booking.ends_at > clock.now() and not booking.held_by)


async def move_targets(principal: Principal, park_id: int) -> list[Space]:
    """The spaces a manager may move a booking of the park to: its bookable ones (`move` refuses others)."""
    if not principal.manages(park_id):
        return []
    return list(await Space.filter(park_id=park_id, bookable=True, is_active=True).only(
        "id", "name", "park_id").order_by("name", "id"))


async def move(principal: Principal, booking_id: int, command: Move) -> Booking:
    """A manager moves a booking to another time, or another space of the same park: the space's
    rules of time apply (not the quota: the manager decides), and the new time must be free."""
    booking = await access.get_or_404(Booking, principal, id=booking_id)
    if not move_allowed(principal, booking):
        raise PermissionDenied(_("Only the park's managers move a booking, before it ends."))
    old_space = await Space.get(id=booking.space_id).only("id", "park_id", "name")
    space = await bookable_space(command.space_id)
    if space.id not in {target.id for target in await move_targets(principal, old_space.park_id)}:
        raise ValidationFailed({"space_id": _("Choose one of the options.")})
    rules = await rules_for(space.id)
    now = clock.now()
    as_booked = Book(space_id=space.id, day=command.day, start=command.start, end=command.end,
                     attendees=booking.attendees)
    errors = check_time(space, rules, as_booked, command.day, now, block=booking.organization_id is None)
    if errors:
        raise ValidationFailed(errors)
    wanted = Slot(local_instant(command.day, command.start), local_instant(command.day, command.end))
    held_until = wanted.ends_at + timedelta(minutes=rules.buffer_minutes)
    spaces = sorted({booking.space_id, space.id})
    try:
        async with events.transaction() as connection:
            await db.serialize(connection, Booking._meta.db_table, *(f"booking:space:{i}" for i in spaces))
            if await confirmed_overlapping(space.id, wanted.starts_at, held_until).exclude(id=booking.id).exists():
                raise taken_between(await free_slots(space, rules, wanted, now))
            # Moved, it is a new time: a check-in to the old one does not count for it.
            if not await Booking.filter(id=booking.id, status=booking.status, starts_at=booking.starts_at).update(
                    space_id=space.id, starts_at=wanted.starts_at, ends_at=wanted.ends_at, held_until=held_until,
                    checked_in_at=None):
                raise Conflict(_("This booking was changed meanwhile; look again."))
            await audit.record(principal, "move", booking, audit.diff(
                {"space_id": booking.space_id, "starts_at": booking.starts_at, "ends_at": booking.ends_at},
                {"space_id": space.id, "starts_at": wanted.starts_at, "ends_at": wanted.ends_at}))
            events.emit(TimeFreed(booking.space_id, booking.starts_at, booking.held_until))
            moved = Booking(space_id=space.id, starts_at=wanted.starts_at, ends_at=wanted.ends_at)
            await tell_members(booking.organization_id, "booking_moved", space.name, moved,
                                reason=command.reason.strip())
    except IntegrityError:  # PostgreSQL's exclusion constraint
        raise taken_between(await free_slots(space, rules, wanted, now)) from None
    booking.space_id, booking.starts_at, booking.ends_at, booking.held_until = (
        space.id, wanted.starts_at, wanted.ends_at, held_until)
    return booking


# ---- approving or rejecting a request -------------------------------------------------------------

def decide_allowed(principal: Principal, booking: Booking) -> bool:
    """Managers (of the space's park: the caller found the booking through the access scope) and
    administrators approve or reject a pending booking."""
    return booking.status == BookingStatus.PENDING and principal.is_(Role.ADMIN, Role.MANAGER)


async def approve(principal: Principal, booking_id: int) -> Booking:
    """Confirms a pending booking; the pending ones overlapping it are rejected, with the reason.
    Serialized on the space like a booking, so nothing confirmed can slip in between."""
    booking = await access.get_or_404(Booking, principal, id=booking_id)
    if not decide_allowed(principal, booking):
        raise PermissionDenied(_("Only a pending booking can be approved, by the park's managers."))
    if booking.starts_at <= clock.now():
        raise ValidationFailed({"booking": _("This booking has already started: it can no longer be approved.")})
    try:
        async with events.transaction() as connection:
            await db.serialize(connection, Booking._meta.db_table, f"booking:space:{booking.space_id}")
            if await confirmed_overlapping(booking.space_id, booking.starts_at, booking.held_until).exists():
                raise Conflict(_("Another booking of this time was confirmed meanwhile: reject this one."))
            if not await Booking.filter(id=booking.id, status=BookingStatus.PENDING).update(
                    status=BookingStatus.CONFIRMED):
                raise Conflict(_("This booking was changed meanwhile; look again."))
            await audit.record(principal, "approve", booking, {"status": [booking.status, "confirmed"]})
            losers = await Booking.filter(
                space_id=booking.space_id, status=BookingStatus.PENDING, starts_at__lt=booking.held_until,
                starts_at__gt=booking.starts_at - LONGEST_HOLD, held_until__gt=booking.starts_at).exclude(
                id=booking.id).values_list("id", "organization_id", "starts_at", "ends_at")
            if losers:
                await Booking.filter(id__in=[loser[0] for loser in losers]).update(
                    status=BookingStatus.REJECTED, ended_at=clock.now(), end_reason=OVERLAPS_APPROVED)
                for loser_id, *_rest in losers:
                    await audit.record(principal, "reject", object_type="Booking", object_id=loser_id,
                                       object_repr=f"Booking {loser_id}",
                                       changes={"status": ["pending", "rejected"]})
            space_name = await name_of_space(booking.space_id)
            await tell_members(booking.organization_id, "booking_approved", space_name, booking)
            for _loser, organization_id, starts_at, ends_at in losers:
                await tell_members(organization_id, "booking_rejected", space_name,
                                    Booking(space_id=booking.space_id, starts_at=starts_at, ends_at=ends_at))
    except IntegrityError:  # PostgreSQL's exclusion constraint
        raise Conflict(_("Another booking of this time was confirmed meanwhile: reject this one.")) from None
    booking.status = BookingStatus.CONFIRMED
    return booking


async def reject(principal: Principal, booking_id: int, command: Cancel) -> Booking:
    booking = await access.get_or_404(Booking, principal, id=booking_id)
    if not decide_allowed(principal, booking):
        raise PermissionDenied(_("Only a pending booking can be rejected, by the park's managers."))
    if not command.reason.strip():
        raise ValidationFailed({"reason": _("Say why the booking is rejected.")})
    async with events.transaction():
        if not await Booking.filter(id=booking.id, status=BookingStatus.PENDING).update(
                status=BookingStatus.REJECTED, ended_at=clock.now(), end_reason=command.reason.strip()):
            raise Conflict(_("This booking was changed meanwhile; look again."))
        await audit.record(principal, "reject", booking, {"status": ["pending", "rejected"]})
        events.emit(TimeFreed(booking.space_id, booking.starts_at, booking.held_until))
        await tell_members(booking.organization_id, "booking_rejected", await name_of_space(booking.space_id), booking)
    booking.status = BookingStatus.REJECTED
    return booking


async def tell_members(organization_id: int | None, kind: str, space_name: str, booking: Booking,
                        reason: str = "") -> None:
    if organization_id is None:
        return
    details = {"space": space_name, "when": Slot(booking.starts_at, booking.ends_at).label(), "reason": reason}
    await notifications.notify_many(await auth_service.member_ids(organization_id), kind, "/bookings", details)


async def name_of_space(space_id: int) -> str:
    return (await Space.get(id=space_id).only("id", "name")).name


# ---- an organization leaving the park -------------------------------------------------------------

async def on_stage_changed(event: StageChanged) -> None:
    """An organization graduated or exited: its bookings to come are cancelled, and its members told.
    (Its right to book ends with its resident stage: `_organization_for`.)"""
    if Stage(event.target) not in (Stage.GRADUATED, Stage.EXITED):
        return
    async with events.transaction():
        ending = await Booking.filter(organization_id=event.organization_id, status__in=list(ACTIVE_STATUSES),
                                      starts_at__gt=clock.now()).values_list("id", "status", "space_id", "starts_at",
                                                                              "held_until")
        if not ending:
            return
        await Booking.filter(id__in=[row[0] for row in ending]).update(
            status=BookingStatus.CANCELLED, ended_at=clock.now(), end_reason=LEFT_PARK)
        for id_, status, space_id, starts_at, held_until in ending:
            await audit.record(None, "cancel", object_type="Booking", object_id=id_, object_repr=f"Booking {id_}",
                               changes={"status": [status, BookingStatus.CANCELLED.value]})
            events.emit(TimeFreed(space_id, starts_at, held_until))
        await notifications.notify_many(await auth_service.member_ids(event.organization_id), "bookings_cancelled",
                                        details={"count": len(ending)})
