"""Attendance at training sessions: the park's managers mark each seated person present, late or
absent on the sheet; a member who scans the code on the session's screen checks their
organization's people in (late when more than ten minutes after the start). Present or late
credits the session's minutes to the seat; absent or unmarked none.

The screen's code changes every minute; a code of this minute or the last one, scanned, becomes
the scanner's own pass for the next `PASS_MINUTES`.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from incubator import access, clock, events
from incubator.access import Principal
from incubator.audit import service as audit
from incubator.errors import PermissionDenied, ValidationFailed
from incubator.i18n import gettext as _
from incubator.roles import Role
from incubator.training.commands import Mark, SelfCheckIn
from incubator.training.models import ATTENDANCE_LABELS, ATTENDED, Attendance, Seat, SeatStatus, TrainingSession

CHECK_IN_BEFORE = timedelta(minutes=30)  # self check-in opens this long before the start
LATE_AFTER = timedelta(minutes=10)  # checked in later than this after the start: late
PASS_MINUTES = 10  # a scanned code lets its scanner check in for this long


def attended(seats: list[Seat]) -> set[int]:
    """The seats whose attendance stands (present or late): they credit hours and are certified."""
    return {s.id for s in seats if s.status == SeatStatus.SEATED and s.attendance in ATTENDED}


def seat_state(seat: Seat) -> str:
    """What a seat's row says: once attendance is taken, how the person attended (present, late,
    absent), not only that they held a seat."""
    if seat.status == SeatStatus.WAITLISTED:
        return _("Waitlisted")
    if seat.attendance != Attendance.UNMARKED:
        return _(ATTENDANCE_LABELS[Attendance(seat.attendance)])
    if seat.checked_in_at is not None:
        return _("Checked in")
    return _("Seated")


# ---- marking --------------------------------------------------------------------------------------

def mark_allowed(principal: Principal, session: TrainingSession) -> bool:
    """The park's managers mark attendance from half an hour before the start, for a week after the end."""
    now = clock.now()
    return (principal.manages(session.park_id) and session.cancelled_at is None
            and session.starts_at - CHECK_IN_BEFORE <= now <= session.ends_at + timedelta(days=7))


async def mark(principal: Principal, seat_id: int, command: Mark) -> Seat:
    """Present or late credits the session's hours to the person; absent or unmarked none."""
    seat = await access.get_or_404(Seat, principal, id=seat_id)
    session = await TrainingSession.get(id=seat.session_id)
    if not mark_allowed(principal, session) or seat.status != SeatStatus.SEATED:
        raise PermissionDenied(_("Attendance can be marked from half an hour before the start."))
    async with events.transaction():
        await _set_attendance(principal, seat, session, command.attendance)
    return seat


async def _set_attendance(principal: Principal | None, seat: Seat, session: TrainingSession,
                          attendance: Attendance) -> None:
    credit = session.credit_minutes if attendance in ATTENDED else 0
    before = {"attendance": seat.attendance.value, "credit_minutes": seat.credit_minutes}
    seat.attendance, seat.credit_minutes = attendance, credit
    if attendance in ATTENDED and seat.checked_in_at is None:
        seat.checked_in_at = clock.now()
    await Seat.filter(id=seat.id).update(attendance=attendance, credit_minutes=credit,
                                         checked_in_at=seat.checked_in_at)
    changes = audit.diff(before, {"attendance": attendance.value, "credit_minutes": credit})
    if changes:
        await audit.record(principal, "attendance", seat, changes)


# ---- checking in by the screen's code -------------------------------------------------------------

def _minute(moment: datetime) -> int:
    return int(moment.timestamp() // 60)


def check_in_code(secret: str, session_id: int, minute: int) -> str:
    """The code the session's screen shows during one minute (it changes every minute)."""
    digest = hmac.new(secret.encode(), f"training-check-in:{session_id}:{minute}".encode(), hashlib.sha256)
    return digest.hexdigest()[:10]


def check_in_window(session: TrainingSession, now: datetime | None = None) -> bool:
    now = now or clock.now()
    return session.cancelled_at is None and session.starts_at - CHECK_IN_BEFORE <= now <= session.ends_at


def current_code(secret: str, session: TrainingSession) -> str | None:
    """The code to show now, or None outside the check-in window."""
    return check_in_code(secret, session.id, _minute(clock.now())) if check_in_window(session) else None


def scan_pass(secret: str, session_id: int, user_id: int, code: str) -> str:
    """A scanned code, if it is this minute's or the last one's, becomes the scanner's own pass for
    the next minutes ("minute.signature"); anything else is refused."""
    minute = _minute(clock.now())
    if not any(hmac.compare_digest(code.encode(), check_in_code(secret, session_id, m).encode())
               for m in (minute, minute - 1)):
        raise PermissionDenied(_("This code has expired: scan the code on the screen again."))
    return f"{minute}.{_pass_signature(secret, session_id, user_id, minute)}"


def _pass_signature(secret: str, session_id: int, user_id: int, minute: int) -> str:
    return hmac.new(secret.encode(), f"training-pass:{session_id}:{user_id}:{minute}".encode(),
                    hashlib.sha256).hexdigest()[:20]


def _check_pass(secret: str, session_id: int, user_id: int, token: str) -> None:
    minute_text, _dot, signature = token.partition(".")
    try:
        minute = int(minute_text)
    except ValueError:
        minute = -1
    fresh = 0 <= _minute(clock.now()) - minute <= PASS_MINUTES
    if not fresh or not hmac.compare_digest(signature.encode(),
                                            _pass_signature(secret, session_id, user_id, minute).encode()):
        raise PermissionDenied(_("This code has expired: scan the code on the screen again."))


async def self_check_in_seats(principal: Principal, session: TrainingSession) -> list[Seat]:
    """The member's organization's seated people at the session (to tick on the scanned page)."""
    if not principal.is_(Role.MEMBER) or principal.organization_id is None:
        return []
    return list(await Seat.filter(session_id=session.id, organization_id=principal.organization_id,
                                  status=SeatStatus.SEATED).select_related("person").order_by("person__name"))


async def self_check_in(principal: Principal, session_id: int, secret: str, command: SelfCheckIn) -> int:
    """A member who scanned the session's code checks their organization's people in: present, or late
    when more than ten minutes after the start. Returns how many were checked in."""
    if not principal.is_(Role.MEMBER) or principal.organization_id is None:
        raise PermissionDenied(_("Members check their organization's people in."))
    session = await access.get_or_404(TrainingSession, principal, id=session_id)
    if not check_in_window(session):
        raise PermissionDenied(_("Check-in opens half an hour before the start and closes at the end."))
    _check_pass(secret, session.id, principal.id, command.code)
    now = clock.now()
    attendance = Attendance.LATE if now > session.starts_at + LATE_AFTER else Attendance.PRESENT
    seats = [s for s in await self_check_in_seats(principal, session) if s.id in command.seat_ids]
    if not seats or len(seats) != len(command.seat_ids):
        raise ValidationFailed({"seat_ids": _("Choose who is here.")})
    async with events.transaction():
        for seat in seats:
            if seat.attendance not in ATTENDED:
                await _set_attendance(principal, seat, session, attendance)
    return len(seats)
