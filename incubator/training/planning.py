"""Training sessions: planning one, or a weekly course, each in a room held through booking
(`booking.holds`: a session and a booking never hold one room at once); changing a session (its
time and room too) or every session of its course not yet begun; calling one off. Also the rooms
and topics sessions are planned with, and who plans them.

A change that touches seats serializes on the session as every change to its seats does
(`seating.session_lock_key`), and gives free seats to the waitlist at once (`seating.promote_waitlist`).
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from incubator import access, clock, db, events
from incubator.access import Principal
from incubator.audit import service as audit
from incubator.booking import holds
from incubator.booking.slots import Slot, local_instant
from incubator.errors import Conflict, PermissionDenied, ValidationFailed
from incubator.i18n import gettext as _
from incubator.organizations.models import Organization
from incubator.parks.models import Park, Space, SpaceKind
from incubator.roles import Role
from incubator.training.commands import AddTopic, CancelSession, EditSession, PlanSessions, SessionDetails
from incubator.training.models import (
    ATTENDED,
    LIVE_STATUSES,
    Audience,
    Seat,
    SeatStatus,
    SessionAudience,
    Topic,
    TrainingCourse,
    TrainingSession,
)
from incubator.training.notices import live_organizations, tell, tell_promoted, when
from incubator.training.seating import promote_waitlist, seated_by_organization, session_lock_key

HELD_BY = "training"  # booking.held_by of a session's room


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
        problem = holds.hold_problem(space, day, command.start, command.end)
        if not problem and local_instant(day, command.start) <= now:
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
            starts_at = local_instant(day, command.start)
            ends_at = local_instant(day, command.end)
            hold = await holds.hold(connection, principal, space, starts_at, ends_at, HELD_BY, values["title"])
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
    starts_at = local_instant(command.day, command.start)
    ends_at = local_instant(command.day, command.end)
    moved = (space.id, starts_at, ends_at) != (session.space_id, session.starts_at, session.ends_at)
    if moved:
        problem = holds.hold_problem(space, command.day, command.start, command.end)
        if problem:
            raise ValidationFailed({"day": problem})
    values = _detail_values(command.details)
    promoted: list[tuple[int, list[int]]] = []
    async with events.transaction() as connection:
        await db.serialize(connection, Seat._meta.db_table, *(session_lock_key(t.id) for t in targets))
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
                hold = await holds.hold(connection, principal, space, starts_at, ends_at, HELD_BY,
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
            promoted.append((target.id, await promote_waitlist(target.id, now)))
        if moved:
            await tell(await live_organizations(session.id), "training_session_moved", session.id, {
                "session": values["title"], "when": Slot(starts_at, ends_at).label(), "space": space.name})
    for target_id, seat_ids in promoted:
        if seat_ids:
            await tell_promoted(target_id, seat_ids)
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
        await db.serialize(connection, Seat._meta.db_table, session_lock_key(session.id))
        if not await TrainingSession.filter(id=session.id, cancelled_at__isnull=True).update(
                cancelled_at=now, seated=0, hold_id=None):
            raise Conflict(_("This session was changed meanwhile; look again."))
        if session.hold_id is not None:
            await holds.release_hold(principal, session.hold_id)
        organizations = await live_organizations(session.id)
        await Seat.filter(session_id=session.id, status__in=list(LIVE_STATUSES)).update(
            status=SeatStatus.CANCELLED, cancelled_at=now)
        await audit.record(principal, "cancel", session, {"cancelled_at": [None, now.isoformat()],
                                                          "reason": ["", command.reason.strip()]})
        await tell(organizations, "training_session_cancelled", session.id, {
            "session": session.title, "when": when(session), "reason": command.reason.strip()})
    session.cancelled_at = now
    return session


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


# ---- what a principal may do ----------------------------------------------------------------------

async def plannable_parks(principal: Principal, limit: int) -> list[Park]:
    """The parks whose training the principal plans: every park for administrators, a manager's own."""
    if principal.is_(Role.ADMIN):
        return list(await Park.all().order_by("id").limit(limit))
    if principal.is_(Role.MANAGER):
        return list(await Park.filter(id__in=list(principal.park_ids)).order_by("id"))
    return []


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
