"""Check-in at a room's door, and no-shows: the tablet at the door shows the day's bookings and a
code that changes every day (a QR code, and six digits to type); a member of the booking's
organization checks in with it from 15 minutes before the start until the end, or a manager marks
the booking checked in. A confirmed booking nobody checked in to within its space's release time
is released by the scheduled job: its time frees, and it counts as a no-show.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime, time, timedelta

from incubator import access, clock, events
from incubator.access import Principal
from incubator.audit import service as audit
from incubator.booking.decisions import name_of_space, tell_members
from incubator.booking.events import NoShowRecorded, TimeFreed
from incubator.booking.models import Booking, BookingRules, BookingStatus
from incubator.booking.slots import local_instant
from incubator.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from incubator.i18n import gettext as _
from incubator.parks.models import Space
from incubator.roles import Role

CHECK_IN_EARLY = timedelta(minutes=15)  # how long before its start a booking may check in
EXPIRED_CODE_DAYS = 60  # an older door code than this reads as a wrong one, not an expired one
# The end reason written here is a code, not text (models.END_REASON_LABELS translates it).
NO_SHOW = "no_show"  # released: not checked in in time


class CheckInRefused(ValidationFailed):
    """Why a check-in is refused: `reason` is one of the constants below (for tests and callers),
    the message says it in the user's language, beside the code field."""

    TOO_EARLY = "too_early"
    ENDED = "ended"
    ALREADY = "already_checked_in"
    NOT_CONFIRMED = "not_confirmed"
    NOT_YOURS = "not_yours"
    NO_BOOKING = "no_booking"
    EXPIRED_CODE = "expired_code"
    WRONG_CODE = "wrong_code"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__({"code": message})
        self.reason = reason


# ---- the door -------------------------------------------------------------------------------------

def door_code(secret: str, space_id: int, day: date) -> str:
    """Today's check-in code of a space: shown as a QR code at its door, valid that day only."""
    return hmac.new(secret.encode(), f"check-in:{space_id}:{day.isoformat()}".encode(), hashlib.sha256).hexdigest()[:20]


def door_typed_code(secret: str, space_id: int, day: date) -> str:
    """The same day's code in six digits, printed under the QR code for a member to type in."""
    return f"{int(door_code(secret, space_id, day), 16) % 1_000_000:06d}"


def door_token(secret: str, space_id: int) -> str:
    """The secret part of the address of a space's door page (the tablet at the door)."""
    return hmac.new(secret.encode(), f"door:{space_id}".encode(), hashlib.sha256).hexdigest()[:24]


async def door_view(secret: str, space_id: int, token: str) -> tuple[Space, list[Booking], str, str]:
    """The tablet at a room's door: the space, today's confirmed bookings with their organization, and
    today's check-in code, for the QR code and in six digits to type; NotFound unless `token` is the
    door's secret."""
    space = await Space.get_or_none(id=space_id, bookable=True, is_active=True)
    if space is None or not hmac.compare_digest(token.encode(), door_token(secret, space.id).encode()):
        raise NotFound(_("Not found."))
    today = clock.today()
    bookings = await Booking.filter(
        space_id=space.id, status=BookingStatus.CONFIRMED, starts_at__gte=local_instant(today, time()),
        starts_at__lt=local_instant(today + timedelta(days=1), time())).select_related("organization").only(
        "id", "starts_at", "ends_at", "checked_in_at", "organization_id", "organization__id",
        "organization__name_zh").order_by("starts_at")
    return space, list(bookings), door_code(secret, space.id, today), door_typed_code(secret, space.id, today)


def _code_refusal(secret: str, space_id: int, code: str) -> CheckInRefused | None:
    """None when `code` is today's code of the space's door, scanned or typed (spaces ignored)."""
    code = "".join(code.split()).replace("-", "").lower()

    def matches(day: date) -> bool:  # compare_digest: the code is any text the member sent
        return any(hmac.compare_digest(code.encode(), known.encode())
                   for known in (door_code(secret, space_id, day), door_typed_code(secret, space_id, day)))

    today = clock.today()
    if code and matches(today):
        return None
    if code and any(matches(today - timedelta(days=n)) for n in range(1, EXPIRED_CODE_DAYS + 1)):
        return CheckInRefused(CheckInRefused.EXPIRED_CODE,
                              _("This code has expired: the code at the door changes every day. Scan it again."))
    return CheckInRefused(CheckInRefused.WRONG_CODE,
                          _("This is not the code at this room's door: scan it, or type the six digits under it."))


