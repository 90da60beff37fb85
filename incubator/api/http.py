"""The data API's HTTP: bearer tokens, the rate limit, JSON bodies with ETags, keyset pages and
errors as `application/problem+json` (RFC 9457).

The API is mounted at /api/v1 and is plain to the page middleware (no session, CSRF or language
cookie: middleware.plain), so `Gate` does what they do for pages: it finds the caller from the
`Authorization: Bearer` header, counts the request against the token's limit and sets the
principal and the account's language for the endpoint.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from incubator import i18n
from incubator.access import Principal
from incubator.api import tokens
from incubator.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from incubator.middleware.urls import url_problem

PROBLEM = "application/problem+json"
JSON = "application/json"
PUBLIC_PATHS = ("/api/v1/openapi.json",)  # the description needs no token

T = TypeVar("T")
encoder = msgspec.json.Encoder()


class Problem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """An error (RFC 9457): `title` is the same for every error of its status; `detail` says what
    was wrong with this request; `errors` names each wrong query parameter."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    errors: dict[str, str] = {}


TITLES = {
    400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
    406: "Not Acceptable", 429: "Too Many Requests", 500: "Internal Server Error",
}


def problem(status: int, detail: str = "", errors: dict[str, str] | None = None,
            headers: dict[str, str] | None = None) -> Response:
    body = encoder.encode(Problem(title=TITLES.get(status, "Error"), status=status, detail=detail,
                                  errors=errors or {}))
    return Response(body, status_code=status, media_type=PROBLEM,
                    headers={"Cache-Control": "no-store", **(headers or {})})


class BadRequest(Exception):
    def __init__(self, detail: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail, self.errors = detail, errors or {}


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(if_none_match: str, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


def json_response(request: Request, value: Any) -> Response:
    """`value` as JSON with a strong ETag of its bytes; 304 and no body when the caller has them."""
    body = encoder.encode(value)
    etag = etag_of(body)
    headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Authorization"}
    if _matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=JSON, headers=headers)


def principal(request: Request) -> Principal:
    return request.state.principal


# ---- query parameters ------------------------------------------------------------------------


def parse(request: Request, kind: type[T]) -> T:
    """The query string as `kind` (a Struct of optional fields): numbers, dates and choices checked
    by their types and bounds; a parameter given twice is refused."""
    params = request.query_params
    raw: dict[str, str] = {}
    for name in kind.__struct_fields__:  # type: ignore[attr-defined]
        values = params.getlist(name)
        if len(values) > 1:
            raise BadRequest(f"{name} is given more than once", {name: "given more than once"})
        if values:
            raw[name] = values[0]
    try:
        return msgspec.convert(raw, kind, strict=False)
    except msgspec.ValidationError as exc:
        message = str(exc)
        field = message.rsplit("`$.", 1)[-1].rstrip("`") if "`$." in message else ""
        raise BadRequest(message, {field: message} if field else {}) from None


def next_link(request: Request, after: int | None) -> str | None:
    """The URL of the page after the row `after`, with the same filters; None on the last page."""
    if after is None:
        return None
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "after"]
    query.append(("after", str(after)))
    return f"{request.url.scheme}://{request.url.netloc}{request.url.path}?{urlencode(query)}"


def page_of(rows: Sequence[T], limit: int, key: Callable[[T], int]) -> tuple[Sequence[T], int | None]:
    """The first `limit` of `rows` (read as limit + 1) and the key to continue after, if more remain."""
    if len(rows) > limit:
        return rows[:limit], key(rows[limit - 1])
    return rows, None


# ---- endpoints and the gate ------------------------------------------------------------------

Handler = Callable[[Request], Awaitable[Response]]


def endpoint(handler: Handler) -> Handler:
    """An API endpoint: domain errors as problems; out of scope, or not for this role, is 404."""

    @functools.wraps(handler)
    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except BadRequest as exc:
            return problem(400, exc.detail, exc.errors)
        except ValidationFailed as exc:
            return problem(400, exc.message, exc.errors)
        except (NotFound, PermissionDenied):
            return problem(404, "No such resource, or not in your scope.")
        except DomainError as exc:
            return problem(400, exc.message)

    return run


class Gate:
    """Lets a request through to the API's router with the caller's principal and language, or
    answers 401 (no usable token) or 429 (the token's requests this minute are used up)."""

    def __init__(self, app: ASGIApp, requests_per_minute: Callable[[Scope], int]) -> None:
        self.app = app
        self.requests_per_minute = requests_per_minute

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        if request.method not in ("GET", "HEAD"):
            response = problem(405, "The data API is read-only.", headers={"Allow": "GET, HEAD"})
            await response(scope, receive, send)
            return
        refused = url_problem(scope)
        if refused is not None:
            detail = "The URL has a control character." if refused == 404 else "A parameter has a control character."
            await problem(refused, detail, {} if refused == 404 else {"query": detail})(scope, receive, send)
            return
        if scope["path"].endswith(PUBLIC_PATHS):
            await self.app(scope, receive, send)
            return
        scheme, _, secret = request.headers.get("authorization", "").partition(" ")
        caller = None
        if scheme.lower() == "bearer" and secret.strip():
            caller = await tokens.authenticate(secret.strip(), request.client.host if request.client else "")
        if caller is None:
            response = problem(401, "Send a live API token: Authorization: Bearer <token>.",
                               headers={"WWW-Authenticate": 'Bearer realm="incubator"'})
            await response(scope, receive, send)
            return
        limit = self.requests_per_minute(scope)
        if caller.used > limit:
            response = problem(429, f"This token may make {limit} requests a minute.",
                               headers={"Retry-After": str(caller.retry_after),
                                        "RateLimit-Limit": str(limit), "RateLimit-Remaining": "0"})
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = caller.principal
        token = i18n.set_locale(getattr(caller.principal.user, "language", "") or i18n.DEFAULT_LOCALE)
        try:
            await self.app(scope, receive, send)
        finally:
            i18n.reset_locale(token)
