"""Kept pages (incubator/pagecache.py) are served only while nothing they show has changed: a change
through the app, by a job in the same process or by another process shows on the very next page;
a change elsewhere keeps them. They are kept per session, language and day, never for a page that
writes or sets a cookie, and the kept session behind them is checked for expiry on every request."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
import time_machine
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from incubator import changes, clock, db, pagecache
from incubator.auth.models import LoginFailure, UserSession
from incubator.config import sqlite_path
from incubator.organizations.models import Organization
from incubator.roles import Role
from tests.conftest import POSTGRES_URL, open_park

sqlite_only = pytest.mark.skipif(
    bool(POSTGRES_URL), reason="the page cache is SQLite's (on PostgreSQL it is off: test_postgresql_keeps_no_pages)")


def other_process(settings, sql: str, *params) -> None:
    """A write through a connection of its own, as another process (or the sqlite3 shell) makes it."""
    connection = sqlite3.connect(sqlite_path(settings.database_url), isolation_level=None)
    try:
        connection.execute(sql, params)
    finally:
        connection.close()


async def queries_of(browser, url: str) -> tuple[int, str]:
    with db.counting_queries() as counter:
        response = await browser.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return counter.count, response.text


@sqlite_only
async def test_a_kept_page_is_the_page_built_again_and_runs_no_query(browser, admin, organization):
    await browser.login("admin")
    built_count, built = await queries_of(browser, "/organizations")
    kept_count, kept = await queries_of(browser, "/organizations")
    assert built_count > 0 and organization.name_zh in built
    assert kept_count == 0 and kept == built
    response = await browser.get("/organizations")
    assert response.headers["content-security-policy"] and response.headers["x-content-type-options"] == "nosniff"


@sqlite_only
async def test_a_change_through_the_app_shows_on_the_next_page(browser, member, organization):
    await browser.login("member")
    assert "13812345678" not in (await queries_of(browser, f"/organizations/{organization.id}"))[1]
    saved = await browser.post(f"/organizations/{organization.id}/edit", {
        "name_zh": "新名字协会", "kind": "social_association", "mobile": "13812345678"})
    assert saved.status_code == 303
    await browser.get(saved.headers["location"])  # shows (and clears) the flash message
    count, page = await queries_of(browser, f"/organizations/{organization.id}")
    assert "新名字协会" in page and count > 0


@sqlite_only
async def test_a_change_by_another_process_shows_on_the_next_page(browser, admin, organization, settings):
    await browser.login("admin")
    await queries_of(browser, "/organizations")
    assert (await queries_of(browser, "/organizations"))[0] == 0
    other_process(settings, 'UPDATE "organization" SET "name_zh" = ? WHERE "id" = ?', "别处改的名字", organization.id)
    count, page = await queries_of(browser, "/organizations")
    assert "别处改的名字" in page and count > 0


@sqlite_only
async def test_a_change_by_a_job_in_this_process_shows_on_the_next_page(browser, admin, organization):
    await browser.login("admin")
    await queries_of(browser, "/organizations")
    await Organization.filter(id=organization.id).update(name_zh="任务改的名字")
    assert "任务改的名字" in (await queries_of(browser, "/organizations"))[1]


@sqlite_only
async def test_a_change_to_a_table_the_page_does_not_read_keeps_it(browser, admin, organization, settings):
    await browser.login("admin")
    await queries_of(browser, "/organizations")
    await LoginFailure.create(username="someone", address="10.0.0.1", at=clock.now())
    other_process(settings, 'INSERT INTO "login_failure" ("username", "address", "at") VALUES (?, ?, ?)',
                  "someone", "10.0.0.2", clock.now().isoformat())
    assert (await queries_of(browser, "/organizations"))[0] == 0


@sqlite_only
async def test_a_change_to_any_signed_in_user_builds_the_page_again(browser, admin, organization, settings):
    await browser.login("admin")
    await queries_of(browser, "/organizations")
    other_process(settings, 'UPDATE "account" SET "display_name" = ? WHERE "id" = ?', "新的显示名", admin.id)
    count, page = await queries_of(browser, "/organizations")
    assert count > 0 and "新的显示名" in page


@sqlite_only
async def test_each_principal_sees_only_their_own_kept_pages(new_browser, make_user, clean):
    east, west = await open_park(name_zh="东园"), await open_park(name_zh="西园")
    await Organization.create(park=east, name_zh="东园的组织")
    await Organization.create(park=west, name_zh="西园的组织")
    await make_user("east", Role.MANAGER, parks=[east])
    await make_user("west", Role.MANAGER, parks=[west])
    pages = {}
    for name in ("east", "west", "east", "west"):
        browser = new_browser()
        await browser.login(name)
        pages.setdefault(name, []).append((await queries_of(browser, "/organizations"))[1])
        pages[name].append((await queries_of(browser, "/organizations"))[1])
    assert all("东园的组织" in page and "西园的组织" not in page for page in pages["east"])
    assert all("西园的组织" in page and "东园的组织" not in page for page in pages["west"])
    # Each session's page carries its own CSRF token.
    assert pages["east"][0] != pages["east"][2]


@sqlite_only
async def test_a_page_is_kept_per_language(browser, admin, organization):
    await browser.login("admin")
    chinese = (await queries_of(browser, "/organizations"))[1]
    assert (await browser.post("/language", {"language": "en"})).status_code in (200, 303)
    english = (await queries_of(browser, "/organizations"))[1]
    assert 'lang="zh-CN"' in chinese and 'lang="en"' in english


@sqlite_only
async def test_a_page_kept_yesterday_is_built_again_today(browser, admin, organization):
    with time_machine.travel(clock.now(), tick=False) as traveller:
        await browser.login("admin")
        await queries_of(browser, "/organizations")
        assert (await queries_of(browser, "/organizations"))[0] == 0
        traveller.shift(timedelta(days=1))
        await browser.login("admin")
        assert (await queries_of(browser, "/organizations"))[0] > 0


@sqlite_only
async def test_a_waiting_flash_message_is_shown_once_on_a_kept_page(browser, admin, park):
    from incubator.parks.forms import park_values

    await browser.login("admin")
    await queries_of(browser, "/organizations")
    response = await browser.post(f"/parks/{park.id}", park_values(park))
    assert response.status_code == 303
    assert "flash-success" in (await browser.get("/organizations")).text
    assert "flash-success" not in (await browser.get("/organizations")).text


@sqlite_only
async def test_a_session_ended_elsewhere_is_refused_on_the_next_request(browser, admin, settings):
    await browser.login("admin")
    await queries_of(browser, "/organizations")
    other_process(settings, 'DELETE FROM "user_session"')
    response = await browser.get("/organizations")
    assert response.status_code in (302, 303) and response.headers["location"].startswith("/login")


@sqlite_only
async def test_a_kept_session_still_expires(browser, admin, settings):
    with time_machine.travel(clock.now(), tick=False) as traveller:
        await browser.login("admin")
        await queries_of(browser, "/organizations")
        traveller.shift(timedelta(minutes=settings.session_idle_minutes + 1))
        response = await browser.get("/organizations")
    assert response.status_code in (302, 303) and response.headers["location"].startswith("/login")
    assert await UserSession.all().count() == 0


@sqlite_only
async def test_a_deactivated_user_is_signed_out_at_once(browser, admin, make_user, settings):
    await make_user("other-admin", Role.ADMIN)
    await browser.login("other-admin")
    await queries_of(browser, "/organizations")
    other_process(settings, 'UPDATE "account" SET "is_active" = 0 WHERE "username" = ?', "other-admin")
    response = await browser.get("/organizations")
    assert response.status_code in (302, 303)


@sqlite_only
async def test_a_page_that_writes_is_built_every_time(app, browser, admin):
    async def writes(request: Request) -> HTMLResponse:
        await LoginFailure.create(username="page", address="10.0.0.9", at=clock.now())
        return HTMLResponse(str(await LoginFailure.all().count()))

    app.router.routes.insert(0, Route("/writes", pagecache.cached(writes), methods=["GET"]))
    await browser.login("admin")
    assert [(await browser.get("/writes")).text for _ in range(3)] == ["1", "2", "3"]


@sqlite_only
async def test_a_page_read_while_a_change_commits_is_not_kept_as_current(app, browser, admin, settings):
    """The versions are taken before the page's first query: a change committed while it is being
    built makes what was built stale at once."""
    calls = []

    async def slow(request: Request) -> HTMLResponse:
        calls.append(1)
        rows = await LoginFailure.all().values_list("username", flat=True)
        if len(calls) == 1:  # another process commits after this page read its rows
            other_process(settings, 'INSERT INTO "login_failure" ("username", "address", "at") VALUES (?, ?, ?)',
                          "midway", "10.0.0.3", clock.now().isoformat())
        return HTMLResponse(",".join(sorted(rows)))

    app.router.routes.insert(0, Route("/slow", pagecache.cached(slow), methods=["GET"]))
    await browser.login("admin")
    assert (await browser.get("/slow")).text == ""
    assert (await browser.get("/slow")).text == "midway"
    assert len(calls) == 2


@sqlite_only
async def test_every_table_counts_its_changes_after_migrating(settings):
    path = sqlite_path(settings.database_url)
    assert changes.untracked(path) == []
    with sqlite3.connect(path) as connection:
        tables = {name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
    assert {"organization", "account", "user_session", "review", "funding_grant"} <= tables


@sqlite_only
async def test_a_database_without_change_counters_keeps_no_pages(settings, tmp_path):
    path = tmp_path / "copy.sqlite3"
    db.backup_sqlite(settings.database_url, path)
    with sqlite3.connect(path) as connection:
        connection.execute('DROP TRIGGER "_incubator_changed_organization_update"')
    assert changes.untracked(path) == ["organization"]
    assert pagecache.for_settings(replace(settings, database_url=f"sqlite://{path}")) is None
    assert pagecache.for_settings(replace(settings, page_cache_mb=0)) is None
    assert pagecache.for_settings(settings) is not None


def test_postgresql_keeps_no_pages(settings):
    assert pagecache.for_settings(replace(settings, database_url="postgres://postgres@127.0.0.1:5432/x")) is None


def test_the_least_recently_used_pages_go_first_when_memory_is_full(tmp_path):
    cache = pagecache.PageCache(changes.Watcher(tmp_path / "none.sqlite3"), max_bytes=8 * 100)
    for name in "abcdefgh":
        cache.put((name,), pagecache.Kept.of(name, 100, (), {}))
    assert cache.get(("a",), {}) is not None  # a is used again: b is now the oldest
    cache.put(("i",), pagecache.Kept.of("i", 100, (), {}))
    assert cache.get(("b",), {}) is None and cache.get(("a",), {}) is not None
    assert cache.size <= 800 and len(cache) == 8
    cache.put(("huge",), pagecache.Kept.of("huge", 101, (), {}))  # over an eighth of the cache: not kept
    assert cache.get(("huge",), {}) is None


def test_a_page_is_kept_only_while_each_table_it_read_is_unchanged(tmp_path):
    cache = pagecache.PageCache(changes.Watcher(tmp_path / "none.sqlite3"), max_bytes=10_000)
    cache.put(("page",), pagecache.Kept.of("html", 4, {"organization", "park"}, {"organization": 3}))
    assert cache.get(("page",), {"organization": 3, "review": 9}) is not None
    assert cache.get(("page",), {"organization": 3, "park": 1}) is None
    assert cache.get(("page",), {"organization": 3}) is None  # dropped when found stale


def test_a_statement_that_writes_or_reads_no_known_table_makes_the_page_uncacheable():
    recording = pagecache.Recording()
    recording.saw('SELECT "o"."id" FROM "organization" "o" LEFT OUTER JOIN "park" ON "park"."id" = "o"."park_id"')
    recording.saw('SELECT COUNT(*) FROM (SELECT 1 FROM "review" WHERE "id" IN (SELECT "review_id" FROM "score"))')
    assert recording.cacheable and recording.tables == {"organization", "park", "review", "score"}
    for sql in ('UPDATE "organization" SET "name_zh" = ?', "INSERT INTO audit_entry VALUES (1)", "SELECT 1"):
        recording = pagecache.Recording()
        recording.saw(sql)
        assert not recording.cacheable, sql


@sqlite_only
async def test_an_update_or_delete_reports_its_own_rows_not_the_counters_it_moved(park):
    for name in ("甲", "乙", "丙"):
        await Organization.create(park=park, name_zh=name)
    assert await Organization.filter(park_id=park.id).update(description="x") == 3
    assert await Organization.filter(name_zh="甲").delete() == 1


@sqlite_only
async def test_requests_for_a_page_being_built_wait_for_it_instead_of_building_it_again(app, browser, admin):
    import asyncio

    builds = []
    release = asyncio.Event()

    async def slow(request: Request) -> HTMLResponse:
        builds.append(1)
        await release.wait()
        return HTMLResponse(str(await LoginFailure.all().count()))

    app.router.routes.insert(0, Route("/slow-build", pagecache.cached(slow), methods=["GET"]))
    await browser.login("admin")
    requests = [asyncio.ensure_future(browser.get("/slow-build")) for _ in range(5)]
    await asyncio.sleep(0.05)
    release.set()
    responses = await asyncio.gather(*requests)
    assert [r.text for r in responses] == ["0"] * 5 and len(builds) == 1


@sqlite_only
async def test_a_page_kept_for_at_most_some_minutes_is_built_again_after_them(app, browser, admin):
    builds = []

    async def slots(request: Request) -> HTMLResponse:
        builds.append(1)
        return HTMLResponse(str(await LoginFailure.all().count()))

    app.router.routes.insert(0, Route("/slots", pagecache.cached(slots, minutes=15), methods=["GET"]))
    with time_machine.travel(datetime(2026, 12, 8, 10, 0, tzinfo=clock.zone()), tick=False) as traveller:
        await browser.login("admin")
        await browser.get("/slots")
        traveller.shift(timedelta(minutes=14))
        await browser.get("/slots")
        assert len(builds) == 1
        traveller.shift(timedelta(minutes=1))
        await browser.get("/slots")
        assert len(builds) == 2
