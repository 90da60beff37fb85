"""Test fixtures: a migrated database per run (SQLite by default, PostgreSQL when
INCUBATOR_TEST_DATABASE_URL points at a server), emptied before each test, and small
chained fixtures that build the world: park → space, organization → member."""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from argon2 import PasswordHasher
from tortoise import Tortoise
from tortoise.connection import connections

from incubator import db, events
from incubator.app import create_app
from incubator.auth import passwords
from incubator.auth.models import Role, User
from incubator.auth.service import create_user_plain
from incubator.config import Settings, sqlite_url
from incubator.organizations.models import Organization
from incubator.parks.events import ParkCreated
from incubator.parks.models import Park, Space, SpaceKind

DEFAULT_DOMAINS = importlib.import_module("incubator.migrations.0004_default_service_domains").DOMAINS
DEFAULT_TOPICS = importlib.import_module("incubator.migrations.0017_training").TOPICS
PASSWORD = "correct-horse-battery"
TEST_SERVER = "http://testserver"
POSTGRES_URL = os.environ.get("INCUBATOR_TEST_DATABASE_URL", "").strip()

# Same algorithm (argon2id), cheaper parameters: the suite creates many accounts.
passwords.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def pytest_report_header(config: pytest.Config) -> str:
    return f"incubator database: {'PostgreSQL' if POSTGRES_URL else 'SQLite'}"


_asyncpg_dsn = db.asyncpg_dsn


async def create_postgres_database(base_url: str) -> str:
    return await db.create_postgres_database(base_url, "incubator_test")


drop_postgres_database = db.drop_postgres_database


@pytest_asyncio.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    if POSTGRES_URL:
        url = await create_postgres_database(POSTGRES_URL)
    else:
        url = sqlite_url(tmp_path_factory.mktemp("db") / "test.sqlite3")
    await db.migrate(url)
    try:
        yield url
    finally:
        if POSTGRES_URL:
            await drop_postgres_database(POSTGRES_URL, url)


@pytest_asyncio.fixture(scope="session")
async def orm(database_url: str) -> AsyncIterator[None]:
    async with db.connected(database_url):
        yield


# Rows the migrations seed (reference data) stay; everything a test adds goes.
SEEDED = {"service_domain": "code IN ({})".format(", ".join(f"'{code}'" for code, _, _ in DEFAULT_DOMAINS)),
          "training_topic": "code IN ({})".format(", ".join(f"'{code}'" for code, _, _ in DEFAULT_TOPICS))}


async def empty_all_tables() -> None:
    conn = connections.get("default")
    tables = [m._meta.db_table for m in Tortoise.apps.get_models_iterable() if m._meta.db_table not in SEEDED]
    seeded = [f'DELETE FROM "{table}" WHERE NOT ({keep})' for table, keep in SEEDED.items()]
    if POSTGRES_URL:
        # TRUNCATE of every table cost ~0.25 s a test; most tests fill a dozen tables. So: which tables
        # hold rows (one query), DELETE those with the foreign keys' triggers off (we are the
        # superuser), and every id sequence back to 1 (one query; a rolled-back insert moves one too).
        serial = [(m._meta.db_table, m._meta.db_pk_column) for m in Tortoise.apps.get_models_iterable()
                  if m._meta.db_table not in SEEDED and getattr(m._meta.pk, "generated", False)]
        probe = " UNION ALL ".join(f"SELECT '{t}' AS t WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables)
        full = [row["t"] for row in await conn.execute_query_dict(probe)]
        statements = ["SET session_replication_role = replica", *(f'DELETE FROM "{t}"' for t in full), *seeded,
                      "SET session_replication_role = DEFAULT",
                      "SELECT " + ", ".join(f"setval(pg_get_serial_sequence('\"{t}\"', '{pk}'), 1, false)"
                                            for t, pk in serial)]
        await conn.execute_script(";\n".join(statements))
    else:
        statements = ["PRAGMA foreign_keys = OFF"]
        statements += [f'DELETE FROM "{t}"' for t in tables]
        statements += [*seeded, "DELETE FROM sqlite_sequence WHERE name NOT IN ('service_domain', 'training_topic')",
                       "PRAGMA foreign_keys = ON"]
        await conn.execute_script(";\n".join(statements))


@pytest_asyncio.fixture
async def clean(orm: None) -> None:
    """An empty, migrated database for this test."""
    await empty_all_tables()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key="test-secret-key-" + "x" * 40,
        run_scheduler=False,
        data_dir=tmp_path,
    )


