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
