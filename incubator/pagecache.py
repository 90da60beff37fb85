"""Rendered pages kept until a table they were read from changes (SQLite only; see changes.py).

A route opts in with `cached(endpoint)`. Its page is kept per session, URL, htmx request, language,
day and principal (role, parks, organization), together with the version of every table its queries
read, recorded as they run (the ORM's query log) and taken *before* the first query, so a change
committed while the page was being built makes it stale at once. A kept page is served only while
every one of those tables, and the signed-in users' table, is at the same version: a change by any
request, job or process shows on the very next page. Nothing is kept of a page that wrote, set a
cookie (a flash message shown, for one), failed, or was asked for with a flash message waiting.

Memory is bounded (`INCUBATOR_PAGE_CACHE_MB`, 0 turns the cache off); the least recently used pages
go first.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route

from incubator import changes, clock, i18n
from incubator.config import Settings, sqlite_path
from incubator.web import FLASH_COOKIE

Endpoint = Callable[[Request], Awaitable[Response]]

# A page always depends on the signed-in user (their name and language are on every page).
ALWAYS = ("account",)  # auth.models.User (tests/test_page_cache.py checks the name)
_READ = re.compile(r"^\s*(?:SELECT|WITH)\b", re.IGNORECASE)
_TABLE = re.compile(r'\b(?:FROM|JOIN)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?', re.IGNORECASE)


@dataclass
class Recording:
    tables: set[str] = field(default_factory=set)
    cacheable: bool = True

    def saw(self, sql: str) -> None:
        if not _READ.match(sql):
            self.cacheable = False  # a page that writes is built every time
            return
        tables = _TABLE.findall(sql)
        if not tables:
            self.cacheable = False  # a read it can't attribute to a table
        self.tables.update(tables)


_recording: contextvars.ContextVar[Recording | None] = contextvars.ContextVar("page_recording", default=None)


class _QueryLog(logging.Handler):
    """The ORM logs every statement at DEBUG, in the task that runs it."""

    def emit(self, record: logging.LogRecord) -> None:
        recording = _recording.get()
        if recording is not None:
            sql = record.args[0] if isinstance(record.args, tuple) and record.args else record.msg
            recording.saw(str(sql))


_query_log = _QueryLog()


def _listen() -> None:
    logger = logging.getLogger("tortoise.db_client")
    if _query_log not in logger.handlers:
        logger.addHandler(_query_log)
    if logger.getEffectiveLevel() > logging.DEBUG:
        logger.setLevel(logging.DEBUG)


@dataclass(frozen=True)
class Kept:
    """A page's bytes and headers (or another value, `size` bytes large), and the versions it was read at."""

    value: Any
    size: int
    versions: tuple[tuple[str, int], ...]

    @classmethod
    def of(cls, value: Any, size: int, tables: set[str] | tuple[str, ...], versions: dict[str, int]) -> Kept:
        return cls(value, size, tuple((table, versions.get(table, 0)) for table in sorted(tables)))


class PageCache:
    def __init__(self, watcher: changes.Watcher, max_bytes: int) -> None:
        self.watcher = watcher
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = self.misses = 0
        self._pages: OrderedDict[tuple, Kept] = OrderedDict()
        self.building: dict[tuple, asyncio.Future[None]] = {}  # pages being built now, by key

    def get(self, key: tuple, versions: dict[str, int]) -> Kept | None:
        kept = self._pages.get(key)
        if kept is None:
            return None
        if any(versions.get(table, 0) != version for table, version in kept.versions):
            self._drop(key)
            return None
        self._pages.move_to_end(key)
        return kept

    def put(self, key: tuple, kept: Kept) -> None:
        if kept.size > self.max_bytes // 8:
            return
        if key in self._pages:
            self._drop(key)
        self._pages[key] = kept
        self.size += kept.size
        while self.size > self.max_bytes:
            self._drop(next(iter(self._pages)))

    def _drop(self, key: tuple) -> None:
        self.size -= self._pages.pop(key).size

    def __len__(self) -> int:
        return len(self._pages)


def for_settings(settings: Settings) -> PageCache | None:
    """The cache of an app with these settings: on SQLite whose tables are all tracked."""
    if not settings.sqlite or settings.page_cache_mb <= 0:
        return None
    path = sqlite_path(settings.database_url)
    if not path.exists() or changes.untracked(path):
        logging.getLogger("incubator").warning(
            "pages are not cached: %s does not count its changes (run `incubator migrate`)", path)
        return None
    _listen()
    return PageCache(changes.Watcher(path), settings.page_cache_mb * 1024 * 1024)


