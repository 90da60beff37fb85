"""Training sign-up under load, for scripts/bench.py: POST /training/{id}/sign-up to a real
`incubator serve` on a copy of the city, each request one person of a member's organization for one
session to come that the person is not signed up for, so that every answer must be a success (303:
a seat, or a place on the waitlist) and any other answer is a failure of the app, not of the load.

Who signs up: in each of `parks` parks, `members` members of different resident organizations
(every generated session is for all residents). What: each member's five people, for each session of
the park to come (from a margin past the run's end), none already signed up; requests go round the
parks in turn. The sessions fill as they would: beyond the capacity, or the organization's share of
two seats, onto the waitlist. Afterwards the copy is checked: every seat made is a request sent
once, no session holds more seats than its capacity or than its counter says, and no organization
more than its share. The wrk script is the booking benchmark's (scripts/bench_booking.lua): one
request a line, a success answers 303. The original database is not written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
from bench_booking import Actor  # scripts/bench_booking.py: a signed-in account


@dataclass(frozen=True)
class Request:
    actor: Actor
    session_id: int
    person_id: int


@dataclass
class Plan:
    parks: list[int]
    actors: list[Actor]
    requests: list[Request]  # in the order they are sent


async def prepare(parks: int, members: int, margin: timedelta) -> Plan:
    """On the copy (the ORM connected): the members who sign up and what each request asks for."""
    from incubator import clock
    from incubator.auth.models import User
    from incubator.organizations.models import RESIDENT_STAGES, Organization
    from incubator.roles import Role
    from incubator.training.models import LIVE_STATUSES, Person, Seat, TrainingSession

    start = clock.now() + margin
    park_ids = await TrainingSession.filter(cancelled_at__isnull=True, starts_at__gt=start).order_by(
        "park_id").distinct().values_list("park_id", flat=True)
    chosen: list[int] = []
    actors: list[Actor] = []
    per_park: dict[int, list[Request]] = {}
    for park_id in park_ids:
        residents = await Organization.filter(park_id=park_id, stage__in=list(RESIDENT_STAGES)).order_by(
            "id").values_list("id", flat=True)
        accounts = dict(await User.filter(role=Role.MEMBER, is_active=True, organization_id__in=list(residents))
                        .order_by("-id").values_list("organization_id", "username"))
        with_members = [org for org in residents if org in accounts][:members]
        if len(with_members) < members:
            continue
        sessions = await TrainingSession.filter(park_id=park_id, cancelled_at__isnull=True,
                                                starts_at__gt=start).order_by("starts_at").values_list("id", flat=True)
        mine = [Actor(accounts[org], park_id, org) for org in with_members]
        people = {org: await Person.filter(organization_id=org, is_active=True).order_by("id").values_list(
            "id", flat=True) for org in with_members}
        taken = set(await Seat.filter(session_id__in=list(sessions), status__in=list(LIVE_STATUSES),
                                      organization_id__in=with_members).values_list("session_id", "person_id"))
        requests = [Request(actor, session_id, person_id) for session_id in sessions for actor in mine
                    for person_id in people[actor.organization_id or 0] if (session_id, person_id) not in taken]
        if not requests:
            continue
        chosen.append(park_id)
        actors += mine
        per_park[park_id] = requests
        if len(chosen) == parks:
            break
    ordered: list[Request] = []
    for index in range(max((len(r) for r in per_park.values()), default=0)):
        ordered += [per_park[p][index] for p in chosen if index < len(per_park[p])]
    return Plan(chosen, actors, ordered)


def form(request: Request) -> dict[str, str]:
    return {"csrf_token": request.actor.token, "person_ids": str(request.person_id)}


def write_requests(path: Path, requests: list[Request]) -> None:
    """One line a request for the wrk script: path, Cookie header, form body (tab-separated)."""
    with path.open("w", encoding="utf-8") as out:
        for request in requests:
            out.write(f"/training/{request.session_id}/sign-up\t{request.actor.cookie}\t{urlencode(form(request))}\n")


def post(base: str, request: Request) -> httpx.Response:
    return httpx.post(f"{base}/training/{request.session_id}/sign-up", data=form(request),
                      headers={"Cookie": request.actor.cookie, "Origin": base}, timeout=60)


async def created(first_id: int, requested: list[Request]) -> dict:
    """The seats made after `first_id` (the ORM connected on the copy), by status; whether each is a
    request's, once; and the sessions over their capacity, whose counter disagrees with their seats,
    or where an organization holds more than its share (all must be 0)."""
    from tortoise import connections

    from incubator.training.models import Seat

    rows = await Seat.filter(id__gt=first_id).values_list("session_id", "person_id", "status")
    asked = {(r.session_id, r.person_id) for r in requested}
    pairs = [(session_id, person_id) for session_id, person_id, _status in rows]
    statuses: dict[str, int] = {}
    for _session, _person, status in rows:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    connection = connections.get("default")
    _count, over = await connection.execute_query(
        "SELECT COUNT(*) AS n FROM training_session s WHERE s.seated > s.capacity OR s.seated <> "
        "(SELECT COUNT(*) FROM training_seat t WHERE t.session_id = s.id AND t.status = 'seated')")
    _count, shares = await connection.execute_query(
        "SELECT COUNT(*) AS n FROM (SELECT t.session_id, t.organization_id, COUNT(*) AS held FROM training_seat t "
        "WHERE t.status = 'seated' GROUP BY t.session_id, t.organization_id) h JOIN training_session s "
        "ON s.id = h.session_id WHERE h.held > s.per_organization")
    return {"rows": len(rows), "statuses": statuses, "requested": set(pairs) <= asked,
            "once": len(set(pairs)) == len(pairs), "over_capacity": dict(over[0])["n"],
            "over_share": dict(shares[0])["n"]}