# ---- checking in ----------------------------------------------------------------------------------

def _local_time(moment: datetime) -> str:
    local = moment.astimezone(clock.zone())
    return f"{local:%H:%M}" if local.date() == clock.today() else f"{local:%m-%d %H:%M}"


def check_in_refusal(principal: Principal, booking: Booking) -> CheckInRefused | None:
    """Why the principal may not check in to the booking at its door now; None when they may (a
    member of its organization, the booking confirmed, not checked in, from 15 minutes before its
    start until its end)."""
    if not principal.is_(Role.MEMBER) or booking.organization_id is None \
            or booking.organization_id != principal.organization_id:
        return CheckInRefused(CheckInRefused.NOT_YOURS, _("This is not your organization's booking."))
    if booking.status != BookingStatus.CONFIRMED:
        return CheckInRefused(CheckInRefused.NOT_CONFIRMED, _("Only a confirmed booking checks in."))
    if booking.checked_in_at is not None:
        return CheckInRefused(CheckInRefused.ALREADY, _("Checked in at %(time)s already.",
                                                        time=_local_time(booking.checked_in_at)))
    now = clock.now()
    if now < booking.starts_at - CHECK_IN_EARLY:
        return CheckInRefused(CheckInRefused.TOO_EARLY, _("Check-in opens at %(time)s.",
                                                          time=_local_time(booking.starts_at - CHECK_IN_EARLY)))
    if now >= booking.ends_at:
        return CheckInRefused(CheckInRefused.ENDED, _("This booking ended at %(time)s.",
                                                      time=_local_time(booking.ends_at)))
    return None


def check_in_allowed(principal: Principal, booking: Booking) -> bool:
    """Whether the bookings list offers the member the check-in action now."""
    return check_in_refusal(principal, booking) is None


async def current_booking(organization_id: int, space_id: int) -> Booking | None:
    """The organization's confirmed booking of the space that may check in now."""
    now = clock.now()
    return await Booking.filter(organization_id=organization_id, space_id=space_id, status=BookingStatus.CONFIRMED,
                                starts_at__lte=now + CHECK_IN_EARLY, ends_at__gt=now).order_by("starts_at").first()


async def _no_booking_now(principal: Principal, space_id: int) -> CheckInRefused:
    """Why the member's organization has nothing to check in to at this door now: its next booking
    of the room today is not open yet, its last one ended, or the time is another organization's."""
    now, today = clock.now(), clock.today()
    day = Booking.filter(space_id=space_id, status=BookingStatus.CONFIRMED,
                         starts_at__gte=local_instant(today, time()),
                         starts_at__lt=local_instant(today + timedelta(days=1), time()))
    ours = day.filter(organization_id=principal.organization_id)
    later = await ours.filter(starts_at__gt=now).order_by("starts_at").first()
    if later is not None:
        return check_in_refusal(principal, later) or CheckInRefused(CheckInRefused.NO_BOOKING, "")
    if await day.filter(starts_at__lte=now + CHECK_IN_EARLY, ends_at__gt=now).exists():
        return CheckInRefused(CheckInRefused.NOT_YOURS,
                              _("The booking of this room now is another organization's, not yours."))
    ended = await ours.filter(ends_at__lte=now).order_by("-ends_at").first()
    if ended is not None:
        return check_in_refusal(principal, ended) or CheckInRefused(CheckInRefused.NO_BOOKING, "")
    return CheckInRefused(CheckInRefused.NO_BOOKING,
                          _("Your organization has no booking of this space to check in to now."))


async def door_check_in_state(principal: Principal, space_id: int, code: str,
                              secret: str) -> tuple[Booking | None, CheckInRefused | None]:
    """What a member who scanned a door's code sees before checking in: their organization's
    booking that checks in now (if any), and why the check-in would be refused (None: it would not)."""
    booking = (await current_booking(principal.organization_id, space_id)
               if principal.is_(Role.MEMBER) and principal.organization_id else None)
    refusal = _code_refusal(secret, space_id, code)
    if refusal is None and booking is None:
        refusal = await _no_booking_now(principal, space_id)
    return booking, refusal


