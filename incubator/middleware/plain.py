"""What the middleware share: which requests are plain (static files, health checks), and safe methods."""

from __future__ import annotations

from starlette.types import Scope

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def is_plain(scope: Scope) -> bool:
    """HTTP requests that need no session, language or CSRF check: static files, /healthz, and the
    data API (read-only, signed by a bearer token, not a cookie: api.http.Gate checks it)."""
    path = scope["path"] if scope["type"] == "http" else ""
    return scope["type"] != "http" or path.startswith(("/static/", "/api/v1/")) or path == "/healthz"
