"""create_app(): routes, middleware, error pages and the lifespan (ORM, then scheduler)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from incubator import capability, clock, db, jobs, middleware
from incubator.config import STATIC_DIR, Settings, cli_tortoise_config
from incubator.errors import DomainError, LoginRequired
from incubator.home import home
from incubator.pagecache import cached
from incubator.web import error_page, redirect_to, status_for

# The capabilities of the app, lowest first: each is a package with a manifest.py declaring
# everything it adds. A new capability is a new package and one more name here.
CAPABILITIES = (
    # Each capability imports only capabilities listed before it (tests/test_capabilities.py).
    "audit",
    "auth",
    "parks",
    "calendar",
    "notifications",
    "flags",
    "organizations",
    "booking",
    "accounts",
    "reviews",
    "funding",
    "training",
    "dashboards",
    "directory",
    "api",
    "jobs",
)


def install_capabilities(names: tuple[str, ...] = CAPABILITIES) -> None:
    """Files the capabilities' contributions (models, rules, routes, jobs…); idempotent."""
    if [c.name for c in capability.installed()] != [n.rsplit(".", 1)[-1] for n in names]:
        capability.install(capability.load(names))


install_capabilities()
# For the `tortoise` command (pyproject [tool.tortoise]).
TORTOISE_ORM = cli_tortoise_config()

log = logging.getLogger("incubator")


async def healthz(request: Request) -> Response:
    ok = await db.ping()
    return JSONResponse(
        {"status": "ok" if ok else "error", "database": "ok" if ok else "unreachable"},
        status_code=200 if ok else 503,
    )


async def favicon(request: Request) -> Response:
    # Browsers ask for /favicon.ico on every page; it lives with the static files.
    return FileResponse(STATIC_DIR / "favicon.ico", media_type="image/x-icon",
                        headers={"Cache-Control": "public, max-age=86400"})


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error_page(request, exc.status_code)


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return error_page(request, status_for(exc), exc.message)


async def _login_required(request: Request, exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect_to(request, "auth:login", query={"next": target} if request.method == "GET" else None)


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_page(request, 500)


def create_app(settings: Settings | None = None, *, manage_database: bool = True,
               capabilities: tuple[str, ...] = CAPABILITIES) -> Starlette:
    """`manage_database=False` leaves connecting to the caller (the tests own the ORM)."""
    settings = settings or Settings.from_env()
    clock.configure(settings.timezone)
    install_capabilities(capabilities)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not manage_database:
            yield
            return
        async with db.connected(settings.database_url):
            scheduler = jobs.start(settings) if settings.run_scheduler else None
            try:
                yield
            finally:
                if scheduler is not None:
                    scheduler.shutdown(wait=False)
                kept = getattr(app.state, "page_cache", None)
                if kept is not None:
                    kept.watcher.close()

    routes = [
        Route("/", cached(home), name="home"),
        Route("/healthz", healthz, name="healthz"),
        Route("/favicon.ico", favicon, name="favicon"),
        *capability.routes(),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            *middleware.stack(settings),
        ],
        exception_handlers={
            HTTPException: _http_exception,
            DomainError: _domain_error,
            LoginRequired: _login_required,
            Exception: _server_error,
        },
        lifespan=lifespan,
    )
    app.state.settings = settings
    return app
