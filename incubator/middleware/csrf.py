"""Every state-changing request must come from this site (Sec-Fetch-Site or Origin) and carry the
CSRF token of its session or anonymous visitor (a form field or the X-CSRF-Token header htmx
sends). The token, an HMAC of the subject, is request.state.csrf_token for the templates."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from incubator import i18n
from incubator.config import Settings
from incubator.middleware.body import replay
from incubator.middleware.plain import SAFE_METHODS, is_plain
from incubator.web import error_page


def csrf_token_for(secret: str, subject: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{subject}".encode(), hashlib.sha256).hexdigest()


def same_origin(request: Request) -> bool:
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return False
    parts = urlsplit(origin)
    host = request.headers.get("host", "")
    return parts.netloc == host and parts.scheme == request.url.scheme


class CsrfMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if is_plain(scope):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        expected = request.state.csrf_token = csrf_token_for(self.settings.secret_key, request.state.csrf_subject)
        if scope["method"] not in SAFE_METHODS:
            body = await request.body()  # already read and limited by the body middleware
            if not await _token_ok(request, body, expected):
                message = i18n.gettext(
                    "This form has expired or came from another site. Reload the page and try again.")
                await error_page(request, 403, message)(scope, receive, send)
                return
            receive = replay(body)
        await self.app(scope, receive, send)


async def _token_ok(request: Request, body: bytes, expected: str) -> bool:
    if not same_origin(request):
        return False
    supplied = request.headers.get("x-csrf-token")
    if supplied is None:
        form_request = Request(request.scope, replay(body))
        try:
            form = await form_request.form()
        except Exception:
            return False
        value = form.get("csrf_token")
        supplied = value if isinstance(value, str) else None
        await form.close()
    return supplied is not None and hmac.compare_digest(supplied, expected)
