"""The language of the request: the signed-in user's, or the one an anonymous visitor chose
(a cookie), else Simplified Chinese. Sets request.state.locale and i18n's context variable."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from incubator import i18n
from incubator.auth.cookies import LANG_COOKIE
from incubator.middleware.plain import is_plain


class LocaleMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if is_plain(scope):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        user = request.state.user
        token = i18n.set_locale(user.language if user is not None else request.cookies.get(LANG_COOKIE, ""))
        request.state.locale = i18n.current_locale()
        try:
            await self.app(scope, receive, send)
        finally:
            i18n.reset_locale(token)
