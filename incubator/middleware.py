"""Request plumbing as pure ASGI middleware: security headers, then who is asking
(session, principal, language) and the CSRF check for every state-changing request."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from http.cookies import SimpleCookie
from urllib.parse import unquote_to_bytes, urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from incubator import i18n
from incubator.audit.service import request_address
from incubator.auth import service as auth_service
from incubator.auth.cookies import LANG_COOKIE, session_cookie_name
from incubator.config import Settings
from incubator.web import error_page

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
ANON_COOKIE = "incubator_anon"


CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CSP)
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
                if not scope["path"].startswith("/static/"):
                    headers.setdefault("Cache-Control", "no-store")
                if self.settings.production:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_token_for(secret: str, subject: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{subject}".encode(), hashlib.sha256).hexdigest()


def _same_origin(request: Request) -> bool:
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return False
    parts = urlsplit(origin)
    host = request.headers.get("host", "")
    return parts.netloc == host and parts.scheme == request.url.scheme


# A control character in a URL (other than tab and line breaks): no page has one in its path,
# no filter or search takes one, and PostgreSQL refuses a NUL in any text it is given.
_URL_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def url_problem(scope: Scope) -> int | None:
    """404 for a path with a control character, 400 for such a query string, else None."""
    if _URL_CONTROL.search(scope["path"].encode("utf-8", "surrogateescape")):
        return 404
    if _URL_CONTROL.search(unquote_to_bytes(scope.get("query_string", b""))):
        return 400
    return None


class RequestContextMiddleware:
    """Sets request.state.user/principal/session/csrf_token and the language, and refuses
    unsafe requests that are cross-site or lack the session's CSRF token, and URLs with
    control characters."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith("/static/") or scope["path"] == "/healthz":
            if (status := url_problem(scope)) is not None:
                await error_page(Request(scope, receive), status)(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        state = request.state
        settings = self.settings
        address = request.client.host if request.client else ""
        address_token = request_address.set(address)

        session = await auth_service.resolve_session(
            settings, request.cookies.get(session_cookie_name(settings), "")
        )
        set_cookies: list[tuple[str, str, int]] = []
        if session is not None:
            state.session = session
            state.user = session.user
            state.principal = await auth_service.load_principal(session.user)
            subject = "session:" + session.key_hash
            locale = session.user.language
        else:
            state.session = state.user = state.principal = None
            anon = request.cookies.get(ANON_COOKIE, "")
            if not (16 <= len(anon) <= 64):
                anon = secrets.token_urlsafe(24)
                set_cookies.append((ANON_COOKIE, anon, 60 * 60 * 24 * 30))
            subject = "anon:" + anon
            locale = request.cookies.get(LANG_COOKIE, "")
        state.csrf_token = csrf_token_for(settings.secret_key, subject)
        locale_token = i18n.set_locale(locale)
        state.locale = i18n.current_locale()

        try:
            if (status := url_problem(scope)) is not None:
                await error_page(request, status)(scope, receive, send)
                return
            if request.method not in SAFE_METHODS:
                multipart = request.headers.get("content-type", "").startswith("multipart/form-data")
                # Uploads go through one checked path (incubator/uploads.py), which allows more.
                limit = settings.max_upload_bytes + 64 * 1024 if multipart else settings.max_body_bytes
                try:
                    body = await _read_body(receive, limit)
                except BodyTooLarge:
                    await error_page(request, 413)(scope, receive, send)
                    return
                if not await self._csrf_ok(request, body, state.csrf_token):
                    message = i18n.gettext(
                        "This form has expired or came from another site. Reload the page and try again."
                    )
                    response = error_page(request, 403, message)
                    await response(scope, receive, send)
                    return
                receive = _replay(body)

            async def send_with_cookies(message: Message) -> None:
                if message["type"] == "http.response.start" and set_cookies:
                    headers = MutableHeaders(scope=message)
                    for name, value, max_age in set_cookies:
                        cookie: SimpleCookie = SimpleCookie()
                        cookie[name] = value
                        cookie[name]["path"] = "/"
                        cookie[name]["max-age"] = max_age
                        cookie[name]["httponly"] = True
                        cookie[name]["samesite"] = "Lax"
                        if settings.production:
                            cookie[name]["secure"] = True
                        headers.append("set-cookie", cookie.output(header="").strip())
                await send(message)

            await self.app(scope, receive, send_with_cookies)
        finally:
            i18n.reset_locale(locale_token)
            request_address.reset(address_token)

    async def _csrf_ok(self, request: Request, body: bytes, expected: str) -> bool:
        if not _same_origin(request):
            return False
        supplied = request.headers.get("x-csrf-token")
        if supplied is None:
            form_request = Request(request.scope, _replay(body))
            try:
                form = await form_request.form()
            except Exception:
                return False
            value = form.get("csrf_token")
            supplied = value if isinstance(value, str) else None
            await form.close()
        return supplied is not None and hmac.compare_digest(supplied, expected)


class BodyTooLarge(Exception):
    pass


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive
