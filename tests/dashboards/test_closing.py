"""A closed month holds the state at its end, not the state on the day it was closed: stages read
back from the organizations' timelines, registration from its dates, open reviews as of the last day;
and today's recount of the month compares like with like (nothing revised when nothing in November
changed). Money paid in the period from a fund whose validity has ended still counts."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine

from incubator import clock
from incubator.access import Principal
from incubator.dashboards import service
from incubator.funding.models import Fund, Grant, LedgerEntry
from incubator.organizations.models import Organization, Registration, Stage, StageChange
from incubator.period import Period
from incubator.reviews.models import Review, ReviewStatus
from incubator.roles import Role

ZONE = clock.zone()
NOVEMBER = Period.month_of(date(2026, 11, 1))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 12, 8, 10, 0, tzinfo=ZONE), tick=False) as traveller:
        yield traveller


def at(day: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, 9, 0, tzinfo=ZONE)


async def organization(park, name: str, stage: Stage, created: datetime, **values) -> Organization:
    made = await Organization.create(park=park, name_zh=name, stage=stage, **values)
    await Organization.filter(id=made.id).update(created_at=created)
    return made


async def move(org: Organization, source: Stage | str, target: Stage, when: datetime) -> None:
    await StageChange.create(organization_id=org.id, from_stage=str(source), to_stage=target, at=when)


def cells(dashboard: service.Dashboard, key: str, row: str) -> list:
    table = next(t for t in dashboard.tables if t.key == key)
    return [c.value for c in next(r for r in table.rows if r.key == row).cells]


@pytest.fixture
async def november(park):
    """An organization incubating all November that graduated on 3 December, one that applied on
    5 December, one that registered on 2 December, and a review due on 20 November decided on
    1 December (so overdue at November's end)."""
    graduate = await organization(park, "十一月在孵", Stage.GRADUATED, at(1, 6), admitted_on=date(2026, 6, 1),
                                  graduated_on=date(2026, 12, 3))
    await move(graduate, "", Stage.APPLIED, at(1, 6))
    await move(graduate, Stage.APPLIED, Stage.INCUBATING, at(2, 6))
    await move(graduate, Stage.INCUBATING, Stage.GRADUATED, at(3, 12))
    late = await organization(park, "十二月申请", Stage.APPLIED, at(5, 12))
    await move(late, "", Stage.APPLIED, at(5, 12))
    registered = await organization(park, "十二月登记", Stage.INCUBATING, at(1, 5), admitted_on=date(2026, 5, 1),
                                    registration=Registration.REGISTERED, registered_on=date(2026, 12, 2),
                                    credit_code="52320211MJ5678901X")
    review = await Review.create(organization=registered, code="midterm", name_zh="中期评估", anchor="term",
                                 amount=50, due_on=date(2026, 11, 20), status=ReviewStatus.DECIDED,
                                 decision="passed", decided_at=at(1, 12))
    await Review.filter(id=review.id).update(created_at=at(1, 10))
    return graduate, late, registered


async def test_a_month_counts_the_stages_registration_and_open_reviews_of_its_last_day(make_user, park, november):
    reader = Principal(await make_user("official", Role.OFFICIAL))
    shown = await service.dashboard(reader, NOVEMBER, None, None)
    stages = dict(zip([s.value for s in Stage], cells(shown, "stages", f"park:{park.id}"), strict=False))
    assert stages["incubating"] == 2 and stages["graduated"] == 0 and stages["applied"] == 0
    registration = cells(shown, "registration", f"park:{park.id}")
    assert registration[list(Registration).index(Registration.REGISTERED)] == 0
    assert registration[list(Registration).index(Registration.PREPARING)] == 1  # registered after the month
    assert cells(shown, "reviews", f"park:{park.id}")[1] == 1  # overdue at the month's end

    december = await service.dashboard(reader, Period.month_of(date(2026, 12, 1)), None, None)
    today = dict(zip([s.value for s in Stage], cells(december, "stages", f"park:{park.id}"), strict=False))
    assert today["graduated"] == 1 and today["applied"] == 1 and today["incubating"] == 1
    assert cells(december, "reviews", f"park:{park.id}")[1] == 0


async def test_a_month_closed_days_later_holds_its_own_state_and_nothing_reads_as_revised(make_user, park, november):
    reader = Principal(await make_user("official", Role.OFFICIAL))
    closed = await service.close_month(reader, "2026-11")
    held = {row[1] for row in closed.facts["stages"]}
    assert Stage.APPLIED.value not in held and Stage.GRADUATED.value not in held  # not December's
    shown = await service.dashboard(reader, NOVEMBER, None, None)
    assert shown.reported and shown.revised == 0
    # A correction to November itself is a revision: an organization admitted in November, recorded late.
    await Organization.create(park=park, name_zh="补录", stage=Stage.INCUBATING, admitted_on=date(2026, 11, 20))
    assert (await service.dashboard(reader, NOVEMBER, None, None)).revised > 0


async def test_money_paid_in_the_period_from_a_fund_whose_validity_ended_is_counted(make_user, park, organization):
    reader = Principal(await make_user("official", Role.OFFICIAL))
    fund = await Fund.create(name="2025年种子资金", source="district_special", fiscal_year=2025, budget_fen=10_000_000,
                             committed_fen=2_000_000, disbursed_fen=1_500_000, valid_from=date(2025, 1, 1),
                             valid_to=date(2025, 12, 31))
    grant = await Grant.create(fund=fund, organization=organization, amount_fen=2_000_000, status="active",
                               purpose="种子资金")
    await LedgerEntry.create(fund=fund, grant=grant, on_date=date(2025, 6, 1), committed_delta_fen=2_000_000,
                             disbursed_delta_fen=1_000_000, kind="commit", at=at(1, 6))
    await LedgerEntry.create(fund=fund, grant=grant, on_date=date(2026, 11, 10), committed_delta_fen=0,
                             disbursed_delta_fen=500_000, kind="disburse", at=at(10))
    shown = await service.dashboard(reader, NOVEMBER, None, None)
    _budget, committed, disbursed, unpaid, paid_in_period, _payable, _share = cells(shown, "funds", f"fund:{fund.id}")
    assert (committed, disbursed, unpaid, paid_in_period) == (20_000, 15_000, 5_000, 5_000)
    by_park = cells(shown, "funding_by_park", f"park:{park.id}")
    assert by_park[3] == 5_000  # paid in the period
    october = await service.dashboard(reader, Period.month_of(date(2026, 10, 1)), None, None)
    assert not any(t.key == "funds" and any(r.key == f"fund:{fund.id}" for r in t.rows) for t in october.tables)


async def test_the_summary_tiles_read_their_tables_totals_and_link_to_their_blocks(make_user, park, november):
    reader = Principal(await make_user("official", Role.OFFICIAL))
    shown = await service.dashboard(reader, NOVEMBER, None, None)
    tiles = {tile.key: tile for tile in shown.tiles}
    assert list(tiles) == ["stages", "graduation", "funds", "training", "rooms", "reviews"][:len(tiles)]
    assert {"stages", "graduation", "reviews"} <= set(tiles)
    assert tiles["stages"].value == "2"  # the two organizations resident on 30 November
    assert tiles["stages"].href and "stage=resident" in tiles["stages"].href
    overdue = cells(shown, "reviews", f"park:{park.id}")[1]
    assert tiles["reviews"].value == str(overdue) == "1" and tiles["reviews"].label == "期末逾期评审"
    december = await service.dashboard(reader, Period.month_of(date(2026, 12, 1)), None, None)
    assert next(t for t in december.tiles if t.key == "reviews").label == "逾期评审"
