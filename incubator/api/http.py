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
import re
from collections.abc import Awaitable, Callable, Hashable, Sequence
from datetime import UTC, datetime, time
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from incubator import i18n, pagecache
from incubator.access import Principal
from incubator.api import tokens
from incubator.auth.models import ParkManager, User
from incubator.errors import BadRequest, DomainError, NotFound, PermissionDenied, ValidationFailed
from incubator.i18n import gettext as _
from incubator.middleware.urls import url_problem
from incubator.validation import PLAUSIBLE
from incubator.web import absolute_url

PROBLEM = "application/problem+json"
JSON = "application/json"
PUBLIC_PATHS = ("/api/v1/openapi.json",)  # the description needs no token

T = TypeVar("T")
Handler = Callable[[Request], Awaitable[Response]]
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


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(if_none_match: str, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


def json_response(request: Request, value: Any) -> Response:
    """`value` as JSON with a strong ETag of its bytes (`conditional` answers 304 to a caller who
    has them)."""
    body = encoder.encode(value)
    return Response(body, media_type=JSON, headers={
        "ETag": etag_of(body), "Cache-Control": "private, no-cache", "Vary": "Authorization"})


def conditional(handler: Handler) -> Handler:
    """304 Not Modified, without the body, when If-None-Match names the answer's ETag (whether the
    answer was built now or kept by the page cache)."""

    @functools.wraps(handler)
    async def run(request: Request) -> Response:
        response = await handler(request)
        etag = response.headers.get("etag", "")
        if response.status_code == 200 and etag and _matches(request.headers.get("if-none-match", ""), etag):
            return Response(status_code=304, headers={name: response.headers[name] for name in (
                "etag", "cache-control", "vary") if name in response.headers})
        return response

    return run


def principal(request: Request) -> Principal:
    return request.state.principal


# ---- query parameters ------------------------------------------------------------------------


_DIGITS = re.compile(r"^(0|[1-9][0-9]*)$")
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$")


def _types_of(field: Any) -> tuple[Any, ...]:
    """A field's types, a union (such as `int | None`) taken apart and constraints set aside."""
    types = field.type.types if isinstance(field.type, msgspec.inspect.UnionType) else (field.type,)
    return tuple(t.type if isinstance(t, msgspec.inspect.Metadata) else t for t in types)


@functools.cache
def _fields_of(kind: Hashable, type_info: type) -> frozenset[str]:
    """The fields of a query Struct that take a `type_info` (msgspec.inspect.DateTimeType,
    IntType…), alone or or'ed with None."""
    info = msgspec.inspect.type_info(kind)
    return frozenset(field.name for field in info.fields  # type: ignore[attr-defined]
                     if any(isinstance(t, type_info) for t in _types_of(field)))


def parse(request: Request, kind: type[T]) -> T:
    """The query string as `kind` (a Struct of optional fields): numbers, dates and choices checked
    by their types and bounds; a parameter given twice is refused."""
    params = request.query_params
    raw: dict[str, str] = {}
    for name in kind.__struct_fields__:  # type: ignore[attr-defined]
        values = params.getlist(name)
        if len(values) > 1:
            raise _refused(name, _("%(name)s is given more than once.", name=name))
        if values:
            raw[name] = values[0]
    for name in _fields_of(cast(Hashable, kind), msgspec.inspect.IntType):
        # Lax conversion would read 1e3 or 5.0 as a number, and int() takes "+5", " 5" and "٥":
        # an id, a count or a year is ASCII digits only, as the next link writes it.
        if name in raw and not _DIGITS.match(raw[name]):
            raise _refused(name, _("%(name)s must be a whole number written in the digits 0-9 (no sign, space, "
                                   "point, exponent or leading zero).", name=name))
    instants = _fields_of(cast(Hashable, kind), msgspec.inspect.DateTimeType)
    for name in instants:
        # Lax conversion would read a number as seconds since 1970: an instant is RFC 3339 text.
        if name in raw and not _RFC3339.match(raw[name]):
            raise _refused(name, _("%(name)s must be a date and time as RFC 3339 writes it, such as "
                                   "2026-11-01T08:00:00+08:00.", name=name))
    try:
        parsed = msgspec.convert(raw, kind, strict=False)
    except msgspec.ValidationError as exc:
        message = str(exc)
        field = message.rsplit("`$.", 1)[-1].rstrip("`") if "`$." in message else ""
        raise _refused(field, _sentence(field, message)) from None
    # Lax conversion reads "null" as None: a parameter that is given must have a value.
    empty = [name for name in raw if getattr(parsed, name) is None]
    if empty:
        raise BadRequest(_("%(name)s is given without a value.", name=empty[0]),
                         {name: _("%(name)s is given without a value.", name=name) for name in empty})
    for name in instants:
        value = getattr(parsed, name)
        # A filter's bound outside the dates anything is stored with (validation.PLAUSIBLE) selects as
        # that range's edge would: held there, so that no conversion of year 1 or 9999 overflows.
        if value is not None and value.date() not in PLAUSIBLE:
            edge = PLAUSIBLE.earliest if value.date() < PLAUSIBLE.earliest else PLAUSIBLE.latest
            setattr(parsed, name, datetime.combine(edge, time(), tzinfo=UTC))
    return parsed


def _refused(name: str, sentence: str) -> BadRequest:
    return BadRequest(sentence, {name: sentence} if name else {})


_BOUND = re.compile(r"(>=|<=|>|<) (-?\d+)")


def _sentence(name: str, message: str) -> str:
    """msgspec's error ("Expected `int` >= 1, got `0` - at `$.limit`") as a sentence in the caller's
    language: the reference names each parameter's type and bounds, so the sentence can too."""
    if not name:
        return _("A parameter is not valid.")
    if "Invalid enumeration value" in message:
        return _("%(name)s is not one of the values the reference lists.", name=name)
    if "matching regex" in message:
        return _("%(name)s is not written as the reference shows.", name=name)
    if "length" in message and (bound := _BOUND.search(message)):
        sign, number = bound.groups()
        if sign in ("<=", "<"):
            return _("%(name)s must be at most %(most)s characters long.", name=name,
                     most=int(number) - (1 if sign == "<" else 0))
    if bound := _BOUND.search(message):
        sign, number = bound.groups()
        if sign in (">=", ">"):
            least = int(number) + (1 if sign == ">" else 0)
            return _("%(name)s must be at least %(least)s.", name=name, least=least)
        most = int(number) - (1 if sign == "<" else 0)
        return _("%(name)s must be at most %(most)s.", name=name, most=most)
    if "Expected `int`" in message:
        return _("%(name)s must be a whole number.", name=name)
    return _("%(name)s is not valid.", name=name)


def next_link(request: Request, after: int | None) -> str | None:
    """The URL of the page after the row `after`, with the same filters; None on the last page."""
    if after is None:
        return None
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "after"]
    query.append(("after", str(after)))
    path = request.url.path.removeprefix(request.scope.get("app_root_path", ""))  # below the app's root
    return absolute_url(request, f"{path}?{urlencode(query)}")


