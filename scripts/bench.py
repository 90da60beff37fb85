"""Side-by-side benchmark: Incubator's main pages against the framework's ceiling and Datasette,
on the same generated city, in the same run. Prints figures; asserts nothing.

    python scripts/bench.py [--scale 1.0] [--database-url URL] [--connections 16] [--duration 10]
                            [--only NAME ...] [--no-datasette] [--write docs/performance.md]
                            [--page-cache-mb 0]   # every page built for every request
                            [--no-booking] [--booking-parks 16]

Without --database-url it generates a city (scripts/generate.py) into a temporary SQLite file.
The app runs as one uvicorn worker in its own process; the load comes from wrk (Debian's `wrk`),
which runs outside Python so it does not take the CPU it measures. For each page it reports
requests per second, p50 and p95 latency, queries per request (of building the page, counted
in-process once; a kept page runs none) and the share of the ceiling: bare Starlette returning
the same bytes of the filtered organization list from memory. Datasette (the `bench` extra) serves
the same table, facets and count off.

On SQLite it also measures booking creation (scripts/bench_booking.py, scripts/bench_booking.lua):
wrk POSTs bookings to `incubator serve` on a copy of the city (the original is not written), each
request a free slot of its own in one of `--booking-parks` parks, by members of different
organizations and the parks' managers, so that every answer must be a success (303); it reports
the answers by status and the rows the copy holds afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import bench_booking  # noqa: E402  (scripts/bench_booking.py)
import bench_training  # noqa: E402  (scripts/bench_training.py)
import generate  # noqa: E402  (scripts/generate.py)

LUA = """
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
                 + summary.errors.write + summary.errors.timeout
  io.write(string.format('JSON {"requests": %d, "seconds": %.3f, "p50": %.3f, "p95": %.3f, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, errors))
end
"""

CEILING = '''
import os
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

BODY = open(os.environ["CEILING_FILE"], "rb").read()


async def page(request):
    return Response(BODY, media_type="text/html; charset=utf-8")

app = Starlette(routes=[Route("/{path:path}", page)])
'''


@dataclass
class Page:
    name: str
    role: str
    path: str


@dataclass
class Result:
    name: str
    role: str
    path: str
    rps: float
    p50: float
    p95: float
    errors: int
    queries: int | None = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer:\n{log.read_text()[-2000:]}")


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """A server in its own process group, its output in `log` (shown if it fails to answer)."""
    with log.open("w") as out:
        return subprocess.Popen(args, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def sign_in(base: str, username: str) -> str:
    """The Cookie header of a signed-in session."""
    with httpx.Client(base_url=base, headers={"Origin": base}) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf-token" content="(\w+)"', page.text)
        assert token, "no CSRF token on the sign-in page"
        response = client.post("/login", data={"username": username, "password": generate.BENCH_PASSWORD,
                                               "csrf_token": token.group(1)})
        assert response.status_code == 303, (username, response.status_code)
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def headers_for(credential: str) -> dict[str, str]:
    """A role's credential as request headers: a session cookie, or an API token ("Bearer …")."""
    if credential.startswith("Bearer "):
        return {"Authorization": credential}
    return {"Cookie": credential} if credential else {}


def wrk(url: str, cookie: str, connections: int, duration: int, script: Path) -> dict:
    """wrk's figures for `url`, after one request (every target alike: templates compiled, statements
    prepared, a kept page built), so that the figures are those of a server that has seen the page."""
    headers = headers_for(cookie)
    httpx.get(url, headers=headers, timeout=60)
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script), url]
    for name, value in headers.items():
        command[1:1] = ["-H", f"{name}: {value}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    found = re.search(r"^JSON (.*)$", out, re.M)
    assert found, out
    figures = json.loads(found.group(1))
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures


def first(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    if not found:
        raise RuntimeError(f"no {pattern} on the page")
    return found.group(1)


# Where `pages` finds the ids of its pages: the first link of each of these lists, as the administrator.
SOURCES = {"organization": "/organizations?park={park}", "review": "/reviews", "fund": "/funds",
           "day": "/parks/{park}/day", "training": "/training", "directory": "/directory"}


def discover(base: str, cookies: dict[str, str], park_id: int, fund_id: int) -> list[Page]:
    """The main pages of every role, with real ids taken from the pages themselves."""
    with httpx.Client(base_url=base, headers={"Cookie": cookies["admin"]}) as client:
        return pages(park_id, {kind: client.get(path.format(park=park_id)).text for kind, path in SOURCES.items()},
                     fund_id)


async def largest_fund() -> int:
    """The fund with the longest ledger (the ORM connected): its page is the heaviest of its kind."""
    from tortoise.functions import Count

    from incubator.funding.models import LedgerEntry

    rows = await LedgerEntry.all().group_by("fund_id").annotate(n=Count("id")).order_by("-n", "fund_id").limit(
        1).values_list("fund_id", "n")
    return rows[0][0]


async def _largest_fund(url: str) -> int:
    from incubator import db

    async with db.connected(url):
        return await largest_fund()


API_ROLE = "api"  # the administrator's API token


def pages(park_id: int, sources: dict[str, str], fund_id: int | None = None) -> list[Page]:
    """The benchmark's pages, given the text of each of SOURCES (tests count their queries too);
    the fund page is `fund_id`'s (the longest ledger), or the first on the funds list."""
    organization, review, fund = (first(rf'href="(?:http://[^/"]+)?/{kind}s/(\d+)"', sources[kind])
                                  for kind in ("organization", "review", "fund"))
    room = first(r'href="/spaces/(\d+)/week', sources["day"])
    session = first(r'href="/training/(\d+)"', sources["training"])
    listed = first(r'href="/directory/(\d+)"', sources["directory"])
    return [
        Page("organization list, one park", "admin", f"/organizations?park={park_id}"),
        Page("organization list, all", "admin", "/organizations"),
        Page("organization page", "admin", f"/organizations/{organization}"),
        Page("registration overdue", "admin", "/organizations/registration-overdue"),
        Page("review page", "admin", f"/reviews/{review}"),
        Page("fund page, longest ledger", "admin", f"/funds/{fund_id or fund}"),
        Page("grants list", "admin", "/grants"),
        Page("flags", "manager", "/flags"),
        Page("inbox", "manager", "/inbox"),
        Page("home, official", "official", "/"),
        Page("home, manager", "manager", "/"),
        Page("home, member", "member", "/"),
        Page("home, evaluator", "evaluator", "/"),
        Page("week grid of a room", "admin", f"/spaces/{room}/week"),
        Page("day view of a park", "admin", f"/parks/{park_id}/day"),
        Page("training to come", "member", "/training"),
        Page("session page", "admin", f"/training/{session}"),
        Page("dashboard, district", "official", "/dashboard"),
        Page("dashboard, district, closed month", "official", f"/dashboard?period={last_month()}"),
        Page("dashboard, park", "manager", "/dashboard"),
        # The dashboard's drill-down: a park's booked time and sessions held last month.
        Page("bookings behind a figure", "official", f"/bookings?status=booked&park={park_id}&months={last_month()}"),
        Page("sessions behind a figure", "official", f"/training?when=past&park={park_id}&months={last_month()}"),
        # The public directory, read by anonymous visitors (no session).
        Page("public directory", "anonymous", "/directory"),
        Page("public directory, one domain", "anonymous", "/directory?domain=1"),
        Page("public organization page", "anonymous", f"/directory/{listed}"),
        # The data API, read with the administrator's token (generate.BENCH_TOKEN): the same rows as
        # Datasette's JSON below (a park's first 50 organizations by id).
        Page("API organization list, one park", API_ROLE, f"/api/v1/organizations?park={park_id}&limit=50"),
    ]


def last_month() -> str:
    """The month the generator closed (the dashboard shows its snapshot with today's revisions)."""
    from incubator import clock
    from incubator.period import Period

    return Period.month_of(clock.today()).previous.key


async def count_queries(url: str, data_dir: Path, pages: list[Page], cookies: dict[str, str]) -> dict[str, int]:
    """Queries per request of each page, in-process, after one warm-up request."""
    from incubator import db
    from incubator.app import create_app
    from incubator.config import Settings

    # The page cache off: these are the queries of building each page (a kept page runs none).
    settings = Settings(database_url=url, secret_key="bench-" + "k" * 40, run_scheduler=False, data_dir=data_dir,
                        page_cache_mb=0, api_requests_per_minute=100_000_000)
    counts: dict[str, int] = {}
    async with db.connected(url):
        app = create_app(settings, manage_database=False)
        for page in pages:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench",
                                         headers=headers_for(cookies[page.role])) as client:
                await client.get(page.path)
                with db.counting_queries() as counter:
                    response = await client.get(page.path)
                assert response.status_code == 200, (page.path, response.status_code)
                counts[page.path + "@" + page.role] = counter.count
    return counts


async def time_dashboards(url: str, data_dir: Path, cookies: dict[str, str]) -> dict[str, float]:
    """Milliseconds to build each dashboard with the page cache off (best of three: what the first
    reader after a change waits), and seconds for the whole city's monthly report workbook."""
    from incubator import db
    from incubator.app import create_app
    from incubator.config import Settings

    settings = Settings(database_url=url, secret_key="bench-" + "k" * 40, run_scheduler=False, data_dir=data_dir,
                        page_cache_mb=0)
    timings: dict[str, float] = {}
    targets = [("district dashboard built", "official", "/dashboard"),
               ("district dashboard of a year built", "official", f"/dashboard?period={last_month()[:4]}"),
               ("park dashboard built", "manager", "/dashboard"),
               ("monthly report workbook, whole city", "official", f"/dashboard/report.xlsx?period={last_month()}")]
    async with db.connected(url):
        app = create_app(settings, manage_database=False)
        for name, role, path in targets:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench",
                                         headers={"Cookie": cookies[role]}, timeout=120) as client:
                best = float("inf")
                for _run in range(3):
                    started = time.perf_counter()
                    response = await client.get(path)
                    best = min(best, time.perf_counter() - started)
                    assert response.status_code == 200, (path, response.status_code)
                timings[name] = best
    return timings


