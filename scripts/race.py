"""Races between processes on PostgreSQL: grant approvals against one fund's budget, payments of
the same tranches, stage changes of the same organizations, and bookings of the same room's times
and of one organization's quota, sent at once by many connections to
`incubator serve --workers 2` while `incubator scheduler` runs the jobs; then the invariants are
checked with SQL of their own, not through the app's models.

    python scripts/race.py --database-url postgres://postgres@127.0.0.1:5432/postgres --create-database
                           [--rounds 2] [--connections 8] [--workers 2] [--schedulers 1]
                           [--time-limit 600] [--keep-database] [--json FILE]

With --create-database the URL names a server (any database on it): a fresh database
`incubator_race_<random>` is created there, and dropped afterwards unless --keep-database.
Without it the URL's database is used and must be empty (--fresh empties it).

The world: scripts/generate.py's small city (accounts with its password), then, in the park of
`manager`, a fund whose budget covers only some of the grants proposed to it, grants approved with
tranches ready to pay (and tranches whose date came but whose job has not run: the scheduler's
start-up run makes them ready mid-race), and resident organizations at stages that can move. For
each kind of request `--connections` connections (asyncio and httpx, one kept-alive HTTP/1.1
connection each, signed in as a manager, an administrator or an official) are opened first, then
all start at the same moment; they all walk the same list of targets in the same order, so the
same grant, tranche or organization is asked for by every connection at about the same moment, and
each connection sends each target `--rounds` times, every request once its previous one is answered.
The load is a count of requests, not a time: however slow the machine, every connection has asked
for every target before the servers are stopped (finishing what is in flight) and the invariants
checked. `--time-limit` only bounds the load and the scheduler's run; past it the run stops with a
message saying how far each kind got and which requests hang (exit 3). Exits 1 on any violated
invariant, any 5xx, or any request that got no answer.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import contextlib
import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from datetime import time as datetime_time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import bench  # noqa: E402  (scripts/bench.py: free_port, start, stop, wait_for)
import generate  # noqa: E402  (scripts/generate.py, imported by bench as well)

from incubator import db  # noqa: E402

SCALE = 0.01
REASON = "多进程竞速测试"
SECRET_KEY = "race-" + "k" * 40
# What the fund can still commit holds exactly FITS of the proposed grants (all of one amount).
PROPOSED_GRANTS = 10
FITS = 3
PROPOSED_FEN = 30_000_00
APPROVED_GRANTS = 4
APPROVED_FEN = 20_000_00  # two tranches of half: one on signing, one on a date that has come
STAGE_ORGANIZATIONS = 3
EXITING_ORGANIZATIONS = 1  # the last ones of the stage walk also exit, at its end
# The walk every stage organization is pushed along (each step by every connection); a step that does
# not apply to the stage it has reached by then is refused (and must change nothing).
STAGE_WALK = ("extended+90", "extended+180", "midterm_review", "graduation_review", "incubating", "midterm_review",
              "incubating")
# Bookings: times of one room blocked by managers (overlapping ones among them: at most one of each
# overlapping pair may hold), and hours booked for one organization over its week's quota.
CONTESTED_TIMES = (("09:00", "10:00"), ("09:30", "10:30"), ("11:00", "12:00"), ("11:30", "12:30"), ("14:00", "15:00"))
QUOTA_TIMES = (("09:00", "10:00"), ("10:30", "11:30"), ("12:00", "13:00"), ("13:30", "14:30"), ("15:00", "16:00"),
               ("16:30", "17:30"))
QUOTA_MINUTES = 120  # the organization's week: two of the six hours
BUFFER_MINUTES = 15
# The load is a count of requests, not a time: each connection sends each target ROUNDS times. The
# time limits only stop a hang (or a machine far slower than any CI's), with a message saying so.
ROUNDS = 2
TIME_LIMIT = 600.0  # seconds for the load and the scheduler's start-up run (a minute on a loaded machine)
STARTUP_SECONDS = 300.0  # for the servers to answer
REQUEST_TIMEOUT = 60.0  # signing in


# ---- processes ----------------------------------------------------------------------------------------


def incubator_command(*args: str) -> list[str]:
    """The `incubator` console script of this Python's environment (as deployed), or its module."""
    script = Path(sys.executable).parent / "incubator"
    if script.exists():
        return [str(script), *args]
    found = shutil.which("incubator")
    if found:
        return [found, *args]
    return [sys.executable, "-c", "from incubator.cli import main; main()", *args]


