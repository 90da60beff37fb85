"""Every figure of the dashboard against a count of its own on a generated city (scripts/generate.py
at scale 0.01: 100 organizations in two parks and the hub, their funds, reviews, bookings and
training), on both databases: the dashboard's grouped queries and these plain per-figure queries
must agree, cell by cell. The whole dashboard costs a fixed number of queries."""

from __future__ import annotations

import statistics
from datetime import datetime, time, timedelta

import pytest_asyncio

from incubator import clock, db
from incubator.access import Principal
from incubator.auth.models import User
from incubator.booking.models import Booking
from incubator.dashboards import service, tables
from incubator.funding.models import Fund, LedgerEntry, Tranche
from incubator.organizations.models import (
    RESIDENT_STAGES,
    Organization,
    OrganizationDomain,
    Registration,
    ServiceDomain,
    Stage,
)
from incubator.parks.models import Park
from incubator.period import Period
from incubator.reviews.models import Review
from incubator.roles import Role
from incubator.training.models import Seat, TrainingSession
from incubator.workdays import add_months
from tests.conftest import empty_all_tables
from tests.helpers import load_script

generate = load_script("generate")


@pytest_asyncio.fixture(scope="module")
async def city(orm: None) -> dict[str, int]:
    await empty_all_tables()
    return await generate.fill(0.01, 11, out=None)


async def official() -> Principal:
    return Principal(await User.filter(role=Role.OFFICIAL.value).order_by("id").first())


def cells(table: tables.Table) -> dict[str, list[float | int | None]]:
    return {row.key: [c.value for c in row.cells] for row in table.rows}


def table(dashboard: service.Dashboard, key: str) -> tables.Table:
    return next(t for t in dashboard.tables if t.key == key)


async def this_year() -> service.Dashboard:
    return await service.dashboard(await official(), Period.year(clock.today().year), None, None)


def instant(day) -> datetime:
    return datetime.combine(day, time(), clock.zone())


async def test_organizations_by_stage_and_park_are_each_parks_count(city):
    dashboard = await this_year()
    shown = cells(table(dashboard, "stages"))
    parks = await Park.all()
    assert {f"park:{p.id}" for p in parks} | {"total"} == set(shown)
    for park in parks:
        expected = [await Organization.filter(park_id=park.id, stage=s).count() for s in Stage]
        assert shown[f"park:{park.id}"] == [*expected, await Organization.filter(park_id=park.id).count()]
    assert shown["total"][-1] == await Organization.all().count() == 100


async def test_admissions_graduations_and_exits_per_month_over_twelve_months(city):
    dashboard = await this_year()
    shown = cells(table(dashboard, "flows"))
    year = clock.today().year
    for month in range(1, 13):
        first = clock.today().replace(year=year, month=month, day=1)
        after = add_months(first, 1)
        expected = [await Organization.filter(**{f"{c}__gte": first, f"{c}__lt": after}).count()
                    for c in ("admitted_on", "graduated_on", "exited_on")]
        assert shown[f"month:{first:%Y-%m}"] == expected
    assert sum(shown["total"]) > 0, "the generated year has admissions, graduations or exits"


async def test_graduation_rate_and_median_months_from_the_graduates_themselves(city):
    today = clock.today()
    period = Period.month_of(today)
    dashboard = await service.dashboard(await official(), period, None, None)
    shown = cells(table(dashboard, "graduation"))
    first, after = period.window
    graduates = await Organization.filter(graduated_on__gte=first, graduated_on__lt=after).values_list(
        "admitted_on", "graduated_on")
    exited = await Organization.filter(exited_on__gte=first, exited_on__lt=after).count()

    def whole_months(start, end) -> int:
        months = (end.year - start.year) * 12 + end.month - start.month
        return months - 1 if end.day < start.day else months

    assert graduates, "the generated city has graduates in the last twelve months"
    assert shown["total"][0] == len(graduates) and shown["total"][1] == exited
    assert shown["total"][2] == 100 * len(graduates) / (len(graduates) + exited)
    assert shown["total"][3] == statistics.median(whole_months(a, g) for a, g in graduates)


async def test_registration_of_resident_organizations_and_the_overdue_ones(city):
    dashboard = await this_year()
    shown = cells(table(dashboard, "registration"))
    today = clock.today()
    for park in await Park.all():
        resident = Organization.filter(park_id=park.id, stage__in=list(RESIDENT_STAGES))
        expected = [await resident.filter(registration=r).count() for r in Registration]
        late = [o for o in await resident.exclude(registration=Registration.REGISTERED).filter(
            admitted_on__isnull=False) if add_months(o.admitted_on, park.registration_due_months) <= today]
        assert shown[f"park:{park.id}"] == [*expected, len(late)]
    assert shown["total"][-1] > 0, "the generated city has organizations unregistered too long"


