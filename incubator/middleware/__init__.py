"""Request plumbing as pure ASGI middleware, one concern per module, outermost first:

0. `proxy`: a trusted proxy's forwarded scheme, host and client address → the request's own;
1. `headers`: security headers on every response;
2. `session`: the session cookie → request.state.session/user, or an anonymous visitor's cookie;
3. `principal`: the signed-in user's parks or organization → request.state.principal;
4. `locale`: the user's language, or an anonymous visitor's choice;
5. `urls`: URLs with control characters are refused (404 in the path, 400 in the query), on a
   page in the visitor's language;
6. `body`: unsafe requests' bodies are read once, within a size limit (413 beyond it);
7. `csrf`: unsafe requests must be same-origin and carry the token of their session.

`stack(settings)` lists them in that order for Starlette.
"""

from __future__ import annotations

from starlette.middleware import Middleware

from incubator.config import Settings
from incubator.middleware.body import BodyLimitMiddleware
from incubator.middleware.csrf import CsrfMiddleware
from incubator.middleware.headers import SecurityHeadersMiddleware
from incubator.middleware.locale import LocaleMiddleware
from incubator.middleware.principal import PrincipalMiddleware
from incubator.middleware.proxy import ProxyHeadersMiddleware
from incubator.middleware.public import PublicPageMiddleware
from incubator.middleware.session import SessionMiddleware
from incubator.middleware.urls import UrlMiddleware


def stack(settings: Settings) -> list[Middleware]:
    return [
        Middleware(ProxyHeadersMiddleware, settings=settings),
        Middleware(SecurityHeadersMiddleware, settings=settings),
        Middleware(PublicPageMiddleware, settings=settings),
        Middleware(SessionMiddleware, settings=settings),
        Middleware(PrincipalMiddleware),
        Middleware(LocaleMiddleware),
        Middleware(UrlMiddleware),
        Middleware(BodyLimitMiddleware, settings=settings),
        Middleware(CsrfMiddleware, settings=settings),
    ]
