"""One way to open a transaction: `events.transaction()`, whose events are delivered after it
commits. A raw tortoise `in_transaction()` beside it would make an event emitted inside raise (or,
around a unit of work, deliver that unit's events before the real commit), so a new one fails here
unless it is named below with the reason it must stay."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from tortoise.exceptions import IntegrityError

import incubator
from incubator import events

PACKAGE = Path(incubator.__file__).parent
RAW = re.compile(r"\b(in_transaction|atomic)\(")  # tortoise.transactions' two ways

# module (relative to incubator/) → how many raw in_transaction( calls it may hold, and why.
ALLOWED = {
    "events.py": (1, "events.transaction() itself: the one place a unit of work opens its transaction"),
}


def raw_transactions() -> dict[str, int]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        # Calls: a comment naming the function does not count.
        count = sum(len(RAW.findall(line.split("#")[0])) for line in lines)
        if count:
            found[path.relative_to(PACKAGE).as_posix()] = count
    return found


def test_no_raw_in_transaction_outside_the_allow_list():
    allowed = {module: count for module, (count, _why) in ALLOWED.items()}
    assert raw_transactions() == allowed, "open a transaction with events.transaction()"


@dataclass(frozen=True)
class Happened(events.Event):
    what: str


@pytest.fixture
def delivered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []

    async def deliver(event: events.Event) -> None:
        assert isinstance(event, Happened)
        seen.append(event.what)

    monkeypatch.setattr(events, "deliver", deliver)
    return seen


async def test_events_are_delivered_after_the_outermost_unit_commits(orm, delivered):
    async with events.transaction() as connection:
        await connection.execute_query("SELECT 1")  # the connection, as in_transaction yields it
        events.emit(Happened("outer"))
        async with events.transaction():
            events.emit(Happened("inner"))
        assert delivered == []
    assert delivered == ["outer", "inner"]


async def test_a_nested_unit_rolled_back_delivers_none_of_its_events(orm, delivered):
    async with events.transaction():
        events.emit(Happened("kept"))
        with pytest.raises(IntegrityError):
            async with events.transaction():  # a savepoint, as a retry after a unique clash uses it
                events.emit(Happened("rolled back"))
                raise IntegrityError("made meanwhile by another request")
        events.emit(Happened("after"))
    assert delivered == ["kept", "after"]


async def test_a_failed_unit_delivers_nothing(orm, delivered):
    with pytest.raises(RuntimeError):
        async with events.transaction():
            events.emit(Happened("lost"))
            raise RuntimeError("rolled back")
    assert delivered == []
    with pytest.raises(RuntimeError, match=r"outside events\.transaction"):
        events.emit(Happened("nowhere"))
