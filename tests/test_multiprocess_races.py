"""Several processes on one PostgreSQL racing the same objects (scripts/race.py): `incubator serve
--workers 2` and `incubator scheduler`, with connections opened beforehand and started at once, all
sending every grant approval, tranche payment, stage change and booking. No invariant breaks and no
request fails, and the races really happened: of the proposed grants exactly those the budget holds
are approved, the others refused for lack of it; each tranche is paid once whatever the number of
requests to pay it; each stage change is on the timeline once. The checker itself catches hand-made
violations.

The load is counted, not timed: each connection sends each target ROUNDS times, however slow the
machine, so what the tests assert (every connection asked for every target, the bookings the
checker's self-test tampers with were made) holds on a busy machine as on an idle one. LOAD_LIMIT
only stops a hang, with a message saying how far the load got.

PostgreSQL only (SQLite runs one process)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from tests.conftest import POSTGRES_URL, create_postgres_database, drop_postgres_database
from tests.helpers import ROOT, load_script

ROUNDS = 2  # each connection sends each target this many times (a count: no test depends on speed)
CONNECTIONS = 8  # per kind of request: how many send the same one at once
# Time limits stop a hang only: far beyond what a loaded machine takes (2 cores at a load of 12: the
# load 60 s, the whole run 6 minutes, most of it seeding; idle: 15 s and 80 s).
LOAD_LIMIT = 600  # seconds for the load and the scheduler's run; past it race.py says how far it got
TIMEOUT = 1800  # the whole run (seeding, servers, load, checks); a hung one is stopped

pytestmark = pytest.mark.skipif(not POSTGRES_URL,
                                reason="several processes need PostgreSQL (INCUBATOR_TEST_DATABASE_URL)")

race = load_script("race")


def _stop_leftovers(pid_file: Path) -> None:
    """The process groups race.py started, if it could not stop them itself (it was killed)."""
    if not pid_file.exists():
        return
    groups = {int(pid) for pid in pid_file.read_text().split()}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            group = int((entry / "stat").read_text().rpartition(")")[2].split()[2])
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if group in groups and (b"incubator" in command or b"multiprocessing" in command):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(entry.name), signal.SIGKILL)


def _run_race(url: str, folder: Path) -> dict[str, Any]:
    summary_file, pid_file = folder / "summary.json", folder / "pids"
    command = [sys.executable, str(ROOT / "scripts" / "race.py"), "--database-url", url, "--rounds", str(ROUNDS),
               "--connections", str(CONNECTIONS), "--time-limit", str(LOAD_LIMIT), "--json", str(summary_file),
               "--pid-file", str(pid_file)]
    env = {name: value for name, value in os.environ.items() if not name.startswith("INCUBATOR_")}
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    timed_out = False
    try:
        output, _ = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        timed_out = True
        process.send_signal(signal.SIGTERM)  # race.py stops its servers on the way out
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        _stop_leftovers(pid_file)
    if timed_out:
        pytest.fail(f"scripts/race.py took more than {TIMEOUT} s:\n{output[-5000:]}")
    if process.returncode == race.TIMED_OUT:  # its own time limit (LOAD_LIMIT) was exceeded: it says where
        pytest.fail(f"scripts/race.py stopped at a time limit (a hang, or a machine far too slow):\n{output[-5000:]}")
    if not summary_file.exists():
        pytest.fail(f"scripts/race.py failed (exit {process.returncode}):\n{output[-5000:]}")
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    summary["output"] = output
    return summary


def planned(summary: dict[str, Any], kind: str) -> int:
    """How many targets each connection of a kind sends a round, as the race plans them from its world."""
    world = race.World(**summary["world"])
    return len(race.plan(world, {name: [] for name in ("manager", "admin", "official")})[kind].targets)


@pytest_asyncio.fixture(scope="module")
async def raced(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[dict[str, Any], str]]:
    """One race on a database of its own, kept until the module's tests have read it."""
    url = await create_postgres_database(POSTGRES_URL)
    try:
        yield await asyncio.to_thread(_run_race, url, tmp_path_factory.mktemp("race")), url
    finally:
        await drop_postgres_database(POSTGRES_URL, url)