async def time_flag_job(url: str, folder: Path) -> dict[str, float]:
    """Seconds of the flag job over the whole city: an unchanged rerun on the database itself (the
    best of three), and on SQLite a first run, on a copy whose flags and inbox were emptied."""
    from incubator import db
    from incubator.config import sqlite_path, sqlite_url
    from incubator.flags import service as flags

    async def best(target: str, runs: int, before=None) -> float:
        async with db.connected(target):
            timings = []
            for _ in range(runs):
                if before:
                    await before()
                started = time.perf_counter()
                await flags.refresh_all()
                timings.append(time.perf_counter() - started)
            return min(timings)

    figures = {"rerun": await best(url, 3)}
    if url.startswith("sqlite"):
        from incubator.flags.models import Flag
        from incubator.notifications.models import Notification

        async def empty() -> None:
            await Notification.all().delete()
            await Flag.all().delete()

        copy = folder / "flags-first-run.sqlite3"
        shutil.copyfile(sqlite_path(url), copy)
        figures["first run"] = await best(sqlite_url(copy), 2, empty)
        copy.unlink()
    return figures


BOOKING = "booking creation: POST, a free slot each"


async def _on(url: str, work: Any) -> Any:
    """`work()` awaited with the ORM connected to `url` (a copy of the city)."""
    from incubator import db

    async with db.connected(url):
        return await work()