@pytest.fixture
def app(settings: Settings, clean: None):
    return create_app(settings, manage_database=False)


class Browser:
    """An httpx client that behaves like a same-origin browser form: it keeps cookies and
    sends the page's CSRF token with every POST."""

    def __init__(self, app) -> None:
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=TEST_SERVER,
            headers={"Origin": TEST_SERVER},
        )
        self.csrf_token = ""

    async def refresh_token(self) -> str:
        response = await self.client.get("/login")
        if response.status_code in (302, 303):
            response = await self.client.get("/account/password")
        match = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)"', response.text)
        assert match, "every page exposes the CSRF token"
        self.csrf_token = match.group(1)
        return self.csrf_token

    async def get(self, url: str, **kwargs) -> httpx.Response:
        return await self.client.get(url, **kwargs)

    async def post(self, url: str, data: dict | None = None, **kwargs) -> httpx.Response:
        if not self.csrf_token:
            await self.refresh_token()
        payload = {"csrf_token": self.csrf_token, **(data or {})}
        return await self.client.post(url, data=payload, **kwargs)

    async def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        await self.refresh_token()
        response = await self.post("/login", {"username": username, "password": password})
        await self.refresh_token()
        return response

    async def aclose(self) -> None:
        await self.client.aclose()


@pytest_asyncio.fixture
async def browser(app) -> AsyncIterator[Browser]:
    b = Browser(app)
    yield b
    await b.aclose()


@pytest_asyncio.fixture
async def new_browser(app):
    created: list[Browser] = []

    def make() -> Browser:
        created.append(Browser(app))
        return created[-1]

    yield make
    for b in created:
        await b.aclose()


# ---- the world ---------------------------------------------------------------------------


async def open_park(**values) -> Park:
    """A park as the parks service opens one: stored, then ParkCreated delivered (its admission
    scorecard and review plan are seeded by the capabilities that own them)."""
    park = await Park.create(**values)
    await events.deliver(ParkCreated(park_id=park.id))
    return park


@pytest_asyncio.fixture
async def park(clean: None) -> Park:
    return await open_park(name_zh="灵山·太湖社区公益园", name_en="Lingshan Park", theme="志愿服务",
                           floor_area_m2=2200, resident_slots=20)


@pytest_asyncio.fixture
async def other_park(clean: None) -> Park:
    return await open_park(name_zh="荣巷助残孵化园", name_en="Rongxiang Park", theme="助残服务",
                           floor_area_m2=1100, resident_slots=12)


@pytest_asyncio.fixture
async def space(park: Park) -> Space:
    return await Space.create(park=park, kind=SpaceKind.MEETING_ROOM, name="灵山会议室", capacity=12,
                              opening_hours={"mon": ["08:30", "17:30"]}, bookable=True)


@pytest_asyncio.fixture
async def organization(park: Park) -> Organization:
    return await Organization.create(park=park, name_zh="太湖邻里志愿者协会", name_en="Taihu Neighbours")


@pytest_asyncio.fixture
async def make_user(clean: None):
    async def make(username: str, role: Role, *, organization: Organization | None = None,
                   parks: list[Park] = (), language: str = "zh_CN") -> User:
        return await create_user_plain(
            username, PASSWORD, role, display_name=username.title(),
            organization_id=organization.id if organization else None,
            park_ids=[p.id for p in parks], language=language,
        )

    return make


@pytest_asyncio.fixture
async def admin(make_user) -> User:
    return await make_user("admin", Role.ADMIN)


@pytest_asyncio.fixture
async def official(make_user) -> User:
    return await make_user("official", Role.OFFICIAL)


@pytest_asyncio.fixture
async def manager(make_user, park: Park) -> User:
    return await make_user("manager", Role.MANAGER, parks=[park])


@pytest_asyncio.fixture
async def member(make_user, organization: Organization) -> User:
    return await make_user("member", Role.MEMBER, organization=organization)


@pytest_asyncio.fixture
async def evaluator(make_user) -> User:
    return await make_user("evaluator", Role.EVALUATOR)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Browser tests last: Playwright's sync API keeps an event loop running in this thread
    # while the browser is open, and async tests cannot start their own loop beside it.
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path).replace("\\", "/"))