def test_no_invariant_breaks_and_no_request_fails(raced):
    summary, _url = raced
    assert summary["violations"] == [], summary["output"]
    for kind, load in summary["load"].items():  # every connection sent every target, every round, and was answered
        assert (load["targets"], load["burst"], load["rounds"]) == (planned(summary, kind), CONNECTIONS, ROUNDS)
        assert load["requests"] == load["expected"] == load["targets"] * CONNECTIONS * ROUNDS, summary["output"]
    assert summary["server_errors"] == {"approve": 0, "pay": 0, "stage": 0, "book": 0}, summary["output"]
    assert summary["socket_errors"] == {"approve": 0, "pay": 0, "stage": 0, "book": 0}, summary["output"]
    assert summary["log_problems"] == [], summary["output"]
    assert (summary["workers"], summary["schedulers"]) == (2, 1)


def test_approvals_race_for_the_budget_and_exactly_those_that_fit_win(raced):
    summary, _url = raced
    world, facts, load = summary["world"], summary["facts"], summary["load"]["approve"]
    assert load["requests"] == len(world["proposed_grants"]) * CONNECTIONS * ROUNDS  # each grant by each connection
    assert len(facts["approved"]) == world["fits"] > 0
    assert len(facts["still_proposed"]) == len(world["proposed_grants"]) - world["fits"] > 0
    assert load["outcomes"].get("no_budget", 0) > 0  # refused for lack of budget
    assert load["outcomes"].get("changed", 0) > 0  # approving what another request approved meanwhile
    assert load["outcomes"].get("approved", 0) == world["fits"]  # every approval was answered, and told
    fund = facts["fund"]
    assert fund["committed_fen"] <= fund["budget_fen"] < fund["committed_fen"] + race.PROPOSED_FEN


def test_each_tranche_is_paid_once_whatever_the_concurrent_requests(raced):
    summary, _url = raced
    world, facts, load = summary["world"], summary["facts"], summary["load"]["pay"]
    # Every connection asked to pay each tranche (those ready at the start first), ROUNDS times.
    tranches = [*world["ready_tranches"], *world["pending_tranches"], *world["proposed_tranches"]]
    assert load["requests"] == len(tranches) * CONNECTIONS * ROUNDS
    assert set(facts["payments_of_ready"].values()) == {1}
    assert set(facts["payments_of_pending"].values()) <= {0, 1}
    assert set(facts["payments_of_proposed"].values()) <= {0, 1}
    paid = sum(n for group in ("ready", "pending", "proposed") for n in facts[f"payments_of_{group}"].values())
    assert load["outcomes"].get("paid", 0) == paid  # every payment was answered, and told
    assert load["outcomes"].get("not_ready", 0) > 0  # the losers were told it is paid already
    # The scheduler's run (in its own process, mid-race) released the tranches whose date came.
    assert any(r["job"] == "tranche_readiness" and r["status"] == "ok" for r in summary["job_runs"])


def test_stage_changes_race_and_each_move_is_recorded_once(raced):
    summary, _url = raced
    facts, load = summary["facts"], summary["load"]["stage"]
    assert load["requests"] == planned(summary, "stage") * CONNECTIONS * ROUNDS
    moved = load["outcomes"].get("moved", 0)
    assert load["statuses"].get("303", 0) == moved > 0
    assert load["statuses"].get("400", 0) > 0  # refused: another request moved it first
    # Every request was answered before the servers stopped: the timeline holds exactly the moves
    # the responses announced.
    assert facts["stage_changes"] == moved


def test_bookings_race_and_each_time_is_held_once_and_the_quota_to_the_minute(raced):
    summary, _url = raced
    world, load = summary["world"], summary["load"]["book"]
    booked = summary["facts"]["bookings"]
    assert load["requests"] == (len(race.CONTESTED_TIMES) + len(race.QUOTA_TIMES)) * CONNECTIONS * ROUNDS
    assert load["statuses"].get("409", 0) > 0  # the time was just taken
    blocks = sorted((b["starts"][-5:], b["ends"]) for b in booked if b["organization_id"] is None)
    # Of each overlapping pair one holds (which one is the race's); never both, never neither.
    assert len(blocks) == 3 and ("14:00", "15:00") in blocks
    assert len({start for start, _end in blocks} & {"09:00", "09:30"}) == 1
    assert len({start for start, _end in blocks} & {"11:00", "11:30"}) == 1
    organization_hours = [b for b in booked if b["organization_id"] == world["quota_organization_id"]]
    assert len(organization_hours) == race.QUOTA_MINUTES // 60  # its week's quota, to the minute
    assert load["outcomes"].get("booked", 0) == len(booked)  # every booking was answered, and told


# ---- the checker catches what it is meant to -----------------------------------------------------------------


