"""Closing a month races on both databases: two officials closing the same month at once keep one
snapshot and one audit entry (the month's serialization, and its unique month underneath), and a
reopening racing a closing leaves the month in one state that the audit trail explains."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

import pytest
import time_machine

from incubator import clock
from incubator.access import Principal
from incubator.audit.models import AuditEntry
from incubator.dashboards import forms, service
from incubator.dashboards.models import ClosedMonth
from incubator.errors import Conflict
from incubator.organizations.models import Organization, Stage
from incubator.roles import Role


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 12, 7, 10, 0, tzinfo=clock.zone()), tick=False) as traveller:
        yield traveller


async def officials(make_user, count: int) -> list[Principal]:
    return [Principal(await make_user(f"official{n}", Role.OFFICIAL)) for n in range(count)]


async def test_six_officials_closing_one_month_at_once_keep_one_snapshot(make_user, park):
    resident = await Organization.create(park=park, name_zh="在孵组织", stage=Stage.INCUBATING,
                                         admitted_on=date(2026, 11, 2))
    # It existed in November: a closed month counts the organizations of its last day.
    await Organization.filter(id=resident.id).update(created_at=datetime(2026, 11, 2, tzinfo=clock.zone()))
    closers = await officials(make_user, 6)
    results = await asyncio.gather(*(service.close_month(p, "2026-11") for p in closers), return_exceptions=True)
    refused = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(r, Conflict) for r in refused), refused
    assert len(refused) == 5
    assert await ClosedMonth.filter(month="2026-11").count() == 1
    assert await AuditEntry.filter(object_type="ClosedMonth").count() == 1
    row = await ClosedMonth.get(month="2026-11")
    winner = next(r for r in results if not isinstance(r, Exception))
    assert row.closed_by_name == winner.closed_by_name and row.facts["stages"]


async def test_reopenings_racing_closings_leave_a_state_the_audit_trail_explains(make_user, park):
    first, second, third, fourth = await officials(make_user, 4)
    await service.close_month(first, "2026-10")
    calls = [service.reopen_month(second, forms.Reopen("2026-10", "补录")),
             service.reopen_month(third, forms.Reopen("2026-10", "更正")),
             service.close_month(fourth, "2026-10")]
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert all(isinstance(r, ClosedMonth | Conflict) for r in results), results
    reopened = sum(1 for r in results[:2] if isinstance(r, ClosedMonth))
    assert reopened == 1  # one reopening wins; the other finds it open already
    row = await ClosedMonth.get(month="2026-10")
    entries = [e.changes["is_closed"] for e in await AuditEntry.filter(object_type="ClosedMonth").order_by("id")]
    assert entries[0] == [False, True] and entries[-1] == [not row.is_closed, row.is_closed]
    assert len(entries) == 1 + reopened + (0 if isinstance(results[2], Conflict) else 1)
