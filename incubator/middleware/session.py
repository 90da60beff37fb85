"""Who is asking: the session behind the session cookie (request.state.session and .user), or an
anonymous visitor, who gets a random cookie so that their forms carry a CSRF token of their own
(request.state.csrf_subject). Also records the client's address for the audit trail."""

from __future__ import annotations

import copy
import secrets
from http.cookies import SimpleCookie

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from incubator import pagecache
from incubator.audit.service import request_address
from incubator.auth import service as auth_service
from incubator.auth.cookies import session_cookie_name
from incubator.auth.models import ParkManager, User, UserSession
from incubator.config import Settings
from incubator.middleware.plain import is_plain

ANON_COOKIE = "incubator_anon"
ANON_MAX_AGE = 60 * 60 * 24 * 30
# What a kept session was read from.
SESSION_TABLES = (UserSession._meta.db_table, User._meta.db_table, ParkManager._meta.db_table)


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
        session, parks = await self._session(scope, request.cookies.get(session_cookie_name(self.settings), ""))
        state.managed_parks = parks
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
            if message["type"] == "http.response.start" and new_anon and not getattr(state, "public", False):
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

    async def _session(self, scope: Scope, token: str) -> tuple[UserSession | None, frozenset[int] | None]:
        """The live session behind the cookie, and (when known) the parks its user manages. With the
        page cache on, the stored session is kept until a session, user or park manager changes
        (pagecache.py); each request gets its own copy, and expiry is checked on every request."""
        if not token or len(token) > 100:
            return None, None
        key_hash = auth_service.hash_token(token)
        cache = pagecache.for_app(scope["app"])
        versions = cache.watcher.versions() if cache is not None else None
        if cache is None or versions is None:
            return await auth_service.live_session(self.settings, await auth_service.find_session(key_hash)), None
        key = ("session", key_hash)
        kept = cache.get(key, versions)
        if kept is not None:
            stored, parks = kept.value
        else:
            stored = await auth_service.find_session(key_hash)
            if stored is None:
                return None, None
            parks = await auth_service.managed_parks(stored.user)
            cache.put(key, pagecache.Kept.of((stored, parks), 1024, SESSION_TABLES, versions))
        session = copy.copy(stored)
        session.user = copy.copy(stored.user)
        return await auth_service.live_session(self.settings, session), parks
