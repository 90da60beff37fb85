"""Domain events, delivered after the transaction that emitted them commits.

A service emits an event ("review decided", "organization left") inside its unit of work
(`events.transaction()`); capabilities subscribe to it in their manifest. Handlers run once the
transaction has committed, so a rolled-back change never triggers a reaction, and a lower
capability never imports a higher one to tell it something happened.

Handlers are idempotent and must tolerate running late or twice: a handler that fails is logged
and the scheduled jobs, which compute from the current state, repair what it would have done.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from tortoise.transactions import in_transaction

log = logging.getLogger("incubator.events")


@dataclass(frozen=True)
class Event:
    """Base of every domain event: a frozen record of what happened, in plain values."""


E = TypeVar("E", bound=Event)
Handler = Callable[[Any], Awaitable[None]]

_subscribers: dict[type[Event], list[Handler]] = {}
# The events emitted inside the current unit of work, waiting for its commit.
_pending: contextvars.ContextVar[list[Event] | None] = contextvars.ContextVar("pending_events", default=None)


def subscribe(event_type: type[E], handler: Callable[[E], Awaitable[None]]) -> None:
    handlers = _subscribers.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def unsubscribe_all() -> None:
    """Forget every subscription (the capability registry reinstalls them)."""
    _subscribers.clear()


def subscribers(event_type: type[Event]) -> list[Handler]:
    return list(_subscribers.get(event_type, ()))


@asynccontextmanager
async def transaction() -> AsyncIterator[Any]:
    """One unit of work: a database transaction whose events are delivered after it commits.
    Nested units join the outer one (a savepoint, as tortoise's in_transaction nests); only the
    outermost delivers. The one way the app opens a transaction (tests/test_transactions.py)."""
    pending = _pending.get()
    outer = pending is None
    token = _pending.set([]) if outer else None
    mark = 0 if pending is None else len(pending)
    try:
        async with in_transaction() as connection:
            yield connection
        delivered = _pending.get() if outer else None
    except BaseException:
        # A nested unit is a savepoint: rolled back (and the error caught by the outer unit, as a
        # retry after an IntegrityError does), its events never happened.
        if pending is not None:
            del pending[mark:]
        raise
    finally:
        if token is not None:
            _pending.reset(token)
    for event in delivered or ():
        await deliver(event)


def emit(event: Event) -> None:
    """Queue `event` for delivery when the current unit of work commits."""
    pending = _pending.get()
    if pending is None:
        raise RuntimeError(f"{type(event).__name__} emitted outside events.transaction()")
    pending.append(event)


async def deliver(event: Event) -> None:
    for handler in subscribers(type(event)):
        try:
            await handler(event)
        except Exception:
            log.exception("handler %s failed on %r", getattr(handler, "__qualname__", handler), event)
