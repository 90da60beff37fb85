"""What the middleware share: which requests are plain (static files, health checks), and safe methods."""

from __future__ import annotations

from starlette.types import Scope

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def is_plain(scope: Scope) -> bool:
    """HTTP requests that need no session, language or CSRF check: static files, /healthz."""
    return scope["type"] != "http" or scope["path"].startswith("/static/") or scope["path"] == "/healthz"
