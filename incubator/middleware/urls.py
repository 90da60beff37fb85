"""URLs with control characters are refused before anything reads them."""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from incubator.middleware.plain import is_plain
from incubator.web import error_page

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


class UrlMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Plain requests have none of the page middleware; the data API answers these itself.
        if not is_plain(scope) and (status := url_problem(scope)) is not None:
            await error_page(Request(scope, receive), status)(scope, receive, send)
            return
        await self.app(scope, receive, send)