async def _last_id(url: str, model: Any) -> int:
    async def last() -> int:
        rows = await model.all().order_by("-id").limit(1).values_list("id", flat=True)
        return int(rows[0]) if rows else 0

    return await _on(url, last)


async def _post_queries(url: str, data_dir: Path, cookie: str, path: str, data: dict[str, str]) -> int:
    """Queries of one POST, in-process, as count_queries counts a page's (it must answer 303)."""
    from incubator import db
    from incubator.app import create_app
    from incubator.config import Settings

    settings = Settings(database_url=url, secret_key="bench-" + "k" * 40, run_scheduler=False, data_dir=data_dir,
                        page_cache_mb=0)
    async with db.connected(url):
        app = create_app(settings, manage_database=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench",
                                     headers={"Cookie": cookie, "Origin": "http://bench"}) as client:
            with db.counting_queries() as counter:
                response = await client.post(path, data=data)
    assert response.status_code == 303, (response.status_code, response.text[-2000:])
    return counter.count


def _answers(figures: dict) -> dict:
    """What wrk's answers were: successes (303), failures (any other status), socket errors."""
    statuses = figures["statuses"]
    successes = statuses.get(303, 0)
    answered = sum(statuses.values())
    return {"successes": successes, "failures": answered - successes, "answered": answered,
            "socket_errors": figures["errors"] - sum(n for status, n in statuses.items() if status > 399)}