MUTATIONS = {
    "fund committed within budget": [  # an overdrawn fund, past its check constraint
        "ALTER TABLE fund DROP CONSTRAINT ck_fund_committed",
        "UPDATE fund SET committed_fen = budget_fen + 1 WHERE id = {fund}",
    ],
    "a paid tranche is paid exactly once": [
        "INSERT INTO ledger_entry (fund_id, grant_id, tranche_id, kind, committed_delta_fen, disbursed_delta_fen,"
        " on_date, voucher, note, at) SELECT fund_id, grant_id, tranche_id, kind, committed_delta_fen,"
        " disbursed_delta_fen, on_date, voucher, note, at FROM ledger_entry"
        " WHERE tranche_id = {tranche} AND kind = 'disburse'",
    ],
    "grant committed once, when approved": [
        "UPDATE funding_grant SET status = 'active', approved_at = NULL WHERE id = {grant}",
    ],
    "the timeline ends at the organization's stage": [  # a stage change that left no timeline row
        "UPDATE organization SET stage = 'rejected' WHERE id = {organization}",
    ],
    "each approval audited once": [
        "DELETE FROM audit_entry WHERE id > {audit} AND object_type = 'Grant' AND object_id = '{grant}'",
    ],
    "no two confirmed bookings of a space overlap": [  # past the exclusion constraint
        "ALTER TABLE booking DROP CONSTRAINT ex_booking_no_overlap",
        "INSERT INTO booking (space_id, organization_id, booked_by_id, starts_at, ends_at, held_until, attendees,"
        " purpose, status, created_at, end_reason) SELECT space_id, NULL, booked_by_id, starts_at, ends_at,"
        " held_until, 1, 'twice', 'confirmed', created_at, '' FROM booking WHERE id > {bookings}"
        " AND status = 'confirmed' LIMIT 1",
    ],
    "an organization's week holds within its quota": [
        "UPDATE booking SET status = 'confirmed' WHERE organization_id = {quota_organization}"
        " AND status = 'cancelled' AND end_reason = 'race'",
        "INSERT INTO booking (space_id, organization_id, booked_by_id, starts_at, ends_at, held_until, attendees,"
        " purpose, status, created_at, end_reason) SELECT space_id, organization_id, booked_by_id,"
        " starts_at + interval '5 hours', ends_at + interval '5 hours', held_until + interval '5 hours', 1, 'more',"
        " 'confirmed', created_at, '' FROM booking WHERE id > {bookings} AND organization_id = {quota_organization}"
        " LIMIT 1",
    ],
    "each booking audited once": [
        "DELETE FROM audit_entry WHERE id > {audit} AND object_type = 'Booking'",
    ],
    "one process runs the jobs at a time": [
        "INSERT INTO job_run (job, holder, started_at, finished_at, status, counts, error)"
        " SELECT job, 'elsewhere:1:x', started_at, finished_at, status, counts, error FROM job_run"
        " WHERE id > {jobs} AND job <> '*'",
    ],
}


@pytest_asyncio.fixture
async def connection(raced) -> AsyncIterator[asyncpg.Connection]:
    _summary, url = raced
    connection = await race._connect(url)
    try:
        yield connection
    finally:
        await connection.close()


async def test_the_checker_finds_nothing_new_in_the_raced_database(raced, connection):
    summary, _url = raced
    found = await race.check(connection, race.World(**summary["world"]))
    assert found == []


@pytest.mark.parametrize("invariant", list(MUTATIONS))
async def test_the_checker_catches_a_hand_made_violation(raced, connection, invariant):
    summary, _url = raced
    world = race.World(**summary["world"])
    values = {"fund": world.fund_id, "tranche": world.ready_tranches[0], "grant": summary["facts"]["approved"][0],
              "organization": next(iter(world.organizations)), "audit": world.audit_watermark,
              "jobs": world.job_watermark, "bookings": world.booking_watermark,
              "quota_organization": world.quota_organization_id}
    transaction = connection.transaction()
    await transaction.start()
    try:
        for statement in MUTATIONS[invariant]:
            status = await connection.execute(statement.format(**values))  # e.g. "UPDATE 1", "INSERT 0 1"
        # The violation was really made (its last statement's): the rows it copies or changes, the race's own,
        # are there.
        assert int(status.split()[-1]) > 0, (statement, status)
        found = await race.check(connection, world)
    finally:
        await transaction.rollback()
    assert invariant in {v.invariant for v in found}


async def test_the_checker_catches_a_success_announced_but_not_recorded(raced, connection):
    summary, _url = raced
    found = await race.check(connection, race.World(**summary["world"]), {"paid": 10**6})
    assert "every success announced is recorded" in {v.invariant for v in found}