async def test_seed_funds_agree_with_the_funds_own_counters_and_their_ready_tranches(city):
    dashboard = await this_year()
    shown = cells(table(dashboard, "funds"))
    funds = [f for f in await Fund.all() if f"fund:{f.id}" in shown]
    assert funds
    for fund in funds:
        ready = sum(t.amount_fen for t in await Tranche.filter(grant__fund_id=fund.id, status="ready"))
        budget, committed, disbursed, unpaid, _paid, ready_shown, share = shown[f"fund:{fund.id}"]
        assert (budget, committed, disbursed, ready_shown) == (fund.budget_fen / 100, fund.committed_fen / 100,
                                                               fund.disbursed_fen / 100, ready / 100)
        assert unpaid == (fund.committed_fen - fund.disbursed_fen) / 100
        assert share == 100 * fund.committed_fen / fund.budget_fen
    by_park = cells(table(dashboard, "funding_by_park"))
    assert by_park["total"][0] == sum(f.committed_fen for f in funds) / 100
    # Every payment of the year counts, from whichever fund (one whose validity ended pays on).
    today = clock.today()
    paid = await LedgerEntry.filter(on_date__gte=today.replace(month=1, day=1), on_date__lte=today).values_list(
        "disbursed_delta_fen", flat=True)
    assert by_park["total"][3] == sum(paid) / 100 > 0


async def test_training_figures_count_the_sessions_held_and_their_seats(city):
    period = Period.year(clock.today().year)
    dashboard = await service.dashboard(await official(), period, None, None)
    shown = cells(table(dashboard, "training"))
    for park in await Park.all():
        held = TrainingSession.filter(park_id=park.id, cancelled_at__isnull=True,
                                      starts_at__gte=instant(period.first), starts_at__lt=instant(period.after),
                                      ends_at__lte=clock.now())
        seats = Seat.filter(session_id__in=[s.id for s in await held], status="seated")
        row = shown[f"park:{park.id}"]
        assert row[0] == await held.count()
        assert row[2] == await seats.count()
        assert row[3] == await seats.filter(attendance__in=["present", "late"]).count()
    assert shown["total"][0] > 0


async def test_room_no_shows_are_the_released_bookings_of_organizations(city):
    period = Period.year(clock.today().year)
    dashboard = await service.dashboard(await official(), period, None, None)
    shown = cells(table(dashboard, "rooms"))
    for park in await Park.all():
        no_shows = await Booking.filter(space__park_id=park.id, space__bookable=True, space__is_active=True,
                                        status="released", organization_id__isnull=False,
                                        starts_at__gte=instant(period.first),
                                        starts_at__lt=instant(period.after)).count()
        assert shown[f"park:{park.id}"][4] == no_shows
    assert shown["total"][1] > 0, "rooms were booked"


async def test_reviews_due_overdue_decided_and_their_pass_rate(city):
    period = Period.year(clock.today().year)
    dashboard = await service.dashboard(await official(), period, None, None)
    shown = cells(table(dashboard, "reviews"))
    today = clock.today()
    for park in await Park.all():
        of_park = Review.filter(organization__park_id=park.id)
        decided = of_park.filter(status="decided", decided_at__gte=instant(period.first),
                                 decided_at__lt=instant(period.after))
        passed = await decided.filter(decision="pass").count()
        conditional = await decided.filter(decision="pass_conditions").count()
        expected = [await of_park.exclude(status="cancelled").filter(due_on__gte=period.first,
                                                                      due_on__lt=period.after).count(),
                    await of_park.filter(status__in=["scheduled", "in_progress"], due_on__lt=today).count(),
                    await decided.count(), passed, conditional, await decided.filter(decision="fail").count()]
        assert shown[f"park:{park.id}"][:6] == expected
        rate = shown[f"park:{park.id}"][6]
        assert rate == (100 * (passed + conditional) / expected[2] if expected[2] else None)
    assert shown["total"][0] > 0 and shown["total"][2] > 0


async def test_distribution_by_service_domain_counts_resident_and_graduated_organizations(city):
    dashboard = await this_year()
    shown = cells(table(dashboard, "domains"))
    counted = [*RESIDENT_STAGES, Stage.GRADUATED]
    for domain in await ServiceDomain.filter(is_active=True):
        expected = await OrganizationDomain.filter(domain_id=domain.id, organization__stage__in=counted).count()
        assert shown[f"domain:{domain.id}"] == [expected]


async def test_a_service_domain_narrows_the_organizations_figures_to_its_organizations(city):
    domain = (await ServiceDomain.filter(is_active=True).order_by("sort", "id"))[0]
    members = await OrganizationDomain.filter(domain_id=domain.id).values_list("organization_id", flat=True)
    assert members
    dashboard = await service.dashboard(await official(), Period.year(clock.today().year), None, domain.id)
    assert cells(table(dashboard, "stages"))["total"][-1] == len(members)
    assert set(cells(table(dashboard, "domains"))) == {f"domain:{domain.id}"}


async def test_a_park_dashboard_shows_that_park_only(city):
    park = await Park.filter(kind="park").order_by("id").first()
    dashboard = await service.dashboard(await official(), Period.year(clock.today().year), park.id, None)
    shown = cells(table(dashboard, "stages"))
    assert set(shown) == {f"park:{park.id}"}
    assert shown[f"park:{park.id}"][-1] == await Organization.filter(park_id=park.id).count()


async def test_the_dashboard_runs_as_many_queries_whatever_the_period_and_the_scope(city):
    principal = await official()
    park = await Park.filter(kind="park").order_by("id").first()
    counts = []
    for period, park_id in ((Period.month_of(clock.today()), None), (Period.year(clock.today().year), None),
                            (Period.month_of(clock.today() - timedelta(days=400)), park.id)):
        with db.counting_queries() as counter:
            await service.dashboard(principal, period, park_id, None)
        counts.append(counter.count)
    # parks, domains, the closed months, and the figures: stages, flows with durations, overdue (2),
    # funds, money, training (2), rooms (2), reviews, domains.
    assert counts == [15, 15, 15]