def page_text(html: str) -> str:
    """The visible text of an answer's page, for a failure's report."""
    html = re.sub(r"(?s)<(script|style|head|nav|header|footer)\b.*?</\1>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def measure_booking(url: str, tmp: Path, env: dict[str, str], args: argparse.Namespace) -> tuple[Result, dict]:
    """Booking creation under wrk, against `incubator serve` on a copy of the city (see
    scripts/bench_booking.py): the figures, and what the answers and the copy say."""
    from incubator import db
    from incubator.booking.models import Booking
    from incubator.config import sqlite_url

    copy = tmp / "booking.sqlite3"
    started = time.monotonic()
    db.backup_sqlite(url, copy)
    copy_url = sqlite_url(copy)
    # Every slot must still be beyond its room's notice when asked for: the run, and then some.
    margin = timedelta(seconds=args.duration + 900)
    plan = asyncio.run(_on(copy_url, lambda: bench_booking.prepare(args.booking_parks, members=4, margin=margin)))
    print(f"booking: copied the city and found {len(plan.slots):,} free slots in {len(plan.parks)} parks "
          f"in {time.monotonic() - started:.0f} s", file=sys.stderr)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start([sys.executable, "-m", "incubator.cli", "serve", "--port", str(port), "--log-level", "warning"],
                   {**env, "INCUBATOR_DATABASE_URL": copy_url}, tmp / "booking.log")
    try:
        wait_for(base + "/healthz", tmp / "booking.log")
        bench_booking.sign_in_all(base, plan.actors, generate.BENCH_PASSWORD)
        (counted, counted_slot), (warm, warm_slot), *rest = plan.slots
        queries = asyncio.run(_post_queries(copy_url, tmp, counted.cookie, f"/spaces/{counted_slot.space_id}/book",
                                             bench_booking.form(counted, counted_slot, 0)))
        # One booking through the server first, as every target gets one request before wrk measures it.
        answer = bench_booking.post(base, warm, warm_slot, 1)
        assert answer.status_code == 303, (answer.status_code, page_text(answer.text)[:1000])
        first_id = asyncio.run(_last_id(copy_url, Booking))
        requests = tmp / "booking.tsv"
        bench_booking.write_requests(requests, rest, first_number=2)
        figures = bench_booking.run_wrk(base, requests, args.connections, args.duration)
    finally:
        stop(server)  # finishes the requests in flight: their rows count too
    made = asyncio.run(_on(copy_url, lambda: bench_booking.created(first_id)))
    statuses = figures["statuses"]
    figures |= _answers(figures)
    successes, answered = figures["successes"], figures["answered"]
    figures |= {
        "slots": len(plan.slots), "parks": len(plan.parks),
        "members": sum(1 for a in plan.actors if a.organization_id is not None),
        "managers": sum(1 for a in plan.actors if a.organization_id is None), "created": made,
        # Every row is a request sent, once; every success answered is a row; the requests wrk sent
        # but stopped waiting for may be rows too (the server finishes them).
        "consistent": (set(made["numbers"]) <= set(range(2, 2 + figures["sent"]))
                       and len(set(made["numbers"])) == made["rows"]
                       and successes <= made["rows"] <= successes + figures["sent"] - answered),
    }
    result = Result(BOOKING, "member, manager", "/spaces/{id}/book", figures["rps"], figures["p50"], figures["p95"],
                    figures["failures"] + figures["socket_errors"], queries)
    print(f"{BOOKING:<32}{figures['rps']:>9.1f} req/s  p95 {figures['p95']:>7.1f} ms  {successes:,} booked, "
          f"{figures['failures']:,} not {dict(sorted(statuses.items()))}, {made['rows']:,} rows", file=sys.stderr)
    if figures["failure"]:
        print("the first failure's page: " + page_text(figures["failure"])[:1500], file=sys.stderr)
    if figures["unsent"]:
        print(f"the {len(plan.slots):,} free slots ran out: raise --booking-parks", file=sys.stderr)
    return result, figures


SIGN_UP = "training sign-up: POST, a person each"


def measure_sign_up(url: str, tmp: Path, env: dict[str, str], args: argparse.Namespace) -> tuple[Result, dict]:
    """Training sign-up under wrk, against `incubator serve` on a copy of the city (see
    scripts/bench_training.py): the figures, and what the answers and the copy say."""
    from incubator import db
    from incubator.config import sqlite_url
    from incubator.training.models import Seat

    copy = tmp / "training.sqlite3"
    started = time.monotonic()
    db.backup_sqlite(url, copy)
    copy_url = sqlite_url(copy)
    margin = timedelta(seconds=args.duration + 900)
    plan = asyncio.run(_on(copy_url, lambda: bench_training.prepare(args.booking_parks, members=4, margin=margin)))
    print(f"training: copied the city and prepared {len(plan.requests):,} sign-ups in {len(plan.parks)} parks "
          f"in {time.monotonic() - started:.0f} s", file=sys.stderr)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start([sys.executable, "-m", "incubator.cli", "serve", "--port", str(port), "--log-level", "warning"],
                   {**env, "INCUBATOR_DATABASE_URL": copy_url}, tmp / "training.log")
    try:
        wait_for(base + "/healthz", tmp / "training.log")
        bench_booking.sign_in_all(base, plan.actors, generate.BENCH_PASSWORD)
        counted, warm, *rest = plan.requests
        queries = asyncio.run(_post_queries(copy_url, tmp, counted.actor.cookie,
                                            f"/training/{counted.session_id}/sign-up", bench_training.form(counted)))
        answer = bench_training.post(base, warm)  # the server's first, before wrk measures
        assert answer.status_code == 303, (answer.status_code, page_text(answer.text)[:1000])
        first_id = asyncio.run(_last_id(copy_url, Seat))
        requests = tmp / "training.tsv"
        bench_training.write_requests(requests, rest)
        figures = bench_booking.run_wrk(base, requests, args.connections, args.duration)
    finally:
        stop(server)  # finishes the requests in flight: their rows count too
    made = asyncio.run(_on(copy_url, lambda: bench_training.created(first_id, rest)))
    statuses = figures["statuses"]
    figures |= _answers(figures)
    successes, answered = figures["successes"], figures["answered"]
    figures |= {
        "prepared": len(plan.requests), "parks": len(plan.parks), "members": len(plan.actors), "created": made,
        "consistent": made["requested"] and made["once"] and successes <= made["rows"] <= successes + (
            figures["sent"] - answered),
    }
    result = Result(SIGN_UP, "member", "/training/{id}/sign-up", figures["rps"], figures["p50"], figures["p95"],
                    figures["failures"] + figures["socket_errors"], queries)
    print(f"{SIGN_UP:<32}{figures['rps']:>9.1f} req/s  p95 {figures['p95']:>7.1f} ms  {successes:,} signed up, "
          f"{figures['failures']:,} not {dict(sorted(statuses.items()))}, {made['rows']:,} rows", file=sys.stderr)
    if figures["failure"]:
        print("the first failure's page: " + page_text(figures["failure"])[:1500], file=sys.stderr)
    if figures["unsent"]:
        print(f"the {len(plan.requests):,} sign-ups ran out: raise --booking-parks", file=sys.stderr)
    return result, figures


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="an already generated database (default: generate one)")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--park", type=int, help="the park of the filtered list (default: 7, or the first)")
    parser.add_argument("--only", nargs="*", help="page names (substrings) to measure")
    parser.add_argument("--no-datasette", action="store_true")
    parser.add_argument("--page-cache-mb", type=int, default=64,
                        help="the app's INCUBATOR_PAGE_CACHE_MB (0: every page built for every request)")
    parser.add_argument("--no-booking", action="store_true", help="skip booking creation")
    parser.add_argument("--no-sign-up", action="store_true", help="skip training sign-up")
    parser.add_argument("--booking-parks", type=int, default=16,
                        help="parks whose rooms booking creation books (each: 4 members and a manager)")
    parser.add_argument("--write", type=Path, help="append the results as Markdown to this file")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        url = args.database_url
        if not url:
            from incubator.config import sqlite_url

            url = sqlite_url(tmp / "city.sqlite3")
            started = time.monotonic()
            asyncio.run(generate.generate(url, args.scale, args.seed, fresh=True, out=sys.stderr))
            print(f"generated scale {args.scale} in {time.monotonic() - started:.0f} s", file=sys.stderr)
        script = tmp / "report.lua"
        script.write_text(LUA)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {"INCUBATOR_DATABASE_URL": url, "INCUBATOR_DATA_DIR": str(tmp), "INCUBATOR_RUN_SCHEDULER": "0",
               "INCUBATOR_SECRET_KEY": "bench-" + "k" * 40, "INCUBATOR_LOGIN_MAX_FAILURES": "1000",
               "INCUBATOR_PAGE_CACHE_MB": str(args.page_cache_mb),
               "INCUBATOR_API_REQUESTS_PER_MINUTE": "100000000"}  # wrk is one client: no limit
        app = start([sys.executable, "-m", "uvicorn", "incubator.app:create_app", "--factory", "--port", str(port),
                     "--workers", "1", "--log-level", "warning", "--no-access-log"], env, tmp / "app.log")
        results: list[Result] = []
        try:
            wait_for(base + "/healthz", tmp / "app.log")
            cookies = {role: sign_in(base, role) for role in ("admin", "official", "manager", "member", "evaluator")}
            cookies["anonymous"] = ""
            cookies[API_ROLE] = "Bearer " + generate.BENCH_TOKEN
            if args.park is None:
                parks = [int(i) for i in re.findall(r'/parks/(\d+)"', httpx.get(
                    base + "/parks", headers={"Cookie": cookies["admin"]}).text)]
                args.park = 7 if 7 in parks else parks[0]
            pages = discover(base, cookies, args.park, asyncio.run(_largest_fund(url)))
            if args.only:
                pages = [p for p in pages if any(word in p.name for word in args.only)]
            queries = asyncio.run(count_queries(url, tmp, pages, cookies))
            dashboards = asyncio.run(time_dashboards(url, tmp, cookies)) if any(
                "dashboard" in p.name for p in pages) else {}
            filtered_bytes = httpx.get(base + f"/organizations?park={args.park}",
                                       headers={"Cookie": cookies["admin"]}).content
            for page in pages:
                figures = wrk(base + page.path, cookies[page.role], args.connections, args.duration, script)
                results.append(Result(page.name, page.role, page.path, figures["rps"], figures["p50"],
                                      figures["p95"], figures["errors"], queries[page.path + "@" + page.role]))
                print(f"{page.name:<32}{figures['rps']:>9.1f} req/s  p50 {figures['p50']:>7.1f} ms  "
                      f"p95 {figures['p95']:>7.1f} ms", file=sys.stderr)
        finally:
            stop(app)

        booking: dict | None = None
        if not args.no_booking and (not args.only or any(word in BOOKING for word in args.only)):
            if url.startswith("sqlite"):
                result, booking = measure_booking(url, tmp, env, args)
                results.append(result)
            else:
                print("booking creation: measured on SQLite only (it books on a copy of the city)", file=sys.stderr)
        sign_up: dict | None = None
        if not args.no_sign_up and (not args.only or any(word in SIGN_UP for word in args.only)):
            if url.startswith("sqlite"):
                result, sign_up = measure_sign_up(url, tmp, env, args)
                results.append(result)
            else:
                print("training sign-up: measured on SQLite only (on a copy of the city)", file=sys.stderr)

        ceiling_file = tmp / "page.html"
        ceiling_file.write_bytes(filtered_bytes)
        (tmp / "ceiling.py").write_text(CEILING)
        port = free_port()
        ceiling = start([sys.executable, "-m", "uvicorn", "ceiling:app", "--app-dir", str(tmp), "--port", str(port),
                         "--workers", "1", "--log-level", "warning", "--no-access-log"],
                        {"CEILING_FILE": str(ceiling_file)}, tmp / "ceiling.log")
        try:
            wait_for(f"http://127.0.0.1:{port}/", tmp / "ceiling.log")
            figures = wrk(f"http://127.0.0.1:{port}/organizations?park={args.park}", "", args.connections,
                          args.duration, script)
            top = Result("ceiling: bare Starlette, same bytes", "-", "-", figures["rps"], figures["p50"],
                         figures["p95"], figures["errors"])
        finally:
            stop(ceiling)

        others: list[Result] = []
        if not args.no_datasette and url.startswith("sqlite") and shutil.which("datasette") is None:
            print("datasette is not installed (pip install -e '.[bench]'): skipped", file=sys.stderr)
        elif not args.no_datasette and url.startswith("sqlite"):
            from incubator.config import sqlite_path

            path = sqlite_path(url).resolve()
            port = free_port()
            datasette = start(["datasette", "serve", "--immutable", str(path), "--port", str(port),
                               "--setting", "suggest_facets", "off", "--setting", "default_facet_size", "0",
                               "--setting", "num_sql_threads", "3"], {}, tmp / "datasette.log")
            try:
                wait_for(f"http://127.0.0.1:{port}/-/versions.json", tmp / "datasette.log")
                table = f"/{path.stem}/organization?park_id={args.park}&_size=50&_nocount=1"
                for name, target in (("Datasette table page", table),
                                     ("Datasette JSON", table.replace("/organization?", "/organization.json?"))):
                    figures = wrk(f"http://127.0.0.1:{port}{target}", "", args.connections, args.duration, script)
                    others.append(Result(name, "-", target, figures["rps"], figures["p50"], figures["p95"],
                                         figures["errors"]))
            finally:
                stop(datasette)

    jobs = asyncio.run(time_flag_job(url, Path(tempfile.gettempdir())))
    table = render(results, top, others, args, jobs, booking, sign_up, dashboards)
    print(table)
    if args.write:
        with args.write.open("a", encoding="utf-8") as handle:
            handle.write("\n" + table)