async def check_in(principal: Principal, space_id: int, code: str, secret: str) -> Booking:
    """A member checks their organization in, with the code read at the door."""
    if not principal.is_(Role.MEMBER) or principal.organization_id is None:
        raise PermissionDenied(_("Only a member of the booking organization checks in at the door."))
    if refusal := _code_refusal(secret, space_id, code):
        raise refusal
    booking = await current_booking(principal.organization_id, space_id)
    if booking is None:
        raise await _no_booking_now(principal, space_id)
    return await _check_in(principal, booking)


async def check_in_booking(principal: Principal, booking_id: int, code: str, secret: str) -> Booking:
    """A member checks in to one of their organization's bookings (from the bookings list), with
    the code at its room's door, scanned or typed."""
    booking = await access.get_or_404(Booking, principal, id=booking_id)
    if refusal := check_in_refusal(principal, booking):
        raise refusal
    if refusal := _code_refusal(secret, booking.space_id, code):
        raise refusal
    return await _check_in(principal, booking)


def mark_allowed(principal: Principal, booking: Booking) -> bool:
    """Whether a manager may mark the booking checked in now (found through the access scope)."""
    now = clock.now()
    return (principal.is_(Role.ADMIN, Role.MANAGER) and booking.status == BookingStatus.CONFIRMED
            and booking.organization_id is not None and booking.checked_in_at is None
            and booking.starts_at - CHECK_IN_EARLY <= now < booking.ends_at)


async def mark_checked_in(principal: Principal, booking_id: int) -> Booking:
    """A manager marks a booking's organization as present."""
    booking = await access.get_or_404(Booking, principal, id=booking_id)
    if not principal.is_(Role.ADMIN, Role.MANAGER):
        raise PermissionDenied(_("Only the park's managers mark a booking as checked in."))
    if not mark_allowed(principal, booking):
        raise ValidationFailed({"booking": _("A booking checks in from 15 minutes before its start until its end.")})
    return await _check_in(principal, booking)


async def _check_in(principal: Principal, booking: Booking) -> Booking:
    if booking.checked_in_at is not None:
        return booking
    async with events.transaction():
        now = clock.now()
        if not await Booking.filter(id=booking.id, status=BookingStatus.CONFIRMED, checked_in_at__isnull=True).update(
                checked_in_at=now):
            raise Conflict(_("This booking was changed meanwhile; look again."))
        await audit.record(principal, "check_in", booking, {"checked_in_at": [None, now.isoformat()]})
    booking.checked_in_at = now
    return booking


# ---- no-shows -------------------------------------------------------------------------------------

async def release_no_shows() -> dict:
    """The scheduled job: confirmed bookings not checked in within their space's release time after
    their start are released (the slot is free again) and counted as no-shows."""
    now = clock.now()
    candidates = await Booking.filter(status=BookingStatus.CONFIRMED, organization_id__isnull=False,
                                      checked_in_at__isnull=True, starts_at__lte=now,
                                      ends_at__gt=now - timedelta(days=1)).values_list(
        "id", "space_id", "starts_at", "organization_id", "held_until")
    if not candidates:
        return {"released": 0}
    release = dict(await BookingRules.filter(space_id__in={c[1] for c in candidates}).values_list(
        "space_id", "release_minutes"))
    default = BookingRules().release_minutes
    due = [c for c in candidates if c[2] + timedelta(minutes=release.get(c[1], default)) <= now]
    released = 0
    for booking_id, space_id, starts_at, organization_id, held_until in due:
        async with events.transaction():
            if not await Booking.filter(id=booking_id, status=BookingStatus.CONFIRMED,
                                        checked_in_at__isnull=True).update(
                    status=BookingStatus.RELEASED, ended_at=now, end_reason=NO_SHOW):
                continue  # checked in or cancelled meanwhile
            released += 1
            await audit.record(None, "release", object_type="Booking", object_id=booking_id,
                               object_repr=f"Booking {booking_id}", changes={"status": ["confirmed", "released"]})
            booking = Booking(id=booking_id, space_id=space_id, starts_at=starts_at,
                              ends_at=starts_at, organization_id=organization_id)
            space_name = await name_of_space(space_id)
            await tell_members(organization_id, "booking_released", space_name, booking)
            events.emit(TimeFreed(space_id, now, held_until))
            events.emit(NoShowRecorded(organization_id, booking_id, space_name, starts_at))
    return {"released": released}
