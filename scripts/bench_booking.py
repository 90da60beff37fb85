"""Booking creation under load, for scripts/bench.py: POST /spaces/{id}/book to a real
`incubator serve` on a copy of the city, each request a free slot of its own, so that every answer
must be a success (303) and any other answer is a failure of the app, not of the load.

The generated city books its rooms back to back for three months ahead, 7 to 93 bookings to come per
resident organization, while each park's quota allows 4 at once (8 hours a week, 16 a month): as
generated, no member could book at all. The benchmark's copy raises the quota of the parks it
drives to the most the quota form allows (168 hours a week, 744 a month, 1,000 bookings at once),
so the quota is still read and checked on every member's booking, and never refuses one. The
original database is not written.

Who books: in each of `parks` parks, `members` members of different resident organizations (their
organization's quota counted) and one of the park's managers, who blocks time (no organization, no
quota): four bookings in five are members', as in a park where residents book and managers block a
room now and then. Rooms that need approval take members' bookings as requests (pending, the
managers told); a manager's block is confirmed.

What each books: the free slots of the rooms of its park, from tomorrow to the rooms' horizon, of
the rooms' shortest length, on open days that are not public holidays, aligned on the rooms' steps,
and held clear of every confirmed or pending booking (and its buffer): no request can meet another
booking or another request. Requests go round the parks in turn, each park's slots in time order.
Each booking's purpose carries its request's number, so the rows created are matched to requests.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "scripts" / "bench_booking.lua"
PURPOSE = "压力测试 #"  # the purpose of every benchmark booking, then the request's number
QUOTA = {"week_minutes": 168 * 60, "month_minutes": 744 * 60, "open_bookings": 1000}  # the quota form's maxima


@dataclass
class Actor:
    username: str
    park_id: int
    organization_id: int | None  # None: a manager, blocking time
    cookie: str = ""
    token: str = ""


@dataclass(frozen=True)
class Slot:
    space_id: int
    park_id: int
    day: date
    start: time
    end: time


@dataclass
class Plan:
    parks: list[int]
    actors: list[Actor]
    slots: list[tuple[Actor, Slot]]  # in the order they are requested


async def prepare(parks: int, members: int, margin: timedelta) -> Plan:
    """On the copy (the ORM connected): raises the quota of the parks driven, and lists the
    actors and the free slots each will book. `margin`: how long the run may take, so that every
    slot is still beyond its room's notice when it is asked for."""
    from incubator import clock, workdays
    from incubator.auth.models import ParkManager, User
    from incubator.booking.models import ACTIVE_STATUSES, LONGEST_HOLD, Booking, BookingQuota
    from incubator.booking.slots import local_instant, opening_on, rules_for
    from incubator.organizations.models import RESIDENT_STAGES, Organization
    from incubator.parks.models import Space
    from incubator.roles import Role

    rooms = list(await Space.filter(bookable=True, is_active=True).order_by("park_id", "id"))
    by_park: dict[int, list[Space]] = {}
    for room in rooms:
        by_park.setdefault(room.park_id, []).append(room)
    actors: list[Actor] = []
    chosen: list[int] = []
    for park_id in by_park:
        residents = await Organization.filter(park_id=park_id, stage__in=list(RESIDENT_STAGES)).order_by(
            "id").values_list("id", flat=True)
        accounts = dict(await User.filter(role=Role.MEMBER, is_active=True, organization_id__in=list(residents))
                        .order_by("-id").values_list("organization_id", "username"))  # the first member of each
        managers = await ParkManager.filter(park_id=park_id, user__is_active=True).order_by("user_id").values_list(
            "user__username", flat=True)
        with_members = [org for org in residents if org in accounts][:members]
        if len(with_members) < members or not managers:
            continue
        chosen.append(park_id)
        actors += [Actor(accounts[org], park_id, org) for org in with_members]
        actors.append(Actor(managers[0], park_id, None))
        if len(chosen) == parks:
            break
    for park_id in chosen:
        await BookingQuota.update_or_create(defaults=QUOTA, park_id=park_id)

    clock.configure(os.environ.get("INCUBATOR_TIMEZONE") or clock.DEFAULT_TIMEZONE)  # as the server's
    now = clock.now()
    today = clock.today()
    per_park: dict[int, list[Slot]] = {}
    for park_id in chosen:
        found: list[Slot] = []
        for room in by_park[park_id]:
            rules = await rules_for(room.id)
            length = timedelta(minutes=max(rules.min_minutes, rules.slot_minutes))
            buffer = timedelta(minutes=rules.buffer_minutes)
            first_day, last_day = today + timedelta(days=1), today + timedelta(days=rules.horizon_days)
            taken = await Booking.filter(
                space_id=room.id, status__in=list(ACTIVE_STATUSES),
                starts_at__gt=local_instant(first_day, time()) - LONGEST_HOLD,
                starts_at__lt=local_instant(last_day + timedelta(days=1), time()),
            ).values_list("starts_at", "held_until")
            taken_on: dict[date, list[tuple[datetime, datetime]]] = {}  # by each local day they touch
            for other, until in taken:
                touched = clock.local_date(other)
                while touched <= clock.local_date(until):
                    taken_on.setdefault(touched, []).append((other, until))
                    touched += timedelta(days=1)
            day = first_day
            while day <= last_day:
                opening = opening_on(room, day)
                if opening and not workdays.is_public_holiday(day):
                    start = local_instant(day, opening[0])
                    close = local_instant(day, opening[1])
                    while start.astimezone(clock.zone()).minute % rules.slot_minutes:
                        start += timedelta(minutes=1)
                    earliest = now + timedelta(minutes=rules.notice_minutes) + margin
                    last_held = start
                    while start + length <= close:
                        held = start + length + buffer  # our own slots keep the buffer between them too
                        if start >= max(earliest, last_held) and not any(
                                other < held and until > start for other, until in taken_on.get(day, ())):
                            local = start.astimezone(clock.zone())
                            found.append(Slot(room.id, park_id, day, local.time(), (local + length).time()))
                            last_held = held
                        start += timedelta(minutes=rules.slot_minutes)
                day += timedelta(days=1)
        found.sort(key=lambda slot: (slot.day, slot.start, slot.space_id))
        per_park[park_id] = found

    park_actors = {park_id: [a for a in actors if a.park_id == park_id] for park_id in chosen}
    slots: list[tuple[Actor, Slot]] = []
    for index in range(max((len(found) for found in per_park.values()), default=0)):
        for park_id in chosen:
            if index < len(per_park[park_id]):
                mine = park_actors[park_id]
                slots.append((mine[index % len(mine)], per_park[park_id][index]))
    return Plan(chosen, actors, slots)


