"""Attendance certificates: a printable page per person for a session or for a whole course, with
the park's name, a serial number and a QR code to a public page that verifies it, showing only the
person's name, the course, the hours and the dates. The serial names what is certified; a code
derived from the app's secret proves the address was issued here. A certificate holds only while
the attendance it certifies stands: if it is corrected, the verification page says so."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date

from incubator import access, clock
from incubator.access import Principal
from incubator.errors import NotFound
from incubator.i18n import gettext as _
from incubator.training.models import ATTENDED, Person, Seat, SeatStatus, TrainingCourse, hours_text

_SESSION = re.compile(r"^TS(\d{1,10})$")
_COURSE = re.compile(r"^TC(\d{1,10})P(\d{1,10})$")


@dataclass(frozen=True)
class Certificate:
    serial: str
    code: str
    person: str
    organization: str  # on the printed certificate only, not on the public verification page
    park: str
    title: str
    minutes: int
    first: date
    last: date
    sessions: int

    @property
    def hours(self) -> str:
        return hours_text(self.minutes)


def code_of(secret: str, serial: str) -> str:
    return hmac.new(secret.encode(), f"certificate:{serial}".encode(), hashlib.sha256).hexdigest()[:16]


async def _build(serial: str, secret: str, seats: list[Seat], title: str) -> Certificate | None:
    attended = [s for s in seats if s.status == SeatStatus.SEATED and s.attendance in ATTENDED]
    if not attended:
        return None
    days = sorted(clock.local_date(s.session.starts_at) for s in attended)
    first = attended[0]
    return Certificate(serial, code_of(secret, serial), first.person.name, first.organization.name_zh,
                       first.session.park.name_zh, title, sum(s.credit_minutes for s in attended), days[0], days[-1],
                       len(attended))


def _seats(**filters: object):
    return Seat.filter(**filters).select_related("person", "organization", "session", "session__park").only(
        "id", "status", "attendance", "credit_minutes", "person__id", "person__name", "organization__id",
        "organization__name_zh", "session__id", "session__title", "session__starts_at", "session__park_id",
        "session__course_id", "session__park__id", "session__park__name_zh", "session_id", "person_id",
        "organization_id")


async def for_seat(principal: Principal, seat_id: int, secret: str) -> Certificate:
    """A person's certificate for one session they attended (whoever sees the seat may print it)."""
    seat = await access.get_or_404(Seat, principal, id=seat_id)
    rows = list(await _seats(id=seat.id))
    certificate = await _build(f"TS{seat.id}", secret, rows, rows[0].session.title) if rows else None
    if certificate is None:
        raise NotFound(_("Only attendance marked present or late is certified."))
    return certificate


async def for_course(principal: Principal, course_id: int, person_id: int, secret: str) -> Certificate:
    """A person's certificate for the sessions of a course they attended."""
    person = await access.get_or_404(Person, principal, id=person_id)
    course = await TrainingCourse.get_or_none(id=course_id)
    if course is None:
        raise NotFound(_("Not found."))
    rows = list(await _seats(person_id=person.id, session__course_id=course.id,
                             session__cancelled_at__isnull=True).order_by("session__starts_at"))
    certificate = await _build(f"TC{course.id}P{person.id}", secret, rows, course.title)
    if certificate is None:
        raise NotFound(_("Only attendance marked present or late is certified."))
    return certificate


async def verify(serial: str, code: str, secret: str) -> Certificate | None:
    """The certificate a public address names, if the address was issued here and the attendance
    stands; None otherwise (the page says it is not valid)."""
    if not hmac.compare_digest(code.encode(), code_of(secret, serial).encode()):
        return None
    if match := _SESSION.match(serial):
        rows = list(await _seats(id=int(match.group(1))))
        return await _build(serial, secret, rows, rows[0].session.title) if rows else None
    if match := _COURSE.match(serial):
        course = await TrainingCourse.get_or_none(id=int(match.group(1)))
        if course is None:
            return None
        rows = list(await _seats(person_id=int(match.group(2)), session__course_id=course.id,
                                 session__cancelled_at__isnull=True).order_by("session__starts_at"))
        return await _build(serial, secret, rows, course.title)
    return None
