"""Training sessions: planning them (one, or a weekly course) in a room held through booking's
occupancy rules; organizations' rosters; sign-up with capacity, a share per organization and a fair
waitlist that promotes itself; attendance and the hours it credits.

Every change to a session's seats is one transaction that first serializes on the session
(`db.serialize`: an advisory lock on PostgreSQL as pretix locks its quotas, the write lock on
SQLite), then reads the seats and writes. The session's `seated` counter is kept in the same
transaction and a CHECK keeps it within the capacity, so no writer can over-fill a session.

Fair order: a freed seat goes to the waitlisted person whose organization holds the fewest seats
of the session (among those under their share), then to whoever signed up first.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.functions import Count, Sum

from incubator import access, clock, db, events, i18n, uploads
from incubator.access import Principal
from incubator.audit import service as audit
from incubator.auth import service as auth_service
from incubator.booking import service as booking
from incubator.config import Settings
from incubator.errors import Conflict, PermissionDenied, ValidationFailed
from incubator.i18n import gettext as _
from incubator.notifications import service as notifications
from incubator.organizations.graduation import Check
from incubator.organizations.models import RESIDENT_STAGES, Organization
from incubator.parks.models import Park, Space, SpaceKind
from incubator.roles import Role
from incubator.training.commands import (
    AddTopic,
    CancelSession,
    EditSession,
    GiveFeedback,
    Mark,
    PlanSessions,
    SavePerson,
    SelfCheckIn,
    SessionDetails,
    SetTrainingSettings,
    SignUp,
)
from incubator.training.models import (
    ATTENDANCE_LABELS,
    ATTENDED,
    LIVE_STATUSES,
    Attendance,
    Audience,
    Feedback,
    Material,
    Person,
    Seat,
    SeatStatus,
    SessionAudience,
    Topic,
    TrainingCourse,
    TrainingSession,
    TrainingSettings,
    hours_text,
)
from incubator.validation import has_control_characters

HELD_BY = "training"  # booking.held_by of a session's room
CHECK_IN_BEFORE = timedelta(minutes=30)  # self check-in opens this long before the start
LATE_AFTER = timedelta(minutes=10)  # checked in later than this after the start: late
PASS_MINUTES = 10  # a scanned code lets its scanner check in for this long


def when(session: TrainingSession) -> str:
    return booking.Slot(session.starts_at, session.ends_at).label()


def _key(session_id: int) -> str:
    return f"training:session:{session_id}"


# ---- planning sessions ----------------------------------------------------------------------------

async def _check_details(park_id: int, details: SessionDetails) -> None:
    errors: dict[str, str] = {}
    if not await Topic.filter(id=details.topic_id, is_active=True).exists():
        errors["topic_id"] = _("Choose one of the options.")
    if details.audience == Audience.STAGES and not details.audience_stages:
        errors["audience_stages"] = _("Choose at least one stage.")
    if details.audience == Audience.CHOSEN:
        chosen = set(details.audience_organizations)
        found = await Organization.filter(id__in=list(chosen), park_id=park_id).count() if chosen else 0
        if not chosen or found != len(chosen):
            errors["audience_organizations"] = _("Choose organizations of the park.")
    if errors:
        raise ValidationFailed(errors)


def _detail_values(details: SessionDetails) -> dict[str, Any]:
    return {
        "title": details.title.strip(), "topic_id": details.topic_id, "description": details.description.strip(),
        "trainer": details.trainer.strip(), "trainer_organization": details.trainer_organization.strip(),
        "trainer_external": details.trainer_external, "capacity": details.capacity,
        "per_organization": details.per_organization, "cancel_hours": details.cancel_hours,
        "audience": details.audience, "mandatory": details.mandatory, "credit_minutes": details.credit_minutes,
        "audience_stages": sorted(details.audience_stages) if details.audience == Audience.STAGES else [],
    }


# A session is held in a room people gather in: never at a desk, in an organization's office or
# in the reception area (the park's other kinds of space).
TRAINING_ROOM_KINDS = (SpaceKind.MEETING_ROOM, SpaceKind.TRAINING_ROOM, SpaceKind.ACTIVITY_HALL)


async def _room(principal: Principal, park_id: int, space_id: int) -> Space:
    space = await Space.get_or_none(id=space_id, park_id=park_id, is_active=True)
    if space is None:
        raise ValidationFailed({"space_id": _("Choose one of the options.")})
    if space.kind not in TRAINING_ROOM_KINDS:
        raise ValidationFailed({"space_id": _("Training is held in a meeting room, a training room or a hall.")})
    return space


def _dates(command: PlanSessions) -> list[date]:
    return [command.day + timedelta(weeks=n) for n in range(command.weeks)]


async def plan(principal: Principal, command: PlanSessions) -> list[TrainingSession]:
    """Creates a session, or a course of weekly sessions, each holding its room; all or none (a date
    whose room is closed or taken is named)."""
    if not principal.manages(command.park_id):
        raise PermissionDenied(_("Only the park's managers plan its training."))
    await _check_details(command.park_id, command.details)
    space = await _room(principal, command.park_id, command.space_id)
    now = clock.now()
    for day in _dates(command):
        problem = booking.hold_problem(space, day, command.start, command.end)
        if not problem and booking.local_instant(day, command.start) <= now:
            problem = _("The session would start in the past.")
        if problem:
            raise ValidationFailed({"day" if command.weeks == 1 else "weeks": _(
                "%(date)s: %(problem)s", date=day.isoformat(), problem=problem)})
    values = _detail_values(command.details)
    created: list[TrainingSession] = []
    async with events.transaction() as connection:
        course = None
        if command.weeks > 1:
            course = await TrainingCourse.create(park_id=command.park_id, title=values["title"])
        for day in _dates(command):
            starts_at = booking.local_instant(day, command.start)
            ends_at = booking.local_instant(day, command.end)
            hold = await booking.hold(connection, principal, space, starts_at, ends_at, HELD_BY, values["title"])
            session = await TrainingSession.create(
                park_id=command.park_id, course_id=course.id if course else None, space_id=space.id,
                hold_id=hold.id, starts_at=starts_at, ends_at=ends_at, **values)
            if command.details.audience == Audience.CHOSEN:
                await SessionAudience.bulk_create([SessionAudience(session_id=session.id, organization_id=o)
                                                   for o in sorted(command.details.audience_organizations)])
            await audit.record(principal, "create", session, audit.diff({}, {
                "title": session.title, "space_id": space.id, "starts_at": starts_at, "ends_at": ends_at,
                "capacity": session.capacity, "per_organization": session.per_organization}))
            created.append(session)
    return created


def edit_allowed(principal: Principal, session: TrainingSession) -> bool:
    return principal.manages(session.park_id) and session.cancelled_at is None and session.ends_at > clock.now()


async def edit(principal: Principal, session_id: int, command: EditSession) -> list[TrainingSession]:
    """Changes a session (its time and room too), or the details of every session of its course not
    yet begun. Seats already given stay: the capacity and the share cannot go below them; a larger
    capacity or share gives free seats to the waitlist at once."""
    session = await access.get_or_404(TrainingSession, principal, "change", id=session_id)
    if not edit_allowed(principal, session):
        raise PermissionDenied(_("This session can no longer be changed."))
    await _check_details(session.park_id, command.details)
    now = clock.now()
    if command.whole_course and session.course_id is not None:
        targets = list(await TrainingSession.filter(course_id=session.course_id, cancelled_at__isnull=True,
                                                    starts_at__gt=now).order_by("starts_at"))
        if session.id not in {t.id for t in targets}:
            targets.insert(0, session)
    else:
        targets = [session]
    space = await _room(principal, session.park_id, command.space_id)
    starts_at = booking.local_instant(command.day, command.start)
    ends_at = booking.local_instant(command.day, command.end)
    moved = (space.id, starts_at, ends_at) != (session.space_id, session.starts_at, session.ends_at)
    if moved:
        problem = booking.hold_problem(space, command.day, command.start, command.end)
        if problem:
            raise ValidationFailed({"day": problem})
    values = _detail_values(command.details)
    promoted: list[tuple[int, list[int]]] = []
    async with events.transaction() as connection:
        await db.serialize(connection, Seat._meta.db_table, *(_key(t.id) for t in targets))
        for target in targets:
            fresh = await TrainingSession.get(id=target.id)
            seated = await seated_by_organization(target.id)
            errors = {}
            if command.details.capacity < fresh.seated:
                errors["capacity"] = _("%(count)s seats are taken already.", count=fresh.seated)
            if seated and command.details.per_organization < max(seated.values()):
                errors["per_organization"] = _("An organization holds %(count)s seats already.",
                                               count=max(seated.values()))
            if errors:
                raise ValidationFailed(errors)
            before = audit.snapshot(fresh, list(values))
            update = dict(values)
            if target.id == session.id and moved:
                hold = await booking.hold(connection, principal, space, starts_at, ends_at, HELD_BY,
                                          values["title"], keep=fresh.hold_id)
                update.update(space_id=space.id, starts_at=starts_at, ends_at=ends_at, hold_id=hold.id)
                before.update(space_id=fresh.space_id, starts_at=fresh.starts_at, ends_at=fresh.ends_at)
            await TrainingSession.filter(id=target.id).update(**update)
            if fresh.credit_minutes != update["credit_minutes"]:  # the hours credited follow the session's
                await Seat.filter(session_id=target.id, status=SeatStatus.SEATED,
                                  attendance__in=list(ATTENDED)).update(credit_minutes=update["credit_minutes"])
            await SessionAudience.filter(session_id=target.id).delete()
            if command.details.audience == Audience.CHOSEN:
                await SessionAudience.bulk_create([SessionAudience(session_id=target.id, organization_id=o)
                                                   for o in sorted(command.details.audience_organizations)])
            changes = audit.diff(before, {k: update[k] for k in before})
            if changes:
                await audit.record(principal, "update", target, changes)
            promoted.append((target.id, await _promote(target.id, now)))
        if moved:
            await _tell(await _live_organizations(session.id), "training_session_moved", session.id, {
                "session": values["title"], "when": booking.Slot(starts_at, ends_at).label(), "space": space.name})
    for target_id, seat_ids in promoted:
        if seat_ids:
            await _tell_promoted(target_id, seat_ids)
    return targets


def cancel_allowed(principal: Principal, session: TrainingSession) -> bool:
    return edit_allowed(principal, session) and session.starts_at > clock.now()


async def cancel(principal: Principal, session_id: int, command: CancelSession) -> TrainingSession:
    """The session is called off: its room frees, its seats end, everyone signed up is told why."""
    session = await access.get_or_404(TrainingSession, principal, "change", id=session_id)
    if not cancel_allowed(principal, session):
        raise PermissionDenied(_("This session can no longer be cancelled."))
    now = clock.now()
    async with events.transaction() as connection:
        await db.serialize(connection, Seat._meta.db_table, _key(session.id))
        if not await TrainingSession.filter(id=session.id, cancelled_at__isnull=True).update(
                cancelled_at=now, seated=0, hold_id=None):
            raise Conflict(_("This session was changed meanwhile; look again."))
        if session.hold_id is not None:
            await booking.release_hold(principal, session.hold_id)
        organizations = await _live_organizations(session.id)
        await Seat.filter(session_id=session.id, status__in=list(LIVE_STATUSES)).update(
            status=SeatStatus.CANCELLED, cancelled_at=now)
        await audit.record(principal, "cancel", session, {"cancelled_at": [None, now.isoformat()],
                                                          "reason": ["", command.reason.strip()]})
        await _tell(organizations, "training_session_cancelled", session.id, {
            "session": session.title, "when": when(session), "reason": command.reason.strip()})
    session.cancelled_at = now
    return session


# ---- audience -------------------------------------------------------------------------------------

async def in_audience(session: TrainingSession, organization: Organization) -> bool:
    """Whether the organization is one the session is for (its park's, in the audience)."""
    if organization.park_id != session.park_id:
        return False
    if session.audience == Audience.RESIDENTS:
        return organization.stage in RESIDENT_STAGES
    if session.audience == Audience.STAGES:
        return organization.stage in set(session.audience_stages)
    return await SessionAudience.filter(session_id=session.id, organization_id=organization.id).exists()


def audience_filter(session: TrainingSession) -> Any:
    """The organizations a session is for, as a queryset (the mandatory-session reminder's list)."""
    organizations = Organization.filter(park_id=session.park_id)
    if session.audience == Audience.RESIDENTS:
        return organizations.filter(stage__in=list(RESIDENT_STAGES))
    if session.audience == Audience.STAGES:
        return organizations.filter(stage__in=list(session.audience_stages))
    return organizations.filter(training_invitations__session_id=session.id)


# ---- rosters --------------------------------------------------------------------------------------

def _roster_owner(principal: Principal) -> int:
    if not keeps_roster(principal) or principal.organization_id is None:
        raise PermissionDenied(_("Only an organization's members keep its roster."))
    return principal.organization_id


async def add_person(principal: Principal, command: SavePerson) -> Person:
    organization_id = _roster_owner(principal)
    async with events.transaction():
        person = await Person.create(organization_id=organization_id, name=command.name.strip(),
                                     phone=command.phone.strip(), role=command.role)
        await audit.record(principal, "create", person, audit.diff({}, {
            "name": person.name, "phone": person.phone, "role": person.role.value}))
    return person


async def update_person(principal: Principal, person_id: int, command: SavePerson) -> Person:
    _roster_owner(principal)
    person = await access.get_or_404(Person, principal, "change", id=person_id)
    async with events.transaction():
        await audit.save_and_record(principal, person, {
            "name": command.name.strip(), "phone": command.phone.strip(), "role": command.role},
            ["name", "phone", "role"])
    return person


async def set_person_active(principal: Principal, person_id: int, active: bool) -> Person:
    """A person who left is kept (with their hours) but no longer offered for sign-up."""
    _roster_owner(principal)
    person = await access.get_or_404(Person, principal, "change", id=person_id)
    async with events.transaction():
        await audit.save_and_record(principal, person, {"is_active": active}, ["is_active"])
    return person


# ---- seats ----------------------------------------------------------------------------------------

async def seated_by_organization(session_id: int) -> dict[int, int]:
    rows = await Seat.filter(session_id=session_id, status=SeatStatus.SEATED).group_by(
        "organization_id").annotate(n=Count("id")).values_list("organization_id", "n")
    return {organization_id: n for organization_id, n in rows}


def sign_up_open(session: TrainingSession) -> bool:
    return session.cancelled_at is None and session.starts_at > clock.now()


async def sign_up(principal: Principal, session_id: int, command: SignUp) -> list[Seat]:
    """Signs people of the member's organization up: each takes a seat while the session has one free
    and the organization is under its share, else joins the waitlist."""
    if not principal.is_(Role.MEMBER) or principal.organization_id is None:
        raise PermissionDenied(_("Members sign their organization's people up."))
    session = await access.get_or_404(TrainingSession, principal, id=session_id)
    organization = await Organization.get(id=principal.organization_id).only("id", "park_id", "stage")
    if not sign_up_open(session):
        raise Conflict(_("Sign-up for this session has closed."))
    if not await in_audience(session, organization):
        raise PermissionDenied(_("This session is for other organizations."))
    people = list(await Person.filter(id__in=list(command.person_ids), organization_id=organization.id,
                                      is_active=True).only("id", "name").order_by("name", "id"))
    if not command.person_ids or len(people) != len(command.person_ids):
        raise ValidationFailed({"person_ids": _("Choose people from your organization's roster.")})
    now = clock.now()
    seats: list[Seat] = []
    async with events.transaction() as connection:
        await db.serialize(connection, Seat._meta.db_table, _key(session.id))
        fresh = await TrainingSession.get(id=session.id).only("id", "capacity", "per_organization", "seated",
                                                              "cancelled_at")
        if fresh.cancelled_at is not None:
            raise Conflict(_("Sign-up for this session has closed."))
        # In one query: the session's live seats of these people, and the organization's seats.
        live = await Seat.filter(
            Q(person_id__in=[p.id for p in people]) | Q(organization_id=organization.id, status=SeatStatus.SEATED),
            session_id=session.id, status__in=list(LIVE_STATUSES)).values_list("person_id", "organization_id",
                                                                             "status")
        already = {person_id for person_id, _org, _status in live} & {p.id for p in people}
        if already:
            names = i18n.list_separator().join(p.name for p in people if p.id in already)
            raise ValidationFailed({"person_ids": _("Already signed up: %(names)s.", names=names)})
        held = sum(1 for _person, org, status in live if org == organization.id and status == SeatStatus.SEATED)
        seated = fresh.seated
        for person in people:
            status = SeatStatus.WAITLISTED
            if seated < fresh.capacity and held < fresh.per_organization:
                status, seated, held = SeatStatus.SEATED, seated + 1, held + 1
            seat = await Seat.create(session_id=session.id, person_id=person.id, organization_id=organization.id,
                                     signed_up_by_id=principal.id, status=status, signed_up_at=now,
                                     seated_at=now if status == SeatStatus.SEATED else None)
            await audit.record(principal, "create", seat, audit.diff({}, {
                "session_id": session.id, "person_id": person.id, "status": status.value}))
            seats.append(seat)
        if seated != fresh.seated:
            await TrainingSession.filter(id=session.id).update(seated=F("seated") + (seated - fresh.seated))
    return seats


def seat_cancel_allowed(principal: Principal, seat: Seat, session: TrainingSession) -> bool:
    if seat.status not in LIVE_STATUSES or session.cancelled_at is not None or session.starts_at <= clock.now():
        return False
    if principal.is_(Role.MEMBER):
        return seat.organization_id == principal.organization_id
    return principal.manages(session.park_id)


def promotes(session: TrainingSession) -> bool:
    """A seat given back before the cancellation deadline goes to the waitlist; later it stays free
    (a manager may fill free seats until the start)."""
    return clock.now() < session.starts_at - timedelta(hours=session.cancel_hours)


async def cancel_seat(principal: Principal, seat_id: int) -> tuple[Seat, list[int]]:
    """Gives a seat (or a place on the waitlist) back; before the deadline the freed seat goes to the
    next in the fair order at once. Returns the seat and the seats promoted."""
    seat = await access.get_or_404(Seat, principal, id=seat_id)
    session = await TrainingSession.get(id=seat.session_id)
    if not seat_cancel_allowed(principal, seat, session):
        raise PermissionDenied(_("This sign-up can no longer be cancelled."))
    now = clock.now()
    promoted: list[int] = []
    async with events.transaction() as connection:
        await db.serialize(connection, Seat._meta.db_table, _key(session.id))
        if not await Seat.filter(id=seat.id, status=seat.status).update(status=SeatStatus.CANCELLED,
                                                                          cancelled_at=now):
            raise Conflict(_("This sign-up was changed meanwhile; look again."))
        await audit.record(principal, "cancel", seat, {"status": [seat.status.value, SeatStatus.CANCELLED.value]})
        if seat.status == SeatStatus.SEATED:
            await TrainingSession.filter(id=session.id).update(seated=F("seated") - 1)
            if promotes(session):
                promoted = await _promote(session.id, now)
    if promoted:
        await _tell_promoted(session.id, promoted)
    seat.status = SeatStatus.CANCELLED
    return seat, promoted


def waitlist_places(principal: Principal, session: TrainingSession, seats: list[Seat]) -> dict[int, int]:
    """For the session's managers, each waiting seat's place in the fair order (1: the next seat),
    from the session's live seats (all of them: the managers see every seat; no query)."""
    if not principal.manages(session.park_id):
        return {}
    waiting = [(s.id, s.organization_id) for s in seats if s.status == SeatStatus.WAITLISTED]
    seated: dict[int, int] = {}
    for seat in seats:
        if seat.status == SeatStatus.SEATED:
            seated[seat.organization_id] = seated.get(seat.organization_id, 0) + 1
    order = fair_order(waiting, seated, session.per_organization, len(waiting))
    order += [seat_id for seat_id, _org in waiting if seat_id not in order]  # beyond every share: last
    return {seat_id: place for place, seat_id in enumerate(order, start=1)}


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


def offers_fill(principal: Principal, session: TrainingSession, seats: list[Seat]) -> bool:
    """Free seats and people waiting: the managers may give the seats to the waitlist."""
    return (fill_allowed(principal, session) and session.seated < session.capacity
            and any(s.status == SeatStatus.WAITLISTED for s in seats))


def sees_satisfaction(principal: Principal, session: TrainingSession) -> bool:
    """The park's managers and the officials read a held session's feedback."""
    return (principal.manages(session.park_id) or principal.is_(Role.OFFICIAL)) and session.ends_at <= clock.now()


def fill_allowed(principal: Principal, session: TrainingSession) -> bool:
    return principal.manages(session.park_id) and sign_up_open(session)


async def fill(principal: Principal, session_id: int) -> list[int]:
    """A manager gives the session's free seats to the waitlist, in the fair order (after the deadline,
    when seats given back stay free)."""
    session = await access.get_or_404(TrainingSession, principal, "change", id=session_id)
    if not fill_allowed(principal, session):
        raise PermissionDenied(_("Sign-up for this session has closed."))
    async with events.transaction() as connection:
        await db.serialize(connection, Seat._meta.db_table, _key(session.id))
        promoted = await _promote(session.id, clock.now())
        if promoted:
            await audit.record(principal, "fill", session, {"seated": [None, len(promoted)]})
    if promoted:
        await _tell_promoted(session.id, promoted)
    return promoted


def fair_order(waiting: list[tuple[int, int]], seated: dict[int, int], share: int, free: int) -> list[int]:
    """The seats (id, organization id; in sign-up order) to promote into `free` seats: each time the
    organization holding the fewest seats among those under their `share`, then the earliest."""
    counts = dict(seated)
    queue = list(waiting)
    chosen: list[int] = []
    while free > 0:
        eligible = [(counts.get(organization_id, 0), position, seat_id, organization_id)
                    for position, (seat_id, organization_id) in enumerate(queue)
                    if counts.get(organization_id, 0) < share]
        if not eligible:
            break
        _count, position, seat_id, organization_id = min(eligible)
        chosen.append(seat_id)
        counts[organization_id] = counts.get(organization_id, 0) + 1
        queue.pop(position)
        free -= 1
    return chosen


async def _promote(session_id: int, now: datetime) -> list[int]:
    """Inside the caller's serialized transaction: free seats to the waitlist, in the fair order."""
    session = await TrainingSession.get(id=session_id).only("id", "capacity", "per_organization", "seated")
    free = session.capacity - session.seated
    if free <= 0:
        return []
    waiting = await Seat.filter(session_id=session_id, status=SeatStatus.WAITLISTED).order_by(
        "signed_up_at", "id").values_list("id", "organization_id")
    chosen = fair_order(list(waiting), await seated_by_organization(session_id), session.per_organization, free)
    if not chosen:
        return []
    await Seat.filter(id__in=chosen, status=SeatStatus.WAITLISTED).update(status=SeatStatus.SEATED, seated_at=now)
    await TrainingSession.filter(id=session_id).update(seated=F("seated") + len(chosen))
    for seat_id in chosen:
        await audit.record(None, "promote", object_type="Seat", object_id=seat_id, object_repr=f"Seat {seat_id}",
                           changes={"status": [SeatStatus.WAITLISTED.value, SeatStatus.SEATED.value]})
    return chosen


async def _tell_promoted(session_id: int, seat_ids: list[int]) -> None:
    """After commit: each promoted person's organization is told they have a seat."""
    session = await TrainingSession.get(id=session_id).only("id", "title", "starts_at", "ends_at")
    rows = await Seat.filter(id__in=seat_ids).values_list("organization_id", "person__name")
    for organization_id, name in rows:
        await notifications.notify_many(await auth_service.member_ids(organization_id), "training_seat_given",
                                        f"/training/{session_id}", {"person": name, "session": session.title,
                                                                    "when": when(session)})


async def _live_organizations(session_id: int) -> list[int]:
    return sorted(set(await db.flat(Seat.filter(session_id=session_id, status__in=list(LIVE_STATUSES)).values_list(
        "organization_id", flat=True))))


async def _tell(organization_ids: list[int], kind: str, session_id: int, details: dict) -> None:
    for organization_id in organization_ids:
        await notifications.notify_many(await auth_service.member_ids(organization_id), kind,
                                        f"/training/{session_id}", details)


# ---- attendance -----------------------------------------------------------------------------------

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


# ---- materials ------------------------------------------------------------------------------------

async def add_material(principal: Principal, session_id: int, title: str, upload: object,
                       settings: Settings) -> Material:
    """The park's managers attach slides and handouts to a session (the checked upload path)."""
    session = await access.get_or_404(TrainingSession, principal, "change", id=session_id)
    if not principal.manages(session.park_id):
        raise PermissionDenied(_("Only the park's managers plan its training."))
    clean = title.strip()
    if has_control_characters(clean):
        raise ValidationFailed({"title": _("Remove the invisible control characters (often copied along with the "
                                           "text).")})
    if len(clean) > 150:
        raise ValidationFailed({"title": _("At most %(n)s characters.", n=150)})
    stored = await uploads.store(upload, settings)
    try:
        async with events.transaction():
            material = await Material.create(
                session_id=session.id, title=clean or stored.filename, filename=stored.filename,
                content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
                storage_name=stored.storage_name, uploaded_by_id=principal.id, uploaded_at=clock.now())
            await audit.record(principal, "create", material, {"filename": [None, stored.filename],
                                                               "sha256": [None, stored.sha256]},
                               object_repr=f"{session.title}: {material.title}")
    except Exception:
        stored.path.unlink(missing_ok=True)  # nothing half-written stays behind
        raise
    return material


async def person_minutes(organization_id: int) -> dict[int, int]:
    """Each of the organization's people's attended minutes, summed by the database (one query)."""
    rows = await Seat.filter(organization_id=organization_id, credit_minutes__gt=0).group_by("person_id").annotate(
        total=Sum("credit_minutes")).values_list("person_id", "total")
    return {person_id: int(total or 0) for person_id, total in rows}


# ---- feedback -------------------------------------------------------------------------------------

FEEDBACK_DAYS = 30  # attendees rate a session for this long after its end


def feedback_open(session: TrainingSession) -> bool:
    now = clock.now()
    return session.cancelled_at is None and session.ends_at <= now <= session.ends_at + timedelta(days=FEEDBACK_DAYS)


async def feedback_seats(principal: Principal, session: TrainingSession) -> list[Seat]:
    """The member's organization's attendees of the session, each with its rating if given."""
    if not principal.is_(Role.MEMBER) or principal.organization_id is None or not feedback_open(session):
        return []
    return list(await Seat.filter(session_id=session.id, organization_id=principal.organization_id,
                                  status=SeatStatus.SEATED, attendance__in=list(ATTENDED)).select_related(
        "person").prefetch_related("feedback").order_by("person__name", "id"))


async def give_feedback(principal: Principal, seat_id: int, command: GiveFeedback) -> Feedback:
    """An attendee's rating (1–5) and comment, given by a member of their organization after the
    session; given again, it replaces the first."""
    seat = await access.get_or_404(Seat, principal, id=seat_id)
    session = await TrainingSession.get(id=seat.session_id)
    if (not principal.is_(Role.MEMBER) or seat.organization_id != principal.organization_id
            or seat.attendance not in ATTENDED or not feedback_open(session)):
        raise PermissionDenied(_("Attendees rate a session in the 30 days after it."))
    values: dict[str, Any] = {"rating": command.rating, "comment": command.comment.strip()}
    for attempt in (1, 2):  # two members rating one attendee at once: the one that lost replaces the other's
        try:
            async with events.transaction():
                existing = await Feedback.get_or_none(seat_id=seat.id)
                if existing is None:
                    feedback = await Feedback.create(seat_id=seat.id, session_id=session.id, at=clock.now(),
                                                     given_by_id=principal.id, **values)
                    await audit.record(principal, "create", feedback, audit.diff({}, values))
                else:
                    await audit.save_and_record(principal, existing, {**values, "at": clock.now()},
                                                ["rating", "comment"])
                    feedback = existing
            return feedback
        except IntegrityError:  # the seat's one rating (a unique column) was made meanwhile
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Satisfaction:
    attended: int
    responses: int
    average: str  # "4.25", or "—" without answers
    satisfied: str  # share of ratings of 4 or 5, "%.1f", or "—"
    silent: list[Seat]  # attendees without an answer (person, organization)
    comments: list[tuple[int, str]]  # (rating, comment) of answers with a comment


async def satisfaction(session: TrainingSession) -> Satisfaction:
    """What the session's attendees said, and who has not answered (for its park's managers)."""
    attended = list(await Seat.filter(session_id=session.id, status=SeatStatus.SEATED,
                                      attendance__in=list(ATTENDED)).select_related("person", "organization").only(
        "id", "person_id", "organization_id", "person__id", "person__name", "organization__id",
        "organization__name_zh").order_by("organization__name_zh", "person__name"))
    given = {seat_id: (rating, comment) for seat_id, rating, comment in await Feedback.filter(
        session_id=session.id).values_list("seat_id", "rating", "comment")}
    ratings = [rating for rating, _comment in given.values()]
    return Satisfaction(
        attended=len(attended), responses=len(ratings),
        average=f"{sum(ratings) / len(ratings):.2f}" if ratings else "—",
        satisfied=f"{100 * sum(1 for r in ratings if r >= 4) / len(ratings):.1f}" if ratings else "—",
        silent=[seat for seat in attended if seat.id not in given],
        comments=[(rating, comment) for rating, comment in given.values() if comment])


# ---- reminders ------------------------------------------------------------------------------------

async def remind_tomorrow() -> dict:
    """The scheduled job: the day before a session, each organization with people seated is told
    (inbox, and the daily digest); once a session, whichever process runs the job."""
    tomorrow = clock.today() + timedelta(days=1)
    start, end = booking.local_instant(tomorrow, time()), booking.local_instant(tomorrow + timedelta(days=1), time())
    due = await TrainingSession.filter(cancelled_at__isnull=True, reminded_at__isnull=True, starts_at__gte=start,
                                       starts_at__lt=end).values_list("id", "title", "starts_at", "ends_at")
    reminded = 0
    for session_id, title, starts_at, ends_at in due:
        async with events.transaction():
            if not await TrainingSession.filter(id=session_id, reminded_at__isnull=True).update(
                    reminded_at=clock.now()):
                continue  # another process reminded them
            rows = await Seat.filter(session_id=session_id, status=SeatStatus.SEATED).values_list(
                "organization_id", "person__name")
            people: dict[int, list[str]] = {}
            for organization_id, name in rows:
                people.setdefault(organization_id, []).append(name)
            for organization_id, names in people.items():
                await notifications.notify_many(
                    await auth_service.member_ids(organization_id), "training_reminder", f"/training/{session_id}",
                    {"session": title, "when": booking.Slot(starts_at, ends_at).label(),
                     "people": i18n.list_separator().join(sorted(names))})
            reminded += 1
    return {"reminded": reminded}


# ---- hours ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HoursRow:
    year: int
    topic_zh: str
    topic_en: str
    minutes: int

    @property
    def hours(self) -> str:
        return hours_text(self.minutes)

    def topic(self, locale: str) -> str:
        return self.topic_en if locale.startswith("en") and self.topic_en else self.topic_zh


def _year_sql(dialect: str) -> tuple[str, str]:
    """The local year of a session's start, as SQL, and its parameter (the users' UTC offset)."""
    offset = clock.now().utcoffset() or timedelta()
    if dialect == "sqlite":
        return "CAST(strftime('%Y', s.starts_at, ?) AS INTEGER)", f"{int(offset.total_seconds() // 60):+d} minutes"
    return "CAST(EXTRACT(YEAR FROM s.starts_at AT TIME ZONE $1) AS INTEGER)", str(clock.zone())


async def organization_hours(organization: Organization) -> tuple[int, list[HoursRow]]:
    """The park's minimum of hours, and the organization's attended hours by year and topic, summed
    by the database in one query whatever the data (a row with no year when it has none)."""
    connection: Any = Seat._meta.db
    dialect = connection.capabilities.dialect
    year, parameter = _year_sql(dialect)
    marks = ("?", "?") if dialect == "sqlite" else ("$2", "$3")
    rows = await connection.execute_query_dict(
        f"SELECT st.min_hours AS min_hours, h.year AS year, h.topic_zh AS topic_zh, "  # noqa: S608
        f"h.topic_en AS topic_en, h.minutes AS minutes FROM (SELECT 1 AS one) o "
        f'LEFT JOIN (SELECT {year} AS year, p.name_zh AS topic_zh, p.name_en AS topic_en, p.sort AS sort, '
        f"SUM(t.credit_minutes) AS minutes "
        f'FROM "{Seat._meta.db_table}" t JOIN "{TrainingSession._meta.db_table}" s ON s.id = t.session_id '
        f'JOIN "{Topic._meta.db_table}" p ON p.id = s.topic_id '
        f"WHERE t.organization_id = {marks[0]} AND t.credit_minutes > 0 GROUP BY 1, 2, 3, 4) h ON 1 = 1 "
        f'LEFT JOIN "{TrainingSettings._meta.db_table}" st ON st.park_id = {marks[1]} '
        f"ORDER BY h.year DESC, h.sort", [parameter, organization.id, organization.park_id or 0])
    minimum = int(rows[0]["min_hours"] or 0) if rows else 0
    return minimum, [HoursRow(int(r["year"]), r["topic_zh"], r["topic_en"] or "", int(r["minutes"]))
                     for r in rows if r["year"] is not None]


async def settings_for(park_id: int) -> TrainingSettings:
    return await TrainingSettings.get_or_none(park_id=park_id) or TrainingSettings(park_id=park_id)


async def set_settings(principal: Principal, park_id: int, command: SetTrainingSettings) -> TrainingSettings:
    if not principal.manages(park_id):
        raise PermissionDenied(_("Only the park's managers set its training."))
    park = await Park.get(id=park_id)
    return await audit.save_settings(principal, TrainingSettings, {"park_id": park_id},
                                     {"min_hours": command.min_hours}, park)


async def training_hours_met(organization: Organization) -> Check:
    """The graduation criterion: the organization attended at least its park's minimum of hours (one
    query: the minimum and the hours together)."""
    connection: Any = Seat._meta.db
    marks = ("?", "?") if connection.capabilities.dialect == "sqlite" else ("$1", "$2")
    rows = await connection.execute_query_dict(
        f'SELECT (SELECT min_hours FROM "{TrainingSettings._meta.db_table}" WHERE park_id = {marks[0]}) '  # noqa: S608
        f'AS min_hours, (SELECT COALESCE(SUM(credit_minutes), 0) FROM "{Seat._meta.db_table}" '
        f"WHERE organization_id = {marks[1]}) AS minutes", [organization.park_id or 0, organization.id])
    minimum, minutes = int(rows[0]["min_hours"] or 0), int(rows[0]["minutes"] or 0)
    met = minutes >= minimum * 60
    label = _("Training hours attended (at least %(hours)s)", hours=minimum)
    return Check("training_hours", label, met, "" if met else _(
        "%(done)s of %(hours)s hours attended.", done=hours_text(minutes), hours=minimum))


# ---- topics ---------------------------------------------------------------------------------------

async def add_topic(principal: Principal, command: AddTopic) -> Topic:
    """Administrators and park managers extend the district's list of topics."""
    if not principal.is_(Role.ADMIN, Role.MANAGER):
        raise PermissionDenied(_("You may not do that."))
    name_zh, name_en = command.name_zh.strip(), command.name_en.strip()
    taken = ValidationFailed({"name_zh": _("This topic already exists.")})
    if await Topic.filter(name_zh=name_zh).exists():
        raise taken
    try:
        async with events.transaction():
            last = await Topic.all().order_by("-sort").first()
            topic = await Topic.create(code=f"topic_{secrets.token_hex(4)}", name_zh=name_zh, name_en=name_en,
                                       sort=(last.sort + 10) if last else 10)
            await audit.record(principal, "create", topic, {"name_zh": [None, name_zh], "name_en": [None, name_en]})
    except IntegrityError:  # added by someone else at the same moment (uq_training_topic_name)
        raise taken from None
    return topic


# ---- what a principal may do -----------------------------------------------------------------------

async def plannable_parks(principal: Principal, limit: int) -> list[Park]:
    """The parks whose training the principal plans: every park for administrators, a manager's own."""
    if principal.is_(Role.ADMIN):
        return list(await Park.all().order_by("id").limit(limit))
    if principal.is_(Role.MANAGER):
        return list(await Park.filter(id__in=list(principal.park_ids)).order_by("id"))
    return []


def keeps_roster(principal: Principal) -> bool:
    return principal.is_(Role.MEMBER) and principal.organization_id is not None


def reads_figures(principal: Principal) -> bool:
    """Training figures: officials and administrators every park's, managers their parks'."""
    return principal.is_(Role.ADMIN, Role.OFFICIAL, Role.MANAGER)


# ---- lookups for pages ----------------------------------------------------------------------------

async def rooms(park_id: int) -> list[Space]:
    """The rooms a session of the park may be held in (TRAINING_ROOM_KINDS)."""
    return list(await Space.filter(park_id=park_id, is_active=True, kind__in=list(TRAINING_ROOM_KINDS)).only(
        "id", "name", "park_id", "capacity").order_by("name", "id"))


async def topics() -> list[Topic]:
    return list(await Topic.filter(is_active=True).order_by("sort", "id"))
