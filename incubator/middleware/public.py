"""Kept public pages (the directory) answered before the session, principal, CSRF and URL
middleware: a public page shows nothing of its reader and needs none of them, and an anonymous
visitor's request costs the whole stack otherwise (a new visitor id, a CSRF HMAC, the locale, the
URL table). Only for GET without a session cookie; anything else, or a page not kept yet, goes the
usual way (and is kept there by pagecache.cached)."""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from incubator import pagecache
from incubator.auth.cookies import LANG_COOKIE, session_cookie_name
from incubator.config import Settings
from incubator.web import FLASH_COOKIE


class PublicPageMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.session_cookie = session_cookie_name(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and "app" in scope:
            cookies = HTTPConnection(scope).cookies
            if self.session_cookie not in cookies and FLASH_COOKIE not in cookies:
                kept = pagecache.kept_public_page(scope["app"], scope, cookies.get(LANG_COOKIE, ""))
                if kept is not None:
                    body, headers = kept.value
                    await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
                    await send({"type": "http.response.body", "body": body})
                    return
        await self.app(scope, receive, send)
