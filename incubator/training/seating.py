"""Seating at training sessions: who a session is for (its audience); sign-up with capacity, a share
per organization and a fair waitlist that promotes itself; a seat given back; the free seats a
manager gives to the waitlist.

Every change to a session's seats is one transaction that first serializes on the session
(`db.serialize` on `session_lock_key`: an advisory lock on PostgreSQL as pretix locks its quotas, the write
lock on SQLite), then reads the seats and writes. The session's `seated` counter is kept in the
same transaction and a CHECK keeps it within the capacity, so no writer can over-fill a session.

Fair order: a freed seat goes to the waitlisted person whose organization holds the fewest seats
of the session (among those under their share), then to whoever signed up first.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import F, Q
from tortoise.functions import Count

from incubator import access, clock, db, events, i18n
from incubator.access import Principal
from incubator.audit import service as audit
from incubator.errors import Conflict, PermissionDenied, ValidationFailed
from incubator.i18n import gettext as _
from incubator.organizations.models import RESIDENT_STAGES, Organization
from incubator.roles import Role
from incubator.training.commands import SignUp
from incubator.training.models import (
    LIVE_STATUSES,
    Audience,
    Person,
    Seat,
    SeatStatus,
    SessionAudience,
    TrainingSession,
)
from incubator.training.notices import tell_promoted


def session_lock_key(session_id: int) -> str:
    return f"training:session:{session_id}"


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
        await db.serialize(connection, Seat._meta.db_table, session_lock_key(session.id))
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
        await db.serialize(connection, Seat._meta.db_table, session_lock_key(session.id))
        if not await Seat.filter(id=seat.id, status=seat.status).update(status=SeatStatus.CANCELLED,
                                                                          cancelled_at=now):
            raise Conflict(_("This sign-up was changed meanwhile; look again."))
        await audit.record(principal, "cancel", seat, {"status": [seat.status.value, SeatStatus.CANCELLED.value]})
        if seat.status == SeatStatus.SEATED:
            await TrainingSession.filter(id=session.id).update(seated=F("seated") - 1)
            if promotes(session):
                promoted = await promote_waitlist(session.id, now)
    if promoted:
        await tell_promoted(session.id, promoted)
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


def offers_fill(principal: Principal, session: TrainingSession, seats: list[Seat]) -> bool:
    """Free seats and people waiting: the managers may give the seats to the waitlist."""
    return (fill_allowed(principal, session) and session.seated < session.capacity
            and any(s.status == SeatStatus.WAITLISTED for s in seats))


def fill_allowed(principal: Principal, session: TrainingSession) -> bool:
    return principal.manages(session.park_id) and sign_up_open(session)


async def fill(principal: Principal, session_id: int) -> list[int]:
    """A manager gives the session's free seats to the waitlist, in the fair order (after the deadline,
    when seats given back stay free)."""
    session = await access.get_or_404(TrainingSession, principal, "change", id=session_id)
    if not fill_allowed(principal, session):
        raise PermissionDenied(_("Sign-up for this session has closed."))
    async with events.transaction() as connection:
        await db.serialize(connection, Seat._meta.db_table, session_lock_key(session.id))
        promoted = await promote_waitlist(session.id, clock.now())
        if promoted:
            await audit.record(principal, "fill", session, {"seated": [None, len(promoted)]})
    if promoted:
        await tell_promoted(session.id, promoted)
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


async def promote_waitlist(session_id: int, now: datetime) -> list[int]:
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