def page_of(rows: Sequence[T], limit: int, key: Callable[[T], int]) -> tuple[Sequence[T], int | None]:
    """The first `limit` of `rows` (read as limit + 1) and the key to continue after, if more remain."""
    if len(rows) > limit:
        return rows[:limit], key(rows[limit - 1])
    return rows, None


# ---- endpoints and the gate ------------------------------------------------------------------


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

    # What a kept principal was read from: the account and the parks it manages.
    PRINCIPAL_TABLES = (User._meta.db_table, ParkManager._meta.db_table)

    def __init__(self, app: ASGIApp, requests_per_minute: Callable[[Scope], int]) -> None:
        self.app = app
        self.requests_per_minute = requests_per_minute

    async def _caller(self, scope: Scope, secret: str, address: str) -> tokens.Caller | None:
        """The token's request counted (always, in the database), and its owner's principal: kept
        with the page cache until the account or its parks change (like a session's), else read."""
        counted = await tokens.count_use(secret, address)
        if counted is None:
            return None
        token_id, user_id, used = counted
        cache = pagecache.for_app(scope["app"])
        versions = cache.watcher.versions() if cache is not None else None
        if cache is None or versions is None:
            principal = await tokens.principal_of(user_id)
        else:
            kept = cache.get(("api-principal", user_id), versions)
            principal = kept.value if kept is not None else await tokens.principal_of(user_id)
            if kept is None and principal is not None:
                cache.put(("api-principal", user_id), pagecache.Kept.of(principal, 1024, self.PRINCIPAL_TABLES,
                                                                        versions))
        return None if principal is None else tokens.Caller(principal, token_id, used, tokens.retry_after())

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
            caller = await self._caller(scope, secret.strip(), request.client.host if request.client else "")
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