def sign_in_all(base: str, actors: list[Actor], password: str) -> None:
    """Each actor's session cookie and CSRF token (argon2 verifies ~50 ms a sign-in: a few at once)."""

    def one(actor: Actor) -> None:
        with httpx.Client(base_url=base, headers={"Origin": base}) as client:
            page = client.get("/login")
            token = re.search(r'name="csrf-token" content="(\w+)"', page.text)
            assert token, "no CSRF token on the sign-in page"
            response = client.post("/login", data={"username": actor.username, "password": password,
                                                   "csrf_token": token.group(1)})
            assert response.status_code == 303, (actor.username, response.status_code)
            home = client.get("/")
            token = re.search(r'name="csrf-token" content="(\w+)"', home.text)
            assert token, f"no CSRF token on {actor.username}'s home page"
            actor.cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
            actor.token = token.group(1)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one, actors))


def form(actor: Actor, slot: Slot, number: int) -> dict[str, str]:
    data = {"csrf_token": actor.token, "day": slot.day.isoformat(), "start": f"{slot.start:%H:%M}",
            "end": f"{slot.end:%H:%M}", "attendees": str(2 + number % 5), "purpose": f"{PURPOSE}{number}"}
    if actor.organization_id is None:
        data["organization_id"] = "block"  # forms.BLOCK: a manager's "no organization"
    return data


def write_requests(path: Path, slots: list[tuple[Actor, Slot]], first_number: int) -> None:
    """One line a request for the Lua script: path, Cookie header, form body (tab-separated)."""
    with path.open("w", encoding="utf-8") as out:
        for number, (actor, slot) in enumerate(slots, start=first_number):
            out.write(f"/spaces/{slot.space_id}/book\t{actor.cookie}\t{urlencode(form(actor, slot, number))}\n")


def post(base: str, actor: Actor, slot: Slot, number: int) -> httpx.Response:
    return httpx.post(f"{base}/spaces/{slot.space_id}/book", data=form(actor, slot, number),
                      headers={"Cookie": actor.cookie, "Origin": base}, timeout=60)


def run_wrk(base: str, requests_file: Path, connections: int, duration: int) -> dict:
    """wrk's figures, and the script's count of answers by status, of requests sent, of requests
    left unsent because the slots ran out, and the start of the first failure's page."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(LUA), base,
               "--", str(requests_file), base]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    found = re.search(r"^JSON (.*)$", out, re.M)
    assert found, out
    figures = json.loads(found.group(1))
    figures["rps"] = figures["requests"] / figures["seconds"]
    figures["statuses"] = {int(k): v for k, v in figures["statuses"].items()}
    return figures


async def created(first_id: int) -> dict:
    """The bookings made after `first_id` (the ORM connected on the copy): how many, by status and by
    who booked, the request numbers their purposes carry, and how many confirmed bookings overlap
    another confirmed booking of their space (the rule the service guarantees: must be 0)."""
    from tortoise import connections

    from incubator.booking.models import Booking

    rows = await Booking.filter(id__gt=first_id).values_list("status", "organization_id", "purpose")
    numbers = [int(p.removeprefix(PURPOSE)) for _s, _o, p in rows if p.startswith(PURPOSE)]
    _count, overlapping = await connections.get("default").execute_query(
        "SELECT COUNT(*) AS n FROM booking AS mine JOIN booking AS other ON other.space_id = mine.space_id "
        "AND other.id != mine.id AND other.status = 'confirmed' AND other.starts_at < mine.held_until "
        "AND other.starts_at > datetime(mine.starts_at, '-28 hours') "  # LONGEST_HOLD: the index bounds both ends
        "AND other.held_until > mine.starts_at WHERE mine.id > ? AND mine.status = 'confirmed'", [first_id])
    statuses: dict[str, int] = {}
    for status, _organization, _purpose in rows:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {"rows": len(rows), "statuses": statuses, "blocks": sum(1 for r in rows if r[1] is None),
            "numbers": numbers, "overlapping": dict(overlapping[0])["n"]}
