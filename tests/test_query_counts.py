"""List pages run a constant number of queries however much data there is (no N+1)."""

import logging

import pytest

from incubator.access import Principal
from incubator.auth.models import Role
from incubator.organizations.models import Organization
from incubator.parks import service as parks
from incubator.parks.models import Park, Space


class QueryCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@pytest.fixture
def count_queries():
    logger = logging.getLogger("tortoise.db_client")
    handler = QueryCounter()
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(old_level)


async def grow(admin, make_user, n: int) -> None:
    start = await Park.all().count()
    for i in range(start, start + n):
        park = await Park.create(name_zh=f"园区{i}", resident_slots=5)
        await Space.create(park=park, kind="office", name=f"办公室{i}", capacity=3)
        org = await Organization.create(park=park, name_zh=f"组织{i}")
        await make_user(f"member{i}", Role.MEMBER, organization=org)
        await make_user(f"manager{i}", Role.MANAGER, parks=[park])
        await parks.update_park(Principal(admin), park, {**parks.park_form_values(park), "theme": f"主题{i}"})


PAGES = ["/", "/parks", "/users", "/organizations", "/audit", "/parks/1", "/account/sessions", "/organizations/1",
         "/organizations?stage=applied&sort=admitted", "/organizations/registration-overdue"]


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
    assert 2 <= small <= 16, small  # the session, the principal, the page's own queries
