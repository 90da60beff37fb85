"""Browser tests: a real `incubator serve --demo` process and Debian's Chromium driven by
Playwright. Skipped with a reason when Chromium is missing, unless
INCUBATOR_REQUIRE_BROWSER=1 (as in CI), where a missing browser fails the run."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import POSTGRES_URL, create_postgres_database, drop_postgres_database

CHROMIUM = os.environ.get("INCUBATOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


def _browser_available() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="session")
def chromium_or_skip() -> None:
    reason = _browser_available()
    if reason:
        if os.environ.get("INCUBATOR_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests are required but cannot run: {reason}")
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(chromium_or_skip, tmp_path_factory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("e2e")
    env = {**os.environ, "INCUBATOR_DATA_DIR": str(data_dir), "INCUBATOR_ENV": "development"}
    env.pop("INCUBATOR_DATABASE_URL", None)
    database = None
    if POSTGRES_URL:
        database = asyncio.run(create_postgres_database(POSTGRES_URL))
        env["INCUBATOR_DATABASE_URL"] = database
    port = _free_port()
    log = (data_dir / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "incubator.cli", "serve", "--demo", "--port", str(port), "--log-level", "warning"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # generous: a loaded machine migrates and fills the demo slowly
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start:\n" + (data_dir / "server.log").read_text())
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        if database:
            asyncio.run(drop_postgres_database(POSTGRES_URL, database))


@pytest.fixture(scope="session")
def chromium(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, server):
    context = chromium.new_context(base_url=server, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.csp_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: page.csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    yield page
    context.close()


def login(page, username: str, password: str = "demo-password") -> None:
    page.goto("/login")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/")