def for_app(app: Any) -> PageCache | None:
    """The app's cache, made on first use (from the app's settings)."""
    state = app.state
    try:
        return state.page_cache
    except AttributeError:
        state.page_cache = for_settings(state.settings)
        return state.page_cache


def _key(request: Request) -> tuple | None:
    state = request.scope.get("state", {})
    principal = state.get("principal")
    if principal is None or request.method != "GET" or FLASH_COOKIE in request.cookies:
        return None
    headers = request.headers
    return (
        request.url.path, request.url.query, state.get("csrf_subject"), i18n.current_locale(), clock.today(),
        principal.id, str(principal.role), principal.park_ids, principal.organization_id,
        headers.get("hx-request"), headers.get("hx-history-restore-request"), headers.get("hx-target"),
    )


def _public_key(request: Request) -> tuple | None:
    """A public page's key: the same page for every visitor, signed in or not (it shows nothing of
    who asks: no session, no CSRF token, no navigation)."""
    if request.method != "GET" or FLASH_COOKIE in request.cookies:
        return None
    headers = request.headers
    return ("public", request.url.path, request.url.query, i18n.current_locale(), clock.today(),
            headers.get("hx-request"), headers.get("hx-target"))


def cached(endpoint: Endpoint, *, minutes: int | None = None, public: bool = False) -> Endpoint:
    """`endpoint`, its pages kept until what they show changes; with `minutes`, also at most that
    long (for a page that shows what time has made past, such as a week of free and past slots).
    `public`: one copy for everybody (the page must show nothing of its reader)."""

    @functools.wraps(endpoint)
    async def serve(request: Request) -> Response:
        if public:
            # No cookie leaves with a public page (a shared cache would hand it to everyone).
            request.state.public = True
        cache = for_app(request.app)
        key = (_public_key(request) if public else _key(request)) if cache is not None else None
        if key is not None and minutes is not None:
            key = (*key, int(clock.now().timestamp()) // (minutes * 60))
        versions = cache.watcher.versions() if cache is not None and key is not None else None
        if cache is None or key is None or versions is None:
            return await endpoint(request)
        kept = cache.get(key, versions)
        building = cache.building.get(key)
        if kept is None and building is not None:
            # The same page is being built for this session: wait for it rather than build it again.
            await asyncio.shield(building)
            versions = cache.watcher.versions()
            kept = cache.get(key, versions) if versions is not None else None
        if kept is not None:
            cache.hits += 1
            body, headers = kept.value
            response = Response(body)
            response.raw_headers = list(headers)
            return response
        cache.misses += 1
        done = cache.building[key] = asyncio.get_running_loop().create_future()
        recording = Recording()
        token = _recording.set(recording)
        try:
            response = await endpoint(request)
            if (recording.cacheable and versions is not None and response.status_code == 200
                    and hasattr(response, "body")
                    and not any(name == b"set-cookie" for name, _ in response.raw_headers)):
                body = bytes(response.body)
                cache.put(key, Kept.of((body, tuple(response.raw_headers)), len(body),
                                       recording.tables | (set() if public else set(ALWAYS)), versions))
        finally:
            _recording.reset(token)
            if cache.building.get(key) is done:
                del cache.building[key]
            done.set_result(None)
        return response

    serve.public = public  # type: ignore[attr-defined]  # middleware.public serves these routes' kept pages
    return serve


def kept_public_page(app: Any, scope: Any, locale: str) -> Kept | None:
    """The fresh kept copy of a public page (`cached(..., public=True)`) for this request in
    `locale`, if there is one: served before the session and CSRF middleware, which a public page
    needs not (middleware.public)."""
    cache = for_app(app)
    if cache is None:
        return None
    try:
        routes = app.state.public_routes
    except AttributeError:
        routes = app.state.public_routes = [route for route in app.routes if isinstance(route, Route)
                                            and getattr(route.endpoint, "public", False)]
    if not any(route.matches(scope)[0] == Match.FULL for route in routes):
        return None
    token = i18n.set_locale(locale)
    try:
        key = _public_key(Request(scope))
    finally:
        i18n.reset_locale(token)
    versions = cache.watcher.versions()
    kept = cache.get(key, versions) if key is not None and versions is not None else None
    if kept is not None:
        cache.hits += 1
    return kept
