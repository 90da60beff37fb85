"""Measures page response times as the data grows. Prints figures; asserts nothing.

    python scripts/bench_pages.py [--parks 50] [--requests 30] [--database-url URL]

Without --database-url it uses a fresh SQLite file in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from incubator import db
from incubator.app import create_app
from incubator.auth.models import Role
from incubator.auth.service import create_user_plain
from incubator.config import Settings, sqlite_url
from incubator.organizations.models import Organization
from incubator.parks.models import Park, Space

PAGES = ["/", "/parks", "/parks/1", "/organizations", "/users", "/audit"]


async def seed(parks: int) -> None:
    await create_user_plain("bench-admin", "bench-password-1", Role.ADMIN)
    for i in range(parks):
        park = await Park.create(name_zh=f"园区{i:04d}", resident_slots=20, floor_area_m2=1000 + i)
        await Space.bulk_create([Space(park=park, kind="desk", name=f"工位{j}", capacity=2) for j in range(20)])
        await Organization.bulk_create([Organization(park=park, name_zh=f"组织{i}-{j}") for j in range(10)])


async def main(parks: int, requests: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or sqlite_url(Path(tmp) / "bench.sqlite3")
        await db.migrate(url)
        settings = Settings(database_url=url, secret_key="bench-" + "k" * 40, run_scheduler=False,
                            data_dir=Path(tmp))
        async with db.connected(url):
            await seed(parks)
            app = create_app(settings, manage_database=False)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench",
                                         headers={"Origin": "http://bench"}) as client:
                page = await client.get("/login")
                token = re.search(r'name="csrf-token" content="(\w+)"', page.text).group(1)
                await client.post("/login", data={"username": "bench-admin", "password": "bench-password-1",
                                                  "csrf_token": token})
                print(f"{parks} parks, {parks * 20} spaces, {parks * 10} organizations; "
                      f"{requests} requests per page ({'SQLite' if url.startswith('sqlite') else 'PostgreSQL'})")
                print(f"{'page':<16}{'median ms':>10}{'p95 ms':>10}")
                for path in PAGES:
                    timings = []
                    for _ in range(requests):
                        start = time.perf_counter()
                        response = await client.get(path)
                        timings.append((time.perf_counter() - start) * 1000)
                        assert response.status_code == 200, (path, response.status_code)
                    timings.sort()
                    p95 = timings[int(len(timings) * 0.95) - 1]
                    print(f"{path:<16}{statistics.median(timings):>10.1f}{p95:>10.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--parks", type=int, default=50)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    asyncio.run(main(args.parks, args.requests, args.database_url))