def render(results: list[Result], top: Result, others: list[Result], args: argparse.Namespace,
           jobs: dict[str, float] | None = None, booking: dict | None = None, sign_up: dict | None = None,
           dashboards: dict[str, float] | None = None) -> str:
    database = "PostgreSQL" if (args.database_url or "").startswith("postgres") else "SQLite"
    lines = [
        f"### {date.today().isoformat()}: {database}, scale {args.scale}, one uvicorn worker, "
        f"{args.connections} connections, {args.duration} s per page, "
        + (f"page cache {args.page_cache_mb} MB" if args.page_cache_mb > 0 else "page cache off (every page built)"),
        "",
        f"Machine: {machine()}.",
        "",
        "| page | role | req/s | share of ceiling | p50 ms | p95 ms | queries | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in [top, *results, *others]:
        share = f"{r.rps / top.rps * 100:.1f}%" if top.rps else "-"
        queries = "-" if r.queries is None else str(r.queries)
        lines.append(f"| {r.name} | {r.role} | {r.rps:,.0f} | {share} | {r.p50:.1f} | {r.p95:.1f} | {queries} "
                     f"| {r.errors} |")
    filtered = next((r for r in results if r.name == "organization list, one park"), None)
    if filtered and others:
        ratios = ", ".join(f"{filtered.rps / o.rps:.1f}× {o.name}" for o in others if o.rps)
        lines += ["", f"Filtered organization list: {ratios}."]
    api = next((r for r in results if r.role == API_ROLE), None)
    datasette_json = next((o for o in others if o.name == "Datasette JSON"), None)
    if api and datasette_json and datasette_json.rps:
        lines += ["", f"API organization list (50 rows): {api.rps / datasette_json.rps:.1f}× Datasette's JSON "
                  "of the same rows (issue 14 asks 5×)."]
    if booking:
        made = booking["created"]
        statuses = ", ".join(f"{n:,} × {status}" for status, n in sorted(booking["statuses"].items()))
        kinds = ", ".join(f"{n:,} {status}" for status, n in sorted(made["statuses"].items()))
        late = booking["sent"] - booking["answered"]
        met = booking["rps"] >= 150 and not booking["failures"] and not booking["socket_errors"] and not (
            booking["unsent"]) and booking["consistent"] and not made["overlapping"]
        lines += ["", f"Booking creation ({booking['parks']} parks, {booking['members']} members of different "
                  f"organizations and {booking['managers']} managers blocking time, {booking['slots']:,} free slots "
                  f"prepared): {booking['answered']:,} answers in {booking['seconds']:.1f} s ({statuses}): "
                  f"{booking['successes']:,} booked, {booking['failures']:,} refused, "
                  f"{booking['socket_errors']} socket errors; {made['rows']:,} rows created ({kinds}; "
                  f"{made['blocks']:,} of them blocks), {made['rows'] - booking['successes']} of them by the {late} "
                  f"requests still in flight when wrk stopped; rows match the requests: "
                  f"{'yes' if booking['consistent'] else 'no'}; confirmed bookings overlapping another: "
                  f"{made['overlapping']}. The issue's ≥ 150 a second with every request booked: "
                  f"{'met' if met else 'not met'}."]
    if sign_up:
        made = sign_up["created"]
        statuses = ", ".join(f"{n:,} × {status}" for status, n in sorted(sign_up["statuses"].items()))
        kinds = ", ".join(f"{n:,} {status}" for status, n in sorted(made["statuses"].items()))
        met = sign_up["rps"] >= 150 and not sign_up["failures"] and not sign_up["socket_errors"] and not (
            sign_up["unsent"]) and sign_up["consistent"] and not made["over_capacity"] and not made["over_share"]
        lines += ["", f"Training sign-up ({sign_up['parks']} parks, {sign_up['members']} members of different "
                  f"organizations, {sign_up['prepared']:,} sign-ups prepared): {sign_up['answered']:,} answers in "
                  f"{sign_up['seconds']:.1f} s ({statuses}): {sign_up['successes']:,} signed up, "
                  f"{sign_up['failures']:,} refused, {sign_up['socket_errors']} socket errors; {made['rows']:,} seats "
                  f"created ({kinds}); each a request's, once: {'yes' if sign_up['consistent'] else 'no'}; sessions "
                  f"over capacity or off their counter: {made['over_capacity']}; organizations over their share: "
                  f"{made['over_share']}. The issue's ≥ 150 a second with every request answered: "
                  f"{'met' if met else 'not met'}."]
    if dashboards:
        lines += ["", "Dashboards built with the page cache off (in-process, best of three): "
                  + ", ".join(f"{name} {seconds * 1000:,.0f} ms" for name, seconds in dashboards.items()) + "."]
    if jobs:
        lines += ["", "Flag job over the whole city (in-process, best run): "
                  + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in jobs.items()) + "."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
