"""Health check, demo data, back-ups, jobs and the CLI."""

import sqlite3
import subprocess
import sys

import pytest

from incubator import db, demo
from incubator.auth.models import Role, User
from incubator.organizations.models import Organization
from incubator.parks.models import Park, ParkKind, Space
from tests.conftest import POSTGRES_URL


async def test_healthz_reports_the_database(browser, clean):
    response = await browser.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_healthz_answers_503_when_the_database_fails(browser, clean, monkeypatch):
    from tortoise.connection import connections

    client = connections.get("default")

    async def broken(*args, **kwargs):
        raise ConnectionRefusedError("database went away")

    monkeypatch.setattr(type(client), "execute_query", broken)
    response = await browser.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


async def test_demo_data_follows_the_domain_and_loads_once(clean):
    assert await demo.load() is True
    assert await demo.load() is False
    assert await Park.filter(kind=ParkKind.HUB).count() == 1
    assert await Park.filter(kind=ParkKind.PARK).count() == 3
    assert await Space.filter(bookable=True).count() >= 9
    for username, _, role in demo.ACCOUNTS:
        user = await User.get(username=username)
        assert user.role == role
    first_park = await Park.get(name_zh="灵山·太湖社区公益园")
    member = await User.get(username="org")
    assert (await Organization.get(id=member.organization_id)).park_id == first_park.id
    manager = await User.get(username="manager")
    from incubator.auth.service import load_principal

    assert (await load_principal(manager)).park_ids == {first_park.id}
    assert (await User.get(username="evaluator")).role == Role.EVALUATOR


async def test_demo_accounts_sign_in_with_the_demo_password(browser, clean):
    await demo.load()
    for username, _, _ in demo.ACCOUNTS:
        response = await browser.login(username, demo.DEMO_PASSWORD)
        assert response.status_code == 303, username
        await browser.post("/logout")


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite back-up; PostgreSQL uses pg_dump")
async def test_sqlite_backup_is_a_consistent_copy(settings, clean, tmp_path):
    await demo.load()
    target = db.backup_sqlite(settings.database_url, tmp_path / "backup.sqlite3")
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("SELECT count(*) FROM park").fetchone()[0] == 4
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        copy.close()


def test_cli_lists_its_commands():
    out = subprocess.run([sys.executable, "-m", "incubator.cli", "--help"], capture_output=True, text=True,
                         check=True).stdout
    for command in ("serve", "migrate", "createuser", "demo", "check", "backup", "jobs"):
        assert command in out


def test_cli_migrate_demo_check_and_backup_on_a_fresh_sqlite_database(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "INCUBATOR_DATA_DIR": str(tmp_path), "HOME": str(tmp_path)}

    def run(*args: str) -> str:
        result = subprocess.run([sys.executable, "-m", "incubator.cli", *args], env=env, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "up to date" in run("migrate")
    assert "admin" in run("demo")
    assert "already present" in run("demo")
    assert "ok" in run("check")
    assert "backed up" in run("backup", "--output", str(tmp_path / "b.sqlite3"))
    out = run("createuser", "wang.official", "--role", "official", "--password", "a-long-enough-pass")
    assert "created" in out
    failed = subprocess.run([sys.executable, "-m", "incubator.cli", "createuser", "x", "--role", "admin",
                             "--password", "short"], env=env, capture_output=True, text=True)
    assert failed.returncode != 0


async def test_favicon_answers_with_an_icon(browser, clean):
    response = await browser.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert "max-age" in response.headers["cache-control"]


def test_check_reports_a_missing_required_package_by_name(monkeypatch):
    from incubator import checks

    assert checks.dependency_problems() == []
    installed = checks.is_installed
    monkeypatch.setattr(checks, "is_installed", lambda name: name != "orjson" and installed(name))
    assert checks.dependency_problems() == [
        ("error", "required package 'orjson' is not installed (pip install -e . installs it)")
    ]


def test_check_follows_the_extras_a_requirement_asks_for(monkeypatch):
    from incubator import checks

    # tortoise-orm[asyncpg]: the PostgreSQL driver comes with the extra.
    installed = checks.is_installed
    monkeypatch.setattr(checks, "is_installed", lambda name: name != "asyncpg" and installed(name))
    assert checks.missing_requirements() == ["asyncpg"]


def test_check_says_when_it_cannot_read_the_requirements(monkeypatch):
    from incubator import checks

    monkeypatch.setattr(checks, "is_installed", lambda name: name != "incubator")
    [(level, message)] = checks.dependency_problems()
    assert level == "warning" and "not installed" in message


def test_serve_listens_on_incubator_port_unless_told_otherwise(monkeypatch, tmp_path):
    import uvicorn

    from incubator import cli

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setattr(cli, "_log_to_console", lambda level: None)
    monkeypatch.setenv("INCUBATOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("INCUBATOR_PORT", "8123")
    cli.main(["serve"])
    cli.main(["serve", "--port", "8124"])
    monkeypatch.delenv("INCUBATOR_PORT")
    cli.main(["serve"])
    assert [call["port"] for call in calls] == [8123, 8124, 8000]
    monkeypatch.setenv("INCUBATOR_PORT", "80000")
    with pytest.raises(SystemExit, match="INCUBATOR_PORT"):
        cli.main(["serve"])


def test_check_warns_when_production_has_no_base_url():
    from incubator import checks
    from incubator.config import Settings

    def warned(**values) -> bool:
        settings = Settings(database_url="postgres://db/incubator", secret_key="k" * 40, **values)
        return any("INCUBATOR_BASE_URL" in message for _level, message in checks.settings_problems(settings))

    assert warned(env="production")
    assert not warned(env="production", base_url="https://park.example")
    assert not warned()  # development: the request's address is right


def test_serve_leaves_forwarded_headers_to_the_app(monkeypatch, tmp_path):
    """uvicorn would believe 127.0.0.1's X-Forwarded-For and hide the proxy from the app's own
    INCUBATOR_TRUSTED_PROXIES check (middleware/proxy.py)."""
    import uvicorn

    from incubator import cli

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setattr(cli, "_log_to_console", lambda level: None)
    monkeypatch.setenv("INCUBATOR_DATA_DIR", str(tmp_path))
    cli.main(["serve"])
    assert calls[0]["proxy_headers"] is False
