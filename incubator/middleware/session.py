"""Who is asking: the session behind the session cookie (request.state.session and .user), or an
anonymous visitor, who gets a random cookie so that their forms carry a CSRF token of their own
(request.state.csrf_subject). Also records the client's address for the audit trail."""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from incubator.audit.service import request_address
from incubator.auth import service as auth_service
from incubator.auth.cookies import session_cookie_name
from incubator.config import Settings
from incubator.middleware.plain import is_plain

ANON_COOKIE = "incubator_anon"
ANON_MAX_AGE = 60 * 60 * 24 * 30


class SessionMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if is_plain(scope):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        state = request.state
        address_token = request_address.set(request.client.host if request.client else "")
        session = await auth_service.resolve_session(
            self.settings, request.cookies.get(session_cookie_name(self.settings), ""))
        new_anon = ""
        if session is not None:
            state.session, state.user = session, session.user
            state.csrf_subject = "session:" + session.key_hash
        else:
            state.session = state.user = None
            anon = request.cookies.get(ANON_COOKIE, "")
            if not (16 <= len(anon) <= 64):
                anon = new_anon = secrets.token_urlsafe(24)
            state.csrf_subject = "anon:" + anon

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and new_anon:
                cookie: SimpleCookie = SimpleCookie()
                cookie[ANON_COOKIE] = new_anon
                morsel = cookie[ANON_COOKIE]
                morsel["path"], morsel["max-age"], morsel["samesite"] = "/", ANON_MAX_AGE, "Lax"
                morsel["httponly"] = True
                if self.settings.production:
                    morsel["secure"] = True
                MutableHeaders(scope=message).append("set-cookie", cookie.output(header="").strip())
            await send(message)

        try:
            await self.app(scope, receive, send_with_cookie)
        finally:
            request_address.reset(address_token)
