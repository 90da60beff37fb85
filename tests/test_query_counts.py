"""List pages run a constant number of queries however much data there is (no N+1)."""

from dataclasses import replace
from datetime import date

import pytest

from incubator import db
from incubator.access import Principal
from incubator.flags.models import Flag
from incubator.funding.models import Fund, Grant
from incubator.organizations.models import Organization
from incubator.parks import forms as park_forms
from incubator.parks import service as parks
from incubator.parks.models import Park, Space
from incubator.reviews.models import Review
from incubator.roles import Role
from tests.conftest import open_park


@pytest.fixture
def settings(settings):
    """The page cache off: these are the queries of building each page (a kept page runs none)."""
    return replace(settings, page_cache_mb=0)


@pytest.fixture
def count_queries():
    with db.counting_queries() as counter:
        yield counter


async def grow(admin, make_user, n: int) -> None:
    start = await Park.all().count()
    for i in range(start, start + n):
        park = await open_park(name_zh=f"园区{i}", resident_slots=5)
        await Space.create(park=park, kind="office", name=f"办公室{i}", capacity=3)
        org = await Organization.create(park=park, name_zh=f"组织{i}")
        await make_user(f"member{i}", Role.MEMBER, organization=org)
        await make_user(f"manager{i}", Role.MANAGER, parks=[park])
        await parks.update_park(Principal(admin), park, park_forms.update_park(
            {**park_forms.park_values(park), "theme": f"主题{i}"}, classify=True))
        await Review.create(organization=org, code="midterm", name_zh="中期评估", anchor="term", amount=50,
                            due_on=date(2026, 1, 5))
        fund = await Fund.create(name=f"资金{i}", source="other", fiscal_year=2026, budget_fen=100, park=park,
                                 valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31))
        await Grant.create(fund=fund, organization=org, purpose=f"项目{i}", amount_fen=100)
        await Flag.create(kind="term_ending", target_type="Organization", target_id=org.id, park=park,
                          organization=org, details={"organization": org.name_zh}, raised_at=fund.created_at)


PAGES = ["/", "/parks", "/users", "/organizations", "/audit", "/parks/1", "/account/sessions", "/organizations/1",
         "/organizations?stage=applied&sort=admitted", "/organizations/registration-overdue", "/reviews", "/flags",
         "/funds", "/grants", "/inbox", "/jobs", "/bookings", "/bookings?status=ended", "/parks/1/utilization"]


@pytest.mark.parametrize("url", PAGES)
async def test_page_queries_do_not_grow_with_the_data(browser, admin, make_user, count_queries, url):
    await grow(admin, make_user, 2)
    await browser.login("admin")
    count_queries.count = 0
    assert (await browser.get(url)).status_code == 200
    small = count_queries.count
    await grow(admin, make_user, 8)
    count_queries.count = 0
    assert (await browser.get(url)).status_code == 200
    assert count_queries.count == small, f"{url}: {small} queries with 2 parks, {count_queries.count} with 10"
    # The session, the principal, the page's own queries (an organization's page: 17, its panels and
    # its graduation checklist one or two each).
    assert 2 <= small <= 17, small
