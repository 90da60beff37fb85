"""Measures the flag job on a district-sized database. Prints figures; asserts nothing.
Each park has managers, so every raised flag also writes their inbox rows (in the same
transaction as the flags), and a whole `jobs.run_all` is timed with its lock or lease.

    python scripts/bench_jobs.py [--organizations 2000] [--managers 2] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from incubator import clock, db
from incubator import jobs as jobs_runner
from incubator.auth.models import Role
from incubator.auth.service import create_user_plain
from incubator.config import Settings, sqlite_url
from incubator.flags import service as flags
from incubator.flags.models import Flag
from incubator.notifications.models import Notification
from incubator.organizations.models import Agreement, Organization, Stage
from incubator.parks.models import Park
from incubator.reviews.models import DEFAULT_DIMENSIONS, DEFAULT_MILESTONES, Anchor, Review
from incubator.reviews.service import due_date
from incubator.workdays import add_months


async def seed(count: int, managers: int) -> None:
    parks = [await Park.create(name_zh=f"园区{i}", resident_slots=count) for i in range(4)]
    for park in parks:
        for n in range(managers):
            await create_user_plain(f"bench-manager-{park.id}-{n}", "bench-password-4711", Role.MANAGER,
                                    park_ids=[park.id])
    today = clock.today()
    organizations = [
        Organization(park_id=parks[i % 4].id, name_zh=f"组织{i:05d}", stage=Stage.INCUBATING,
                     admitted_on=today - timedelta(days=i % 700),
                     term_end_on=add_months(today - timedelta(days=i % 700), 12),
                     registration="unregistered" if i % 3 else "filed")
        for i in range(count)
    ]
    await Organization.bulk_create(organizations, batch_size=500)
    organizations = await Organization.all()
    agreements, reviews = [], []
    for org in organizations:
        start = org.admitted_on
        end = add_months(start, 12)
        agreements.append(Agreement(organization_id=org.id, start_on=start, term_months=12, end_on=end))
        for code, zh, en, anchor, amount in DEFAULT_MILESTONES:
            reviews.append(Review(organization_id=org.id, code=code, name_zh=zh, name_en=en, anchor=anchor,
                                  amount=amount, dimensions=DEFAULT_DIMENSIONS,
                                  due_on=due_date(Anchor(anchor), amount, start, end, {})))
    await Agreement.bulk_create(agreements, batch_size=500)
    await Review.bulk_create(reviews, batch_size=500)


async def main(count: int, managers: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or sqlite_url(Path(tmp) / "bench.sqlite3")
        await db.migrate(url)
        async with db.connected(url):
            started = time.perf_counter()
            await seed(count, managers)
            engine = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
            print(f"seeded {count} organizations, {count * 4} reviews, {managers} managers a park "
                  f"in {time.perf_counter() - started:.1f} s ({engine})")
            for label in ("first run", "second run (nothing changes)", "third run"):
                started = time.perf_counter()
                counts = await flags.refresh_all()
                print(f"refresh_flags {label}: {(time.perf_counter() - started) * 1000:.0f} ms  {counts}")
            print(f"open flags: {await Flag.filter(resolved_at__isnull=True).count()}, "
                  f"inbox rows: {await Notification.filter(kind='flag').count()}")
            settings = Settings(database_url=url, secret_key="bench-" + "x" * 40, run_scheduler=False,
                                data_dir=Path(tmp))
            for label in ("jobs.run_all", "jobs.run_all again"):
                started = time.perf_counter()
                await jobs_runner.run_all(settings, holder="bench")
                print(f"{label} (lock + every job): {(time.perf_counter() - started) * 1000:.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--organizations", type=int, default=2000)
    parser.add_argument("--managers", type=int, default=2, help="managers of each of the 4 parks")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    asyncio.run(main(args.organizations, args.managers, args.database_url))