class Processes:
    """Every process this run starts, each in a process group of its own, stopped at the end
    whatever happens (and listed in `pid_file`, so that a supervisor can stop them if this process
    itself is killed)."""

    def __init__(self, pid_file: Path | None) -> None:
        self.running: list[subprocess.Popen] = []
        self.pid_file = pid_file

    def start(self, args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
        process = bench.start(args, env, log)
        self.running.append(process)
        if self.pid_file is not None:
            with self.pid_file.open("a") as handle:
                handle.write(f"{process.pid}\n")
        return process

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            bench.stop(process)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(10)

    def stop_all(self) -> None:
        for process in reversed(self.running):
            with contextlib.suppress(Exception):
                self.stop(process)
        for process in self.running:  # even one that would not stop on SIGTERM
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wait_for_log(log: Path, text: str, count: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if log.exists() and log.read_text(errors="replace").count(text) >= count:
            return
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise RuntimeError(f"{count} × {text!r} did not appear in {log.name}:\n{log.read_text(errors='replace')[-3000:]}")


# ---- databases -----------------------------------------------------------------------------------------


def _dsn(url: str) -> str:
    return db.asyncpg_dsn(url)


async def create_database(server_url: str) -> str:
    return await db.create_postgres_database(server_url, "incubator_race")


drop_database = db.drop_postgres_database


# ---- the world -------------------------------------------------------------------------------------------


@dataclass
class World:
    """What the races start from: the targets, and what the checker compares with."""

    today: str
    park_id: int
    fund_id: int
    budget_fen: int
    fits: int
    proposed_grants: list[int]
    approved_grants: list[int]
    ready_tranches: list[int]  # ready to pay when the race starts
    pending_tranches: list[int]  # their date has come; the scheduler's run makes them ready
    proposed_tranches: list[int]  # ready once their grant is approved, if it is
    organizations: dict[str, str]  # id → stage when the race starts
    term_ends: dict[str, str]  # id → the term's end when the race starts
    stage_watermark: int  # the timeline rows, audit entries, ledger entries and job runs before it
    audit_watermark: int
    ledger_watermark: int
    job_watermark: int
    room_id: int = 0  # the room whose times are raced for
    contested_day: str = ""  # the day of the contested times (blocks, by managers)
    quota_day: str = ""  # the day of the quota's hours
    quota_organization_id: int = 0
    booking_watermark: int = 0


async def seed(url: str, scale: float, seed_number: int, *, fresh: bool) -> World:
    """Migrates, generates the city, and adds the races' targets through the services."""
    from tortoise.connection import connections

    from incubator import clock, db
    from incubator.access import Principal
    from incubator.auth.models import ParkManager, User
    from incubator.config import Settings
    from incubator.funding import service as funding
    from incubator.funding.commands import CreateFund, DraftGrant, TrancheTerms
    from incubator.funding.models import FundSource, Grant, Tranche, TrancheCondition, TrancheStatus
    from incubator.organizations.models import RESIDENT_STAGES, Agreement, Organization, Stage

    await generate.generate(url, scale, seed_number, fresh=fresh, out=None)
    async with db.connected(url):
        today = clock.today()
        manager = await User.get(username="manager")
        park_ids = frozenset(await db.flat(ParkManager.filter(user_id=manager.id).values_list("park_id", flat=True)))
        park_id = min(park_ids)
        as_manager = Principal(manager, park_ids)
        as_admin = Principal(await User.get(username="admin"))
        threshold = Settings.grant_approval_threshold_fen
        budget = APPROVED_GRANTS * APPROVED_FEN + FITS * PROPOSED_FEN + PROPOSED_FEN // 2
        fund = await funding.create_fund(as_admin, CreateFund(
            name=f"{today.year}年多进程竞速种子基金", source=FundSource.OTHER, fiscal_year=today.year,
            budget_fen=budget, valid_from=date(today.year, 1, 1), valid_to=date(today.year + 1, 12, 31),
            park_id=park_id))
        residents = await Organization.filter(park_id=park_id, stage__in=list(RESIDENT_STAGES)).order_by("id")
        assert residents, f"no resident organization in park {park_id}"

        async def grant(number: int, purpose: str, tranches: tuple[TrancheTerms, ...]) -> int:
            drafted = await funding.draft_grant(as_manager, residents[number % len(residents)], DraftGrant(
                fund_id=fund.id, purpose=purpose, amount_fen=sum(t.amount_fen for t in tranches), tranches=tranches))
            await funding.propose(as_manager, drafted, threshold)
            return drafted.id

        half = APPROVED_FEN // 2
        approved = []
        for number in range(APPROVED_GRANTS):
            grant_id = await grant(number, f"竞速：已批准的项目 {number + 1}", (
                TrancheTerms(amount_fen=half, condition=TrancheCondition.ON_SIGNING),
                TrancheTerms(amount_fen=APPROVED_FEN - half, condition=TrancheCondition.ON_DATE, release_on=today)))
            await funding.approve(as_admin, await Grant.get(id=grant_id))  # four eyes: not its proposer
            approved.append(grant_id)
        # Their second tranche's date came overnight and the job has not run yet: the scheduler's
        # start-up run makes them ready while the payments race.
        await Tranche.filter(grant_id__in=approved, condition=TrancheCondition.ON_DATE).update(
            status=TrancheStatus.PENDING)
        proposed = [await grant(APPROVED_GRANTS + number, f"竞速：待批准的项目 {number + 1}", (
            TrancheTerms(amount_fen=PROPOSED_FEN, condition=TrancheCondition.ON_SIGNING),)) for number in
            range(PROPOSED_GRANTS)]

        def tranche_ids(**filters: Any) -> Any:
            return db.flat(Tranche.filter(**filters).order_by("id").values_list("id", flat=True))

        walking = [Stage.INCUBATING, Stage.MIDTERM_REVIEW, Stage.GRADUATION_REVIEW, Stage.EXTENDED]
        candidates = await Organization.filter(park_id=park_id, stage__in=walking, agreements__ended_on__isnull=True
                                               ).order_by("id")
        # Extended ones first: their first step, extending again, is the riskiest move (its source
        # and target are the same stage), and the first step is the one all connections send at once.
        movers = sorted(candidates, key=lambda o: (o.stage != Stage.EXTENDED, o.id))[:STAGE_ORGANIZATIONS]
        ends = {}
        for organization in movers:
            agreement = await Agreement.filter(organization_id=organization.id, ended_on__isnull=True).first()
            assert agreement is not None
            ends[str(organization.id)] = (organization.term_end_on or agreement.end_on).isoformat()

        async def top(table: str) -> int:
            query = f'SELECT COALESCE(MAX(id), 0) AS top FROM "{table}"'
            rows = await connections.get("default").execute_query_dict(query)
            return int(rows[0]["top"])

        moving = {organization.id for organization in movers}
        room_id, contested_day, quota_day, quota_organization = await _booking_world(
            park_id, [resident for resident in residents if resident.id not in moving])

        return World(
            today=today.isoformat(), park_id=park_id, fund_id=fund.id, budget_fen=budget, fits=FITS,
            proposed_grants=proposed, approved_grants=approved,
            ready_tranches=await tranche_ids(grant_id__in=approved, status=TrancheStatus.READY),
            pending_tranches=await tranche_ids(grant_id__in=approved, status=TrancheStatus.PENDING),
            proposed_tranches=await tranche_ids(grant_id__in=proposed),
            organizations={str(o.id): str(o.stage) for o in movers}, term_ends=ends,
            stage_watermark=await top("stage_change"), audit_watermark=await top("audit_entry"),
            ledger_watermark=await top("ledger_entry"), job_watermark=await top("job_run"),
            room_id=room_id, contested_day=contested_day.isoformat(), quota_day=quota_day.isoformat(),
            quota_organization_id=quota_organization, booking_watermark=await top("booking"),
        )


async def _booking_world(park_id: int, residents: list) -> tuple[int, date, date, int]:
    """A room of the park opened to bookings from now on, two working days ahead with their times
    free, and a resident organization with nothing else booked that week and a quota of two hours."""
    from incubator import clock, workdays
    from incubator.booking.models import ACTIVE_STATUSES, Booking, BookingQuota, BookingRules, BookingStatus
    from incubator.booking.slots import local_instant, opening_on
    from incubator.parks.models import Space

    rooms = await Space.filter(park_id=park_id, bookable=True, is_active=True, needs_approval=False).order_by("id")
    days: list[date] = []
    day = clock.today() + timedelta(days=3)
    while len(days) < 2:
        if all(opening_on(room, day) for room in rooms[:1]) and not workdays.is_public_holiday(day):
            days.append(day)
        day += timedelta(days=1)
    room = rooms[0]
    await BookingRules.filter(space_id=room.id).delete()
    await BookingRules.create(space_id=room.id, slot_minutes=30, min_minutes=30, max_minutes=240, notice_minutes=0,
                              horizon_days=60, buffer_minutes=BUFFER_MINUTES, release_minutes=15)
    await BookingQuota.filter(park_id=park_id).update(week_minutes=QUOTA_MINUTES, month_minutes=100 * 60,
                                                      open_bookings=1000)
    for first in days:
        await Booking.filter(space_id=room.id, status__in=list(ACTIVE_STATUSES),
                             starts_at__gte=local_instant(first, datetime_time()) - timedelta(days=1),
                             starts_at__lt=local_instant(first + timedelta(days=1), datetime_time())).update(
            status=BookingStatus.CANCELLED, end_reason="race")
    organization = residents[0].id
    monday = days[1] - timedelta(days=days[1].weekday())
    await Booking.filter(organization_id=organization, status__in=list(ACTIVE_STATUSES),
                         starts_at__gte=local_instant(monday, datetime_time()),
                         starts_at__lt=local_instant(monday + timedelta(days=7), datetime_time())).update(
        status=BookingStatus.CANCELLED, end_reason="race")
    return room.id, days[0], days[1], organization


# ---- the load ----------------------------------------------------------------------------------------------


@dataclass
class Session:
    username: str
    cookie: str
    token: str


def sign_in(base: str, username: str) -> Session:
    """A signed-in session and its CSRF token, read off a page as a browser does; each request may
    take a minute on a busy machine (httpx's default, 5 s, may not be enough there)."""
    with httpx.Client(base_url=base, headers={"Origin": base}, timeout=REQUEST_TIMEOUT) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf-token" content="(\w+)"', page.text)
        assert page.status_code == 200 and token, ("no CSRF token on the sign-in page", page.status_code)
        response = client.post("/login", data={"username": username, "password": generate.BENCH_PASSWORD,
                                               "csrf_token": token.group(1)})
        assert response.status_code == 303, (username, response.status_code)
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items() if k != "incubator_flash")
    page = httpx.get(base + "/", headers={"Cookie": cookie}, timeout=REQUEST_TIMEOUT)
    token = re.search(r'name="csrf-token" content="(\w+)"', page.text)
    assert page.status_code == 200 and token, (username, page.status_code)
    return Session(username, cookie, token.group(1))


Target = tuple[str, str]  # path, form body (without the CSRF token)


@dataclass
class Plan:
    """One kind of request: the targets, in order, and the sessions that send them."""

    targets: list[Target]
    sessions: list[Session]


def plan(world: World, sessions: dict[str, list[Session]]) -> dict[str, Plan]:
    """Per kind, the targets every connection walks through in the same order, so that all the
    connections send the same approval, payment or stage change at about the same moment (each
    connection signed in as one of the sessions)."""
    # The manager proposed every grant, and a proposer never approves (four eyes).
    approvers = [s for name in ("admin", "official") for s in sessions[name]]
    staff = [s for name in ("manager", "admin") for s in sessions[name]]
    approve = [(f"/grants/{grant_id}/approve", "") for grant_id in world.proposed_grants]
    pay = [(f"/tranches/{tranche_id}/pay", urlencode({"paid_on": world.today, "voucher": f"RACE-{tranche_id}"}))
           for tranche_id in [*world.ready_tranches, *world.pending_tranches, *world.proposed_tranches]]
    stage = []
    organizations = list(world.organizations)
    for step in [*STAGE_WALK, "exited"]:
        for number, organization in enumerate(organizations):
            if step == "exited" and number < len(organizations) - EXITING_ORGANIZATIONS:
                continue
            target, _, days = step.partition("+")
            fields = {"stage": target, "reason": REASON}
            if days:
                end = date.fromisoformat(world.term_ends[organization]) + timedelta(days=int(days))
                fields["new_end_on"] = end.isoformat()
            stage.append((f"/organizations/{organization}/stage", urlencode(fields)))
    book = [(f"/spaces/{world.room_id}/book", urlencode({
        "organization_id": "block", "day": world.contested_day, "start": start, "end": end, "attendees": "1",
        "purpose": "RACE"})) for start, end in CONTESTED_TIMES]
    book += [(f"/spaces/{world.room_id}/book", urlencode({
        "organization_id": str(world.quota_organization_id), "day": world.quota_day, "start": start, "end": end,
        "attendees": "1", "purpose": "RACE"})) for start, end in QUOTA_TIMES]
    return {"approve": Plan(approve, approvers), "pay": Plan(pay, staff), "stage": Plan(stage, staff),
            "book": Plan(book, staff)}


# Outcomes, told by the flash message the response sets (in the user's language).
CHANGED = "Someone changed this grant meanwhile. Reload the page and try again."
OUTCOMES = {
    "approve": {"approved": "The grant is approved.", "no_budget": "The fund does not have %(amount)s left to commit.",
                "changed": CHANGED},
    "pay": {"paid": "The payment has been recorded.",
            "not_ready": "This tranche is not ready to pay, or has been paid already.", "changed": CHANGED,
            "overdrawn": "This payment would pay out more than the grant or the fund allows."},
    "stage": {"moved": "The stage is now %(stage)s."},
    "book": {"booked": "Booked."},  # refusals answer the form again (409 taken, 400 over the quota)
}
SUCCESS = {"approve": "approved", "pay": "paid", "stage": "moved", "book": "booked"}


def _patterns(kind: str) -> list[tuple[str, re.Pattern[str]]]:
    from incubator import i18n

    patterns = []
    for outcome, message in OUTCOMES[kind].items():
        for locale in i18n.LOCALES:
            text = i18n.translations(locale).gettext(message)
            parts = re.split(r"%\(\w+\)s", text)
            patterns.append((outcome, re.compile("^" + ".+?".join(re.escape(p) for p in parts) + "$", re.S)))
    return patterns


def decode_flash(value: str) -> tuple[str, str]:
    """(kind, message) of the last message in a flash cookie's value."""
    payload = value.strip('"').rpartition(".")[0]
    try:
        items = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return str(items[-1]["k"]), str(items[-1]["m"])
    except (ValueError, KeyError, IndexError, TypeError, binascii.Error):
        return "?", value


def classify(kind: str, flashes: dict[str, int]) -> dict[str, int]:
    patterns = _patterns(kind)
    outcomes: Counter[str] = Counter()
    for value, count in flashes.items():
        level, message = decode_flash(value)
        name = next((outcome for outcome, pattern in patterns if pattern.match(message)), f"{level}: {message}")
        outcomes[name] += count
    return dict(outcomes)


@dataclass
class Load:
    requests: int = 0  # answered (whatever the status)
    expected: int = 0  # connections × targets × rounds: each connection sends each target once a round
    seconds: float = 0.0  # from the start to this kind's last answer
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)  # requests that got no answer: connect, read, write, timeout
    statuses: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    targets: int = 0
    burst: int = 0  # connections sending each target at about the same moment
    rounds: int = 0
    failures: list[str] = field(default_factory=list)  # the first few requests that got no answer, and why


