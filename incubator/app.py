"""create_app(): routes, middleware, error pages and the lifespan (ORM, then scheduler)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from incubator import access, db, jobs
from incubator.audit.routes import routes as audit_routes
from incubator.auth.models import Role
from incubator.auth.routes import routes as auth_routes
from incubator.config import STATIC_DIR, Settings
from incubator.errors import DomainError, LoginRequired
from incubator.flags.models import Flag
from incubator.flags.routes import routes as flag_routes
from incubator.flags.service import label as flag_label
from incubator.funding.routes import routes as funding_routes
from incubator.jobs.routes import routes as job_routes
from incubator.middleware import RequestContextMiddleware, SecurityHeadersMiddleware
from incubator.notifications.routes import routes as notification_routes
from incubator.organizations.models import Organization
from incubator.organizations.routes import routes as organization_routes
from incubator.parks.models import Park, Space
from incubator.parks.routes import routes as park_routes
from incubator.parks.service import attach_counts
from incubator.reviews.routes import routes as review_routes
from incubator.web import current, error_page, redirect, render

log = logging.getLogger("incubator")


async def home(request: Request) -> Response:
    principal = current(request)
    parks = await attach_counts(await access.scope(Park, principal).filter(is_active=True).order_by("id"))
    context = {
        "parks": parks,
        "organization_count": await access.scope(Organization, principal).count(),
        "space_count": await access.scope(Space, principal).filter(is_active=True).count(),
        "managed_park_ids": principal.park_ids,
        "flags": await access.scope(Flag, principal).filter(resolved_at__isnull=True).select_related(
            "park").order_by("due_on", "id").limit(10),
        "flag_count": await access.scope(Flag, principal).filter(resolved_at__isnull=True).count(),
        "label": flag_label,
    }
    return render(request, "home.html", context)


async def my_organization(request: Request) -> Response:
    principal = access.require_role(current(request), Role.MEMBER)
    return redirect(request, f"/organizations/{principal.organization_id}")


async def healthz(request: Request) -> Response:
    ok = await db.ping()
    return JSONResponse(
        {"status": "ok" if ok else "error", "database": "ok" if ok else "unreachable"},
        status_code=200 if ok else 503,
    )


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error_page(request, exc.status_code)


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return error_page(request, exc.status_code, exc.message)


async def _login_required(request: Request, exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect(request, f"/login?next={target}" if request.method == "GET" else "/login")


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_page(request, 500)


def create_app(settings: Settings | None = None, *, manage_database: bool = True) -> Starlette:
    """`manage_database=False` leaves connecting to the caller (the tests own the ORM)."""
    settings = settings or Settings.from_env()

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

    routes = [
        Route("/", home, name="home"),
        Route("/my-organization", my_organization, name="my_organization"),
        Route("/healthz", healthz, name="healthz"),
        *auth_routes,
        *park_routes,
        *organization_routes,
        *audit_routes,
        *flag_routes,
        *review_routes,
        *funding_routes,
        *notification_routes,
        *job_routes,
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeadersMiddleware, settings=settings),
            Middleware(RequestContextMiddleware, settings=settings),
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
