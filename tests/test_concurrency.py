"""Concurrent requests: writes do not fail with "database is locked", and uniqueness
holds because the database enforces it, not because requests happened to take turns."""

import asyncio

from incubator.audit.models import AuditEntry
from incubator.auth.models import User
from incubator.parks.models import Park, Space


async def test_concurrent_writes_all_succeed(browser, manager, park):
    await browser.login("manager")

    async def add(n: int):
        return await browser.post(f"/parks/{park.id}/spaces", {"kind": "desk", "name": f"工位 {n:02d}",
                                                               "capacity": "2"})

    responses = await asyncio.gather(*(add(n) for n in range(25)))
    assert [r.status_code for r in responses] == [303] * 25
    assert await Space.filter(park_id=park.id).count() == 25
    assert await AuditEntry.filter(object_type="Space", action="create").count() == 25


async def test_racing_for_one_username_exactly_one_wins(browser, admin):
    await browser.login("admin")

    async def create(n: int):
        return await browser.post("/users", {"username": "same.name", "password": "long-enough-password",
                                             "display_name": f"竞争者{n}", "role": "official",
                                             "language": "zh_CN"})

    responses = await asyncio.gather(*(create(n) for n in range(12)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [303] + [400] * 11
    assert await User.filter(username="same.name").count() == 1
    assert await AuditEntry.filter(object_type="User", action="create", actor_id=admin.id).count() == 1


async def test_racing_for_the_hub_exactly_one_wins(browser, admin):
    await browser.login("admin")

    async def create(n: int):
        return await browser.post("/parks", {"kind": "hub", "name_zh": f"服务中心{n}", "resident_slots": "1"})

    responses = await asyncio.gather(*(create(n) for n in range(10)))
    assert sorted(r.status_code for r in responses) == [303] + [400] * 9
    assert await Park.filter(kind="hub").count() == 1
    # The losers are told why: the district's hub, not a park name (SQLite names the column).
    assert all("本区已有一个社会组织服务中心" in r.text for r in responses if r.status_code == 400)


async def test_racing_for_one_service_domain_exactly_one_wins(browser, admin):
    from incubator.organizations.models import ServiceDomain

    await browser.login("admin")
    responses = await asyncio.gather(*(
        browser.post("/service-domains", {"name_zh": "社区营造", "name_en": f"Place {n}"}) for n in range(10)))
    assert sorted(r.status_code for r in responses) == [303] + [400] * 9
    assert await ServiceDomain.filter(name_zh="社区营造").count() == 1


async def test_racing_scorecard_saves_leave_exactly_one_scorecard(browser, manager, park):
    from incubator.organizations.models import AdmissionCriterion

    await browser.login("manager")

    async def save(n: int):
        rows = {f"name_zh_{i}": f"标准{n}-{i}" for i in range(3)}
        return await browser.post(f"/parks/{park.id}/admission-criteria", {
            **rows, **{f"weight_{i}": "10" for i in range(3)}, **{f"max_score_{i}": "10" for i in range(3)}})

    responses = await asyncio.gather(*(save(n) for n in range(8)))
    assert {r.status_code for r in responses} <= {303, 409} and 303 in [r.status_code for r in responses]
    names = await AdmissionCriterion.filter(park_id=park.id).order_by("sort").values_list("name_zh", flat=True)
    assert len(names) == 3 and len({name.split("-")[0] for name in names}) == 1, names