class RaceTimeout(RuntimeError):
    """A stage of the race outlasted its time limit (a hang, or a machine far slower than any CI's)."""


TIMED_OUT = 3  # race.py's exit status then


FLASH = re.compile(r"(?:^|[;,]\s*)incubator_flash=([^;]*)")


class _Refused(http.cookiejar.DefaultCookiePolicy):
    """Each connection sends its session's cookie as it is, as wrk did: the client keeps none it is sent."""

    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False


def _error_kind(error: httpx.TransportError) -> str:
    if isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout)):
        return "connect"
    if isinstance(error, httpx.TimeoutException):
        return "timeout"
    if isinstance(error, httpx.WriteError):
        return "write"
    return "read"


async def drive(base: str, plans: dict[str, Plan], connections: int, rounds: int, deadline: float,
                on_start: Callable[[], None] | None = None) -> dict[str, Load]:
    """Count-driven load: per kind, `connections` connections (one HTTP/1.1 connection each, kept
    alive, opened beforehand) start at the same moment and each sends every target of its plan, in
    the plan's order, `rounds` times over, each request once its previous one is answered. It ends
    when every request is answered (or failed), however long that takes on this machine; past
    `deadline` (time.monotonic()) it stops and raises RaceTimeout saying how far each kind got.
    `on_start()` runs as the first requests are on their way (it starts the scheduler)."""
    loads = {kind: Load(expected=connections * len(p.targets) * rounds, targets=len(p.targets), burst=connections,
                        rounds=rounds, errors={"connect": 0, "read": 0, "write": 0, "timeout": 0})
             for kind, p in plans.items()}
    flashes: dict[str, Counter[str]] = {kind: Counter() for kind in plans}
    latencies: dict[str, list[float]] = {kind: [] for kind in plans}
    statuses: dict[str, Counter[str]] = {kind: Counter() for kind in plans}
    waiting: dict[tuple[str, int], tuple[str, float]] = {}  # the request each connection awaits, since when
    timeout = httpx.Timeout(max(deadline - time.monotonic(), 1.0))
    clients = {(kind, number): httpx.AsyncClient(
        base_url=base, timeout=timeout, cookies=http.cookiejar.CookieJar(_Refused()),
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))
        for kind in plans for number in range(connections)}
    started = 0.0

    async def walk(kind: str, number: int, client: httpx.AsyncClient) -> None:
        load, session = loads[kind], plans[kind].sessions[number % len(plans[kind].sessions)]
        headers = {"Cookie": session.cookie, "Origin": base, "Content-Type": "application/x-www-form-urlencoded"}
        targets = plans[kind].targets
        for round_number in range(rounds):
            for target_number, (path, form) in enumerate(targets):
                body = f"csrf_token={session.token}" + (f"&{form}" if form else "")
                sent = time.monotonic()
                waiting[kind, number] = (f"POST {path} (target {target_number + 1} of {len(targets)}, round "
                                         f"{round_number + 1} of {rounds})", sent)
                try:
                    response = await client.post(path, content=body.encode(), headers=headers)
                except httpx.TransportError as error:  # counted, and the walk goes on (on a new connection)
                    load.errors[_error_kind(error)] += 1
                    if len(load.failures) < 10:
                        load.failures.append(f"connection {number}: POST {path}: {type(error).__name__}: {error}")
                    continue
                finally:
                    del waiting[kind, number]
                latencies[kind].append(time.monotonic() - sent)
                load.requests += 1
                load.seconds = time.monotonic() - started
                statuses[kind][str(response.status_code)] += 1
                for header in response.headers.get_list("set-cookie"):
                    flash = FLASH.search(header)
                    if flash and flash.group(1).strip('"'):
                        flashes[kind][flash.group(1)] += 1

    try:
        try:  # every connection opened (and the servers' workers awake) before the first race request
            await asyncio.wait_for(asyncio.gather(*(c.get("/healthz") for c in clients.values())),
                                   max(deadline - time.monotonic(), 0.1))
        except (TimeoutError, httpx.TimeoutException):
            raise RaceTimeout("the connections could not be opened (GET /healthz) in the time limit") from None
        started = time.monotonic()
        tasks = [asyncio.create_task(walk(kind, number, client)) for (kind, number), client in clients.items()]
        await asyncio.sleep(0)  # each task has sent its first request
        if on_start is not None:
            on_start()
        done, pending = await asyncio.wait(tasks, timeout=max(deadline - time.monotonic(), 0.1),
                                           return_when=asyncio.FIRST_EXCEPTION)
        timed_out = None
        if pending and all(task.exception() is None for task in done):  # the time is up: how far it got
            # and what it waits for, before the walks are stopped
            now = time.monotonic()
            progress = "; ".join(f"{kind}: {load.requests + sum(load.errors.values())} of {load.expected}"
                                 for kind, load in loads.items())
            stuck = "\n".join(f"  {kind} connection {number}: {request}, unanswered for {now - since:.1f} s"
                              for (kind, number), (request, since) in sorted(waiting.items()))
            timed_out = RaceTimeout(
                f"the load did not finish in its time limit ({now - started:.0f} s since it began; {connections} "
                f"connections per kind, each sending each target {rounds}×): requests done {progress}; "
                f"still waiting for:\n{stuck}")
        for task in pending:
            task.cancel()
        for result in await asyncio.gather(*tasks, return_exceptions=True):
            if isinstance(result, Exception):  # a bug of this script's (a cancelled walk is no Exception)
                raise result
        if timed_out is not None:
            raise timed_out
    finally:
        await asyncio.gather(*(c.aclose() for c in clients.values()), return_exceptions=True)
    for kind, load in loads.items():
        ordered = sorted(latencies[kind]) or [0.0]
        load.p50_ms = ordered[len(ordered) // 2] * 1000
        load.p99_ms = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        load.statuses = dict(sorted(statuses[kind].items()))
        load.outcomes = classify(kind, dict(flashes[kind]))
    return loads


# ---- the invariants ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    invariant: str
    detail: str


def _transitions() -> set[tuple[str, str]]:
    """The moves a manager may make on the organization page (the rule, read from the app)."""
    from incubator.organizations.service import TRANSITIONS

    return {(source.value, target.value) for target, t in TRANSITIONS.items() for source in t.source}


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def check(connection: asyncpg.Connection, world: World,
                announced: dict[str, int] | None = None) -> list[Violation]:
    """Every invariant, read with SQL of its own (not through the app's models). Money: over the
    whole database; stages, audit entries and job runs: over what happened since the race began.
    `announced`: successes the responses told (approved, paid, moved), each of which must be there."""
    found: list[Violation] = []

    def fail(invariant: str, detail: str) -> None:
        found.append(Violation(invariant, detail))

    # A fund: committed within its budget, paid within what is committed, its totals equal to its
    # ledger's sums and to its grants' (an active grant commits its amount; an ended one what it paid).
    for row in await connection.fetch("""
            SELECT f.id, f.budget_fen, f.committed_fen, f.disbursed_fen,
                   COALESCE((SELECT SUM(committed_delta_fen) FROM ledger_entry l WHERE l.fund_id = f.id), 0) AS lc,
                   COALESCE((SELECT SUM(disbursed_delta_fen) FROM ledger_entry l WHERE l.fund_id = f.id), 0) AS ld,
                   COALESCE((SELECT SUM(CASE WHEN g.status = 'active' THEN g.amount_fen
                                             WHEN g.status IN ('closed', 'cancelled') THEN g.disbursed_fen
                                             ELSE 0 END)
                             FROM funding_grant g WHERE g.fund_id = f.id), 0) AS gc,
                   COALESCE((SELECT SUM(g.disbursed_fen) FROM funding_grant g WHERE g.fund_id = f.id), 0) AS gd
            FROM fund f ORDER BY f.id"""):
        fund = f"fund {row['id']}"
        if not 0 <= row["committed_fen"] <= row["budget_fen"]:
            fail("fund committed within budget",
                 f"{fund}: committed {row['committed_fen']}, budget {row['budget_fen']}")
        if not 0 <= row["disbursed_fen"] <= row["committed_fen"]:
            fail("fund paid within committed",
                 f"{fund}: disbursed {row['disbursed_fen']}, committed {row['committed_fen']}")
        if (row["committed_fen"], row["disbursed_fen"]) != (row["lc"], row["ld"]):
            fail("fund totals equal its ledger", f"{fund}: committed {row['committed_fen']} / ledger {row['lc']}, "
                 f"disbursed {row['disbursed_fen']} / ledger {row['ld']}")
        if (row["committed_fen"], row["disbursed_fen"]) != (row["gc"], row["gd"]):
            fail("fund totals equal its grants'", f"{fund}: committed {row['committed_fen']} / grants {row['gc']}, "
                 f"disbursed {row['disbursed_fen']} / grants {row['gd']}")
    for row in await connection.fetch("""
            SELECT l.id, l.fund_id, g.fund_id AS grant_fund FROM ledger_entry l
            JOIN funding_grant g ON g.id = l.grant_id WHERE g.fund_id <> l.fund_id"""):
        fail("a ledger entry is its grant's fund's", f"entry {row['id']}: fund {row['fund_id']}, "
             f"its grant's {row['grant_fund']}")

    # A grant: paid within its amount, its tranches adding up to it, its ledger agreeing with its
    # status (committed once, when approved), its total paid equal to its paid tranches less repayments.
    for row in await connection.fetch("""
            SELECT g.id, g.status, g.amount_fen, g.disbursed_fen, g.approved_at IS NOT NULL AS approved,
                   COALESCE(SUM(l.committed_delta_fen), 0) AS committed,
                   COALESCE(SUM(l.disbursed_delta_fen), 0) AS disbursed,
                   COUNT(l.id) FILTER (WHERE l.kind = 'commit') AS commits,
                   COALESCE(SUM(l.disbursed_delta_fen) FILTER (WHERE l.kind = 'repay'), 0) AS repaid,
                   (SELECT COALESCE(SUM(t.amount_fen), 0) FROM tranche t WHERE t.grant_id = g.id) AS tranches,
                   (SELECT COALESCE(SUM(t.amount_fen), 0) FROM tranche t
                    WHERE t.grant_id = g.id AND t.status = 'paid') AS paid
            FROM funding_grant g LEFT JOIN ledger_entry l ON l.grant_id = g.id
            GROUP BY g.id ORDER BY g.id"""):
        grant, status = f"grant {row['id']} ({row['status']})", row["status"]
        if not 0 <= row["disbursed_fen"] <= row["amount_fen"]:
            fail("grant paid within its amount", f"{grant}: disbursed {row['disbursed_fen']} of {row['amount_fen']}")
        if row["tranches"] != row["amount_fen"]:
            fail("grant's tranches add up to it", f"{grant}: tranches {row['tranches']}, amount {row['amount_fen']}")
        expected = (row["amount_fen"] if status == "active" else row["disbursed_fen"]
                    if status in ("closed", "cancelled") else 0)
        if row["committed"] != expected:
            fail("grant's commitment matches its status", f"{grant}: ledger commits {row['committed']}, "
                 f"expected {expected}")
        if row["commits"] != (1 if row["approved"] else 0) or (status in ("active", "closed") and not row["approved"]):
            fail("grant committed once, when approved", f"{grant}: {row['commits']} commit entries, "
                 f"approved: {row['approved']}")
        if row["disbursed"] != row["disbursed_fen"]:
            fail("grant's total paid equals its ledger", f"{grant}: disbursed {row['disbursed_fen']}, "
                 f"ledger {row['disbursed']}")
        if row["disbursed_fen"] != row["paid"] + row["repaid"]:
            fail("grant's total paid equals its paid tranches less repayments",
                 f"{grant}: disbursed {row['disbursed_fen']}, paid tranches {row['paid']}, repaid {-row['repaid']}")

    # A tranche: paid exactly once (one payment entry of its amount) if paid, never otherwise; ready
    # or paid only on an approved grant; open only while its grant is.
    for row in await connection.fetch("""
            SELECT t.id, t.status, t.amount_fen, t.paid_on, t.voucher, g.status AS grant_status,
                   g.approved_at IS NOT NULL AS approved,
                   COUNT(l.id) FILTER (WHERE l.kind = 'disburse') AS payments,
                   COALESCE(SUM(l.disbursed_delta_fen) FILTER (WHERE l.kind = 'disburse'), 0) AS paid
            FROM tranche t JOIN funding_grant g ON g.id = t.grant_id LEFT JOIN ledger_entry l ON l.tranche_id = t.id
            GROUP BY t.id, g.id ORDER BY t.id"""):
        tranche = f"tranche {row['id']} ({row['status']}, grant {row['grant_status']})"
        if row["status"] == "paid":
            if row["payments"] != 1 or row["paid"] != row["amount_fen"]:
                fail("a paid tranche is paid exactly once", f"{tranche}: {row['payments']} payments, "
                     f"{row['paid']} paid of {row['amount_fen']}")
            if row["paid_on"] is None:
                fail("a paid tranche has its payment's date", tranche)
        elif row["payments"]:
            fail("an unpaid tranche has no payment", f"{tranche}: {row['payments']} payments")
        if row["status"] in ("ready", "paid") and not row["approved"]:
            fail("only an approved grant's tranches are ready or paid", tranche)
        if row["status"] in ("pending", "ready", "held") and row["grant_status"] in ("closed", "cancelled"):
            fail("an ended grant has no open tranche", tranche)

    # Since the race began: one audit entry per approval and per payment, in the same transaction.
    for invariant, kind, object_type, change, key in (
            ("each approval audited once", "commit", "Grant", '["proposed", "active"]', "grant_id"),
            ("each payment audited once", "disburse", "Tranche", '["ready", "paid"]', "tranche_id")):
        rows = await connection.fetch(f"""
            WITH moved AS (SELECT {key} AS id, COUNT(*) AS n FROM ledger_entry
                           WHERE id > $1 AND kind = '{kind}' GROUP BY {key}),
                 audited AS (SELECT object_id::int AS id, COUNT(*) AS n FROM audit_entry
                             WHERE id > $2 AND object_type = '{object_type}'
                               AND changes -> 'status' = '{change}'::jsonb GROUP BY object_id)
            SELECT COALESCE(m.id, a.id) AS id, COALESCE(m.n, 0) AS moved, COALESCE(a.n, 0) AS audited
            FROM moved m FULL JOIN audited a ON a.id = m.id
            WHERE COALESCE(m.n, 0) <> 1 OR COALESCE(a.n, 0) <> 1""", world.ledger_watermark, world.audit_watermark)
        for row in rows:
            fail(invariant, f"{object_type} {row['id']}: {row['moved']} ledger entries, {row['audited']} audit entries")

    found += await _check_stages(connection, world)
    found += await _check_bookings(connection, world)

    for row in await connection.fetch(
            "SELECT id, job, holder, error FROM job_run WHERE id > $1 AND status = 'error' ORDER BY id",
            world.job_watermark):
        fail("scheduled jobs do not fail", f"run {row['id']} of {row['job']} ({row['holder']}): {row['error']}")
    # One runner at a time: the runs of two scheduler processes never overlap.
    for row in await connection.fetch("""
            WITH spans AS (SELECT holder, MIN(started_at) AS first, MAX(COALESCE(finished_at, 'infinity')) AS last
                           FROM job_run WHERE id > $1 AND job <> '*' GROUP BY holder)
            SELECT a.holder AS one, b.holder AS other FROM spans a JOIN spans b
            ON a.holder < b.holder AND a.first < b.last AND b.first < a.last""", world.job_watermark):
        fail("one process runs the jobs at a time", f"{row['one']} and {row['other']} ran at the same time")

    if announced:
        recorded = {
            "approved": await connection.fetchval(
                "SELECT COUNT(*) FROM ledger_entry WHERE id > $1 AND kind = 'commit'", world.ledger_watermark),
            "paid": await connection.fetchval(
                "SELECT COUNT(*) FROM ledger_entry WHERE id > $1 AND kind = 'disburse'", world.ledger_watermark),
            "moved": await connection.fetchval(
                "SELECT COUNT(*) FROM stage_change WHERE id > $1 AND kind = 'stage'", world.stage_watermark),
            "booked": await connection.fetchval("SELECT COUNT(*) FROM booking WHERE id > $1",
                                                world.booking_watermark),
        }
        for outcome, told in announced.items():
            if told > recorded[outcome]:
                fail("every success announced is recorded", f"{told} responses said {outcome!r}, "
                     f"{recorded[outcome]} recorded")
    return found


async def _check_bookings(connection: asyncpg.Connection, world: World) -> list[Violation]:
    """No two confirmed bookings of a space hold overlapping time (the whole database); the raced
    organization's week holds no more than its quota; each booking made in the race audited once."""
    found: list[Violation] = []
    for row in await connection.fetch("""
            SELECT a.id AS one, b.id AS other, a.space_id FROM booking a JOIN booking b
            ON b.space_id = a.space_id AND b.id > a.id AND b.status = 'confirmed'
               AND a.starts_at < b.held_until AND b.starts_at < a.held_until
            WHERE a.status = 'confirmed' ORDER BY a.id LIMIT 20"""):
        found.append(Violation("no two confirmed bookings of a space overlap",
                               f"space {row['space_id']}: bookings {row['one']} and {row['other']}"))
    if world.quota_day:
        day = date.fromisoformat(world.quota_day)
        monday = day - timedelta(days=day.weekday())
        minutes = await connection.fetchval("""
            SELECT COALESCE(SUM(EXTRACT(EPOCH FROM ends_at - starts_at)) / 60, 0) FROM booking
            WHERE organization_id = $1 AND status IN ('pending', 'confirmed')
              AND (starts_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN $2 AND $3""",
                                            world.quota_organization_id, monday, monday + timedelta(days=6))
        if minutes > QUOTA_MINUTES:
            found.append(Violation("an organization's week holds within its quota",
                                   f"organization {world.quota_organization_id}: {minutes:.0f} minutes booked "
                                   f"the week of {monday}, quota {QUOTA_MINUTES}"))
    for row in await connection.fetch("""
            SELECT b.id, COUNT(a.id) AS audited FROM booking b
            LEFT JOIN audit_entry a ON a.object_type = 'Booking' AND a.action = 'create' AND a.object_id = b.id::text
                                   AND a.id > $2
            WHERE b.id > $1 GROUP BY b.id HAVING COUNT(a.id) <> 1""", world.booking_watermark, world.audit_watermark):
        found.append(Violation("each booking audited once", f"booking {row['id']}: {row['audited']} audit entries"))
    return found


async def _check_stages(connection: asyncpg.Connection, world: World) -> list[Violation]:
    """Each organization's timeline since the race began is one chain of allowed moves from the
    stage it had to the stage it has, each move audited once; extensions each move the term's end
    forward from where the previous one left it."""
    found: list[Violation] = []
    allowed = _transitions()
    ids = [int(i) for i in world.organizations]
    changes: dict[int, list[asyncpg.Record]] = {}
    for row in await connection.fetch(
            "SELECT * FROM stage_change WHERE id > $1 AND kind = 'stage' ORDER BY id", world.stage_watermark):
        changes.setdefault(row["organization_id"], []).append(row)
    for organization_id in sorted(set(changes) - set(ids)):
        found.append(Violation("only the raced organizations moved",
                               f"organization {organization_id}: {len(changes[organization_id])} changes"))
    audited = dict(await connection.fetch("""
        SELECT object_id::int, COUNT(*) FROM audit_entry
        WHERE id > $1 AND object_type = 'Organization' AND changes ? 'stage' GROUP BY object_id""",
                                          world.audit_watermark))
    organizations = {row["id"]: row for row in await connection.fetch(
        "SELECT id, stage, term_end_on, stage_changed_at, exited_on FROM organization WHERE id = ANY($1)", ids)}
    agreements = {row["organization_id"]: row for row in await connection.fetch(
        "SELECT organization_id, end_on FROM agreement WHERE organization_id = ANY($1) AND ended_on IS NULL", ids)}
    for organization_id in ids:
        name = f"organization {organization_id}"
        now = organizations[organization_id]
        rows = changes.get(organization_id, [])
        stage = world.organizations[str(organization_id)]
        end = world.term_ends[str(organization_id)]
        for row in rows:
            move = f"{name}: change {row['id']} {row['from_stage']} → {row['to_stage']}"
            if row["from_stage"] != stage:
                found.append(Violation("the timeline is one chain of moves", f"{move}, but it was {stage}"))
            if (row["from_stage"], row["to_stage"]) not in allowed:
                found.append(Violation("every move is an allowed one", move))
            stage = row["to_stage"]
            if row["to_stage"] == "extended":
                details = _json(row["details"]) or {}
                old, new = details.get("old_end_on"), details.get("new_end_on")
                if old != end or not new or new <= old:
                    found.append(Violation("each extension moves the term's end forward from where it was",
                                           f"{move}: {old} → {new}, but the term ended on {end}"))
                end = new or end
        if stage != now["stage"]:
            found.append(Violation("the timeline ends at the organization's stage",
                                   f"{name}: timeline ends at {stage}, organization is {now['stage']}"))
        if audited.get(organization_id, 0) != len(rows):
            found.append(Violation("each stage change audited once",
                                   f"{name}: {len(rows)} changes, {audited.get(organization_id, 0)} audit entries"))
        if rows and now["stage_changed_at"] != rows[-1]["at"]:
            found.append(Violation("the organization's stage time is its last change's",
                                   f"{name}: {now['stage_changed_at']} / {rows[-1]['at']}"))
        if any(r["to_stage"] == "extended" for r in rows):
            agreement = agreements.get(organization_id)  # none once it left
            ends = {str(now["term_end_on"]), *([str(agreement["end_on"])] if agreement else [])}
            if ends != {end}:
                found.append(Violation("the term ends where the last extension put it",
                                       f"{name}: term ends {now['term_end_on']}, agreement "
                                       f"{agreement['end_on'] if agreement else None}, extended to {end}"))
        if now["stage"] == "exited" and (now["exited_on"] is None or organization_id in agreements):
            found.append(Violation("an exited organization holds no agreement", name))
    return found


# ---- a run ----------------------------------------------------------------------------------------------------


async def _connect(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(_dsn(url))


async def wait_for_jobs(url: str, world: World, schedulers: int, deadline: float, logs: list[Path]) -> list[dict]:
    """The scheduler's start-up run, finished (it may outlast the load on a slow machine); past
    `deadline` (time.monotonic()), RaceTimeout with what ran and the schedulers' logs."""
    from incubator import capability

    expected = len(capability.jobs())
    connection = await _connect(url)
    try:
        while True:
            rows = [dict(r) for r in await connection.fetch(
                "SELECT job, status, holder FROM job_run WHERE id > $1 ORDER BY id", world.job_watermark)]
            # Each scheduler process either ran every job or recorded that it skipped.
            finished = [r for r in rows if r["job"] != "*" and r["status"] != "running"]
            holders = {r["holder"] for r in rows}
            done = len(finished) >= expected and len(holders) >= schedulers and all(
                r["status"] != "running" for r in rows)
            if done:
                return rows
            if time.monotonic() > deadline:
                tails = "".join(f"\n{log.name}:\n{log.read_text(errors='replace')[-1500:]}" for log in logs
                                if log.exists())
                raise RaceTimeout(f"the scheduler's start-up run did not finish in the time limit: {len(finished)} "
                                  f"of {expected} jobs finished by {len(holders)} of {schedulers} scheduler(s); "
                                  f"runs so far: {rows}{tails}")
            await asyncio.sleep(0.2)
    finally:
        await connection.close()


async def facts(url: str, world: World) -> dict[str, Any]:
    """What the races did, for the summary and the tests (the invariants are `check`'s)."""
    connection = await _connect(url)
    try:
        grants = dict(await connection.fetch(
            "SELECT id, status FROM funding_grant WHERE id = ANY($1)", world.proposed_grants))
        fund = await connection.fetchrow("SELECT budget_fen, committed_fen, disbursed_fen FROM fund WHERE id = $1",
                                         world.fund_id)
        tranches = {row["id"]: (row["status"], row["payments"]) for row in await connection.fetch("""
            SELECT t.id, t.status, COUNT(l.id) AS payments FROM tranche t
            LEFT JOIN ledger_entry l ON l.tranche_id = t.id AND l.kind = 'disburse'
            WHERE t.id = ANY($1) GROUP BY t.id""",
            [*world.ready_tranches, *world.pending_tranches, *world.proposed_tranches])}
        moves = await connection.fetchval("SELECT COUNT(*) FROM stage_change WHERE id > $1 AND kind = 'stage'",
                                          world.stage_watermark)
        stages = dict(await connection.fetch("SELECT id::text, stage FROM organization WHERE id = ANY($1)",
                                             [int(i) for i in world.organizations]))
        booked = [dict(row) for row in await connection.fetch("""
            SELECT organization_id, to_char(starts_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS starts,
                   to_char(ends_at AT TIME ZONE 'Asia/Shanghai', 'HH24:MI') AS ends, status
            FROM booking WHERE id > $1 ORDER BY starts_at""", world.booking_watermark)]
    finally:
        await connection.close()

    def payments(ids: list[int]) -> dict[str, int]:
        return {str(i): tranches[i][1] for i in ids}

    return {
        "approved": sorted(i for i, status in grants.items() if status == "active"),
        "still_proposed": sorted(i for i, status in grants.items() if status == "proposed"),
        "fund": dict(fund),
        "payments_of_ready": payments(world.ready_tranches),
        "payments_of_pending": payments(world.pending_tranches),
        "payments_of_proposed": payments(world.proposed_tranches),
        "stage_changes": moves,
        "stages": stages,
        "bookings": booked,
    }


def log_problems(folder: Path) -> list[str]:
    """Errors the processes logged (tracebacks, ERROR lines), a few lines each."""
    problems = []
    for log in sorted(folder.glob("*.log")):
        lines = log.read_text(errors="replace").splitlines()
        for number, line in enumerate(lines):
            if line.startswith("Traceback") or re.match(r"^(ERROR|CRITICAL)\b", line):
                problems.append(f"{log.name}: " + " | ".join(lines[number:number + 3])[:500])
    return problems


def run(url: str, *, rounds: int = ROUNDS, connections: int = 8, workers: int = 2, schedulers: int = 1,
        time_limit: float = TIME_LIMIT, scale: float = SCALE, seed_number: int = generate.DEFAULT_SEED,
        fresh: bool = False, pid_file: Path | None = None, out: Any = sys.stderr) -> dict[str, Any]:
    """Seeds the database at `url`, races, checks; returns the summary (`ok` says if all held).
    The load is counted, not timed: `time_limit` seconds only bound it (and the scheduler's run
    after it), and RaceTimeout says so when they are not enough."""
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("race.py runs on PostgreSQL only (several processes share one database)")
    started = time.monotonic()
    world = asyncio.run(seed(url, scale, seed_number, fresh=fresh))
    print(f"seeded in {time.monotonic() - started:.1f} s", file=out, flush=True)
    with tempfile.TemporaryDirectory(prefix="incubator-race-") as folder:
        tmp = Path(folder)
        port = bench.free_port()
        base = f"http://127.0.0.1:{port}"
        env = {"INCUBATOR_DATABASE_URL": url, "INCUBATOR_DATA_DIR": str(tmp), "INCUBATOR_SECRET_KEY": SECRET_KEY,
               "INCUBATOR_RUN_SCHEDULER": "0", "INCUBATOR_PORT": str(port), "INCUBATOR_LOGIN_MAX_FAILURES": "1000",
               "INCUBATOR_LOGIN_MAX_FAILURES_PER_ADDRESS": "1000"}
        processes = Processes(pid_file)
        scheduler_logs = [tmp / f"scheduler-{number + 1}.log" for number in range(schedulers)]
        try:
            web = processes.start(incubator_command("serve", "--workers", str(workers), "--log-level", "info"),
                                  env, tmp / "web.log")
            wait_for_log(tmp / "web.log", "Application startup complete.", workers, web, STARTUP_SECONDS)
            bench.wait_for(base + "/healthz", tmp / "web.log", STARTUP_SECONDS)
            sessions = {name: [sign_in(base, name) for _ in range(count)]
                        for name, count in (("manager", 3), ("admin", 2), ("official", 2))}
            plans = plan(world, sessions)

            def start_schedulers() -> None:  # the jobs start while the load runs (their run readies tranches)
                for log in scheduler_logs:
                    processes.start(incubator_command("scheduler"), env, log)

            loading = time.monotonic()
            deadline = loading + time_limit
            loads = asyncio.run(drive(base, plans, connections, rounds, deadline, start_schedulers))
            print(f"load of {sum(load.expected for load in loads.values())} requests done in "
                  f"{time.monotonic() - loading:.1f} s", file=out, flush=True)
            runs = asyncio.run(wait_for_jobs(url, world, schedulers, deadline, scheduler_logs))
        finally:
            processes.stop_all()  # in-flight requests finish before the check
        problems = log_problems(tmp)
    announced = {outcome: loads[kind].outcomes.get(outcome, 0) for kind, outcome in SUCCESS.items()}

    async def checked() -> list[Violation]:
        connection = await _connect(url)
        try:
            return await check(connection, world, announced)
        finally:
            await connection.close()

    violations = asyncio.run(checked())
    server_errors = {kind: sum(n for status, n in load.statuses.items() if status.startswith("5"))
                     for kind, load in loads.items()}
    socket_errors = {kind: sum(load.errors.values()) for kind, load in loads.items()}
    return {
        "database": urlsplit(url).path.lstrip("/"), "workers": workers, "schedulers": schedulers,
        "connections": connections, "rounds": rounds, "time_limit": time_limit, "world": asdict(world),
        "load": {kind: asdict(load) for kind, load in loads.items()}, "facts": asyncio.run(facts(url, world)),
        "job_runs": runs, "violations": [asdict(v) for v in violations], "server_errors": server_errors,
        "socket_errors": socket_errors, "log_problems": problems, "seconds": round(time.monotonic() - started, 1),
        "ok": not violations and not any(server_errors.values()) and not any(socket_errors.values()),
    }


def report(summary: dict[str, Any]) -> str:
    world, found = summary["world"], summary["facts"]
    lines = [f"{summary['database']}: incubator serve --workers {summary['workers']}, {summary['schedulers']} "
             f"scheduler process(es); {summary['connections']} connections per kind, each sending each target "
             f"{summary['rounds']}×; {summary['seconds']} s in all"]
    for kind, load in summary["load"].items():
        statuses = ", ".join(f"{s}: {n}" for s, n in load["statuses"].items())
        outcomes = ", ".join(f"{o}: {n}" for o, n in sorted(load["outcomes"].items(), key=lambda i: -i[1]))
        errors = sum(load["errors"].values())
        rate = load["requests"] / max(load["seconds"], 1e-9)
        lines.append(f"  {kind:<8}{load['requests']:>6} of {load['expected']} requests answered in "
                     f"{load['seconds']:.1f} s ({rate:.0f}/s, p50 {load['p50_ms']:.0f} ms, p99 {load['p99_ms']:.0f} ms)"
                     f" on {load['targets']} targets × {load['burst']} × {load['rounds']}; statuses {statuses}; "
                     f"outcomes {outcomes or '-'}; socket errors {errors}")
        lines.extend(f"    no answer: {failure}" for failure in load["failures"])
    fund = found["fund"]
    lines.append(f"  approvals: {len(found['approved'])} of {len(world['proposed_grants'])} proposed grants "
                 f"(room for {world['fits']}), {len(found['still_proposed'])} refused; fund committed "
                 f"{fund['committed_fen'] / 100:,.0f} of {fund['budget_fen'] / 100:,.0f} yuan, paid "
                 f"{fund['disbursed_fen'] / 100:,.0f}")
    for group in ("ready", "pending", "proposed"):
        counts = Counter(found[f"payments_of_{group}"].values())
        lines.append(f"  payments of tranches {group} at the start: " +
                     ", ".join(f"{n} paid {times}×" for times, n in sorted(counts.items())))
    lines.append(f"  stage changes: {found['stage_changes']}; stages now "
                 + ", ".join(f"{i}: {s}" for i, s in found["stages"].items()))
    lines.append("  bookings made: " + (", ".join(
        f"{b['starts']}–{b['ends']} {'block' if b['organization_id'] is None else 'org ' + str(b['organization_id'])}"
        for b in found["bookings"]) or "none"))
    runs = Counter(f"{r['job']} {r['status']}" for r in summary["job_runs"])
    lines.append("  job runs: " + (", ".join(f"{k} ×{n}" for k, n in runs.items()) or "none"))
    for kind in ("server_errors", "socket_errors"):
        if any(summary[kind].values()):
            lines.append(f"  {kind.replace('_', ' ')}: {summary[kind]}")
    for problem in summary["log_problems"]:
        lines.append(f"  logged: {problem}")
    lines.append(f"violations: {len(summary['violations'])}" + "".join(
        f"\n  {v['invariant']}: {v['detail']}" for v in summary["violations"]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("INCUBATOR_DATABASE_URL"),
                        help="PostgreSQL (default: INCUBATOR_DATABASE_URL)")
    parser.add_argument("--create-database", action="store_true",
                        help="create a fresh database on the URL's server (dropped afterwards)")
    parser.add_argument("--keep-database", action="store_true", help="do not drop the created database")
    parser.add_argument("--fresh", action="store_true", help="empty the URL's database first")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="how many times each connection sends each target")
    parser.add_argument("--connections", type=int, default=8, help="per kind; also how many hit one target at once")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT,
                        help="seconds the load (and the scheduler's run) may take before the run fails (a hang)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--schedulers", type=int, default=1)
    parser.add_argument("--scale", type=float, default=SCALE)
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--json", type=Path, help="write the summary here")
    parser.add_argument("--pid-file", type=Path, help="append the process group of every process started")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url (or INCUBATOR_DATABASE_URL) is required")
    # Stopped by a supervisor: stop the servers and drop the database on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    url = asyncio.run(create_database(args.database_url)) if args.create_database else args.database_url
    try:
        summary = run(url, rounds=args.rounds, connections=args.connections, workers=args.workers,
                      schedulers=args.schedulers, time_limit=args.time_limit, scale=args.scale,
                      seed_number=args.seed, fresh=args.fresh, pid_file=args.pid_file)
    except RaceTimeout as error:
        print(f"race.py: {error}", file=sys.stderr)
        return TIMED_OUT
    finally:
        if args.create_database and not args.keep_database:
            asyncio.run(drop_database(args.database_url, url))
    print(report(summary))
    if args.json:
        args.json.write_text(json.dumps(summary, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
