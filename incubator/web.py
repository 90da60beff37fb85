"""Rendering, flash messages and htmx helpers shared by every capability's routes."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import hmac
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import segno
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, NoMatchFound, Route
from starlette.templating import Jinja2Templates

from incubator import capability, clock, exports, i18n
from incubator.config import TEMPLATES_DIR
from incubator.errors import Conflict, DomainError, NotFound, PermissionDenied, Throttled, ValidationFailed
from incubator.navigation import items_for
from incubator.validation import INT_MAX, INT_MIN, parse_int, without_control_characters

FLASH_COOKIE = "incubator_flash"


class Href(str):
    """A path a page links to (same-origin, so relative); `.path` like Starlette's URL, which the
    navigation reads to mark the current page."""

    __slots__ = ()

    @property
    def path(self) -> str:
        return str(self)


def path_for(router: Any, name: str, /, **params: Any) -> Href:
    """The path of the route `name` with `params`, as Starlette's url_path_for gives it. Starlette
    tries every route in turn (raising an exception per miss: ~0.2 ms a link with 90 routes, 75
    links on a list page); here the router's routes are indexed by name once, on the router."""
    index: dict[str, list[BaseRoute]] | None = getattr(router, "_incubator_routes_by_name", None)
    if index is None:
        index = {}
        for route in router.routes:
            if getattr(route, "name", None):
                index.setdefault(route.name, []).append(route)
        router._incubator_routes_by_name = index
    for route in index.get(name, ()):
        if type(route) is Route:  # the common case, formatted here as Starlette's Route formats it
            convertors = route.param_convertors
            if params.keys() != convertors.keys():
                continue
            path = route.path_format
            for key, value in params.items():
                path = path.replace("{" + key + "}", convertors[key].to_string(value))
            return Href(path)
        try:
            return Href(route.url_path_for(name, **params))
        except NoMatchFound:
            continue
    raise NoMatchFound(name, params)


def absolute_url(request: Request, path: str) -> str:
    """The address of `path` (below the app's root: a `path_for` path, with its query) that a user
    can follow from elsewhere: a QR code, a printed page, a calendar app. INCUBATOR_BASE_URL when it
    is set; else the address this request reached, as a trusted proxy forwarded it
    (middleware/proxy.py). Mail and jobs have no request: they use settings.offline_base_url."""
    base = request.app.state.settings.base_url or str(request.base_url).rstrip("/")
    return base + path


@pass_context
def _url_for(context: Any, name: str, /, **params: Any) -> Href:
    scope = context["request"].scope
    router = scope.get("router") or scope["app"].router
    return Href(scope.get("root_path", "") + path_for(router, name, **params))


def _environment() -> Environment:
    # The project's templates/, then the folders of capabilities that bring their own.
    folders: list[str | Path] = [TEMPLATES_DIR, *(c.templates for c in capability.installed() if c.templates)]
    env = Environment(
        loader=FileSystemLoader(folders),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # newstyle: _("Hello %(name)s", name=x) escapes and formats safely.
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        i18n.gettext, i18n.ngettext, newstyle=True)
    env.filters.update(
        datetime=i18n.format_datetime,
        date=i18n.format_date,
        number=i18n.format_number,
        money=i18n.format_money,
        local_date=clock.local_date,  # an instant's date where the users are (instants are stored in UTC)
    )
    env.globals.update(LOCALES=i18n.LOCALES, LOCALE_NAMES=i18n.LOCALE_NAMES, url_for=_url_for,
                       list_separator=i18n.list_separator)
    # Form macros as a global `f`, so a block rendered alone for htmx still has them.
    env.globals["f"] = env.get_template("_macros/forms.html").module
    return env


def templates() -> Jinja2Templates:
    """Built on first use (importing the app, as the `tortoise` command does, needs no templates),
    and again when another set of capabilities is installed."""
    return _templates(capability.generation())


@cache
def _templates(generation: int) -> Jinja2Templates:
    return Jinja2Templates(env=_environment())


def is_htmx(request: Request) -> bool:
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def page_context(page: object) -> dict[str, Any]:
    """A page's typed context (a dataclass whose fields document what its template reads) as the
    template's variables; shallow, so ORM objects stay as they are."""
    if dataclasses.is_dataclass(page) and not isinstance(page, type):
        return {f.name: getattr(page, f.name) for f in dataclasses.fields(page)}
    return dict(page or {})  # type: ignore[call-overload]


def render(
    request: Request,
    template: str,
    context: object = None,
    *,
    block: str | None = None,
    status_code: int = 200,
) -> Response:
    """A whole page, or for htmx requests just `block` of it (the swappable part). `context` is the
    page's typed context (a dataclass), or a dict for the few pages not yet typed."""
    context = page_context(context)
    fragment = block is not None and is_htmx(request)
    # Only a whole page shows (and so uses up) the flash messages; a fragment leaves them.
    context.setdefault("flashes", [] if fragment else pop_flashes(request))
    if block is not None and fragment:
        tmpl = templates().get_template(template)
        ctx = tmpl.new_context({**_base_context(request), **context})
        html = "".join(tmpl.blocks[block](ctx))
        response: Response = HTMLResponse(html, status_code=status_code)
    else:
        response = templates().TemplateResponse(
            request, template, {**_base_context(request), **context}, status_code=status_code
        )
    if block is not None:
        response.headers["Vary"] = "HX-Request"
    if getattr(request.state, "clear_flash", False):
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def _base_context(request: Request) -> dict[str, Any]:
    state = request.state
    return {
        "request": request,
        "principal": getattr(state, "principal", None),
        "user": getattr(state, "user", None),
        "csrf_token": getattr(state, "csrf_token", ""),
        "locale": i18n.current_locale(),
        "nav": items_for(getattr(state, "principal", None)),
        "today": clock.today(),
    }


def redirect(request: Request, url: str) -> Response:
    """Redirect after POST. htmx follows HX-Redirect so the whole page changes."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": str(url)})
    return RedirectResponse(str(url), status_code=303)


def redirect_to(
    request: Request, name: str, /, query: Mapping[str, Any] | None = None, *, fragment: str = "",
    **params: Any,
) -> Response:
    """Redirect after POST to the route `name` with `params` (its path, as `redirect` takes it),
    plus `query` urlencoded and `#fragment` when given, so no route repeats another's path."""
    url = str(path_for(request.app.router, name, **params))
    if query:
        url += "?" + urlencode(query, doseq=True, safe="/")  # /login?next=/parks/3 stays readable
    if fragment:
        url += "#" + fragment
    return redirect(request, url)


# Flash messages ride in a signed cookie: no server state, so any process can show them.
def _sign(payload: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()[:32]


def flash(request: Request, response: Response, message: str, kind: str = "success") -> Response:
    secret = request.app.state.settings.secret_key
    items = [*_read_flash_cookie(request), {"m": message, "k": kind}][-5:]
    payload = base64.urlsafe_b64encode(json.dumps(items, ensure_ascii=False).encode()).decode()
    response.set_cookie(
        FLASH_COOKIE,
        f"{payload}.{_sign(payload.encode(), secret)}",
        max_age=300,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.production,
    )
    return response


def _read_flash_cookie(request: Request) -> list[dict[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE, "")
    payload, _, signature = raw.rpartition(".")
    if not payload:
        return []
    secret = request.app.state.settings.secret_key
    if not hmac.compare_digest(signature, _sign(payload.encode(), secret)):
        return []
    try:
        items = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except ValueError:
        return []
    return [i for i in items if isinstance(i, dict)]


def pop_flashes(request: Request) -> list[dict[str, str]]:
    items = _read_flash_cookie(request)
    if items:
        request.state.clear_flash = True
    return items


def error_page(request: Request, status_code: int, message: str | None = None) -> Response:
    titles = {
        400: i18n.gettext("The request could not be understood"),
        403: i18n.gettext("You may not do that"),
        404: i18n.gettext("Page not found"),
        405: i18n.gettext("That action is not allowed here"),
        409: i18n.gettext("Someone changed this in the meantime"),
        413: i18n.gettext("What you sent is too large"),
        429: i18n.gettext("Too many attempts"),
        500: i18n.gettext("Something went wrong on our side"),
    }
    title = titles.get(status_code, titles[500] if status_code >= 500 else titles[400])
    context = {"status": status_code, "title": title, "message": message}
    try:
        return render(request, "errors/error.html", context, status_code=status_code)
    except Exception:
        # The error page must never fail: fall back to plain text.
        return HTMLResponse(f"<h1>{status_code}</h1>", status_code=status_code)


def current(request: Request):  # -> Principal
    """The signed-in principal, or LoginRequired (answered with a redirect to sign in)."""
    from incubator.errors import LoginRequired

    principal = getattr(request.state, "principal", None)
    if principal is None:
        raise LoginRequired()
    return principal


async def form_data(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


@dataclass
class Page:
    rows: list
    number: int
    has_next: bool


async def paginate(request: Request, queryset, size: int = 50, *, deferred: bool = False) -> Page:
    """One page of `queryset` by ?page=N: one query, one extra row to know if more follow.
    `deferred`: first the page's ids (from a covering index, however many rows match and must be
    sorted), then those rows with their joins: two queries instead of sorting whole rows."""
    number = query_int(request, "page", minimum=1) or 1
    window = queryset.offset((number - 1) * size).limit(size + 1)
    if not deferred:
        rows = await window
        return Page(rows=list(rows[:size]), number=number, has_next=len(rows) > size)
    ids: list[int] = list(await window.values_list("id", flat=True))
    found = {row.id: row for row in await queryset.filter(id__in=ids[:size]).order_by()}
    return Page(rows=[found[i] for i in ids[:size] if i in found], number=number, has_next=len(ids) > size)


# ---- reading the URL: what is out of range or malformed is simply absent ----------------------


def path_int(request: Request, name: str = "id") -> int:
    """A path id ({id:int} matches any digits): beyond the 32-bit id columns no object can
    have it, so the page is not found (the database would fail on it otherwise)."""
    value = request.path_params[name]
    number = value if isinstance(value, int) else parse_int(str(value), minimum=0)
    if number is None or not 0 <= number <= INT_MAX:
        raise NotFound(i18n.gettext("Not found."))
    return number


def query_int(request: Request, name: str, minimum: int = INT_MIN, maximum: int = INT_MAX) -> int | None:
    """?name=N as an integer within bounds (32-bit by default), or None when it is missing,
    not a number (²), or out of range: a filter on it is then not applied."""
    raw = request.query_params.get(name, "")
    if not raw.isascii():
        return None
    return parse_int(raw, minimum=minimum, maximum=maximum)


def query_text(request: Request, name: str, max_length: int = 200) -> str:
    """?name=text for a search or filter: control characters removed, spaces stripped, at most
    `max_length` characters (longer than any column it is compared with)."""
    return without_control_characters(request.query_params.get(name, "")).strip()[:max_length]


# The one place where kinds of domain errors become HTTP statuses.
STATUS_CODES: tuple[tuple[type[DomainError], int], ...] = (
    (ValidationFailed, 400),
    (PermissionDenied, 403),
    (NotFound, 404),
    (Conflict, 409),
    (Throttled, 429),
)


def status_for(error: DomainError) -> int:
    for kind, status in STATUS_CODES:
        if isinstance(error, kind):
            return status
    return 400


_ROW_FIELD = re.compile(r"^\w+\[(\d+)\]\.(\w+)$")


def form_errors(error: DomainError, aliases: dict[str, str] | None = None) -> dict[str, str]:
    """A service's errors, keyed by the command's fields, as a form names its inputs: a row's field
    `tranches[1].review_code` is the input `review_code_1`; `aliases` renames the others."""
    shown: dict[str, str] = {}
    for key, message in error.errors.items():
        if aliases and key in aliases:
            key = aliases[key]
        elif match := _ROW_FIELD.match(key):
            key = f"{match.group(2)}_{match.group(1)}"
        shown.setdefault(key, message)
    return shown


def qr_svg(text: str, scale: int = 6) -> Markup:
    """`text` as a QR code, an inline SVG (no script, no external request): the door's check-in
    code, a session's check-in screen, a certificate's verification address."""
    # segno writes the SVG itself from the code's modules: no part of `text` appears in it unescaped.
    return Markup(segno.make(text, error="m").svg_inline(scale=scale, dark="#111", light="#fff"))  # noqa: S704


# What a file name cannot hold on some system, and control characters (names are typed by users).
_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def attachment_headers(filename: str) -> dict[str, str]:
    """The header that saves a response as a file named in any language (RFC 6266's filename*)."""
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(_UNSAFE_IN_FILENAME.sub('_', filename))}"}


def download(content: bytes, filename: str, media_type: str) -> Response:
    """A file to save (a workbook, a CSV)."""
    return Response(content, media_type=media_type, headers=attachment_headers(filename))


def export_routes(path: str, name: str, endpoint: Callable[[Request, str], Awaitable[Response]]) -> list[Route]:
    """A list's two export routes, `path`.xlsx and `path`.csv, named `name`_xlsx and `name`_csv:
    `endpoint(request, kind)` answers both (with `export` below)."""
    def answer(kind: str) -> Callable[[Request], Awaitable[Response]]:
        async def respond(request: Request) -> Response:
            return await endpoint(request, kind)
        return respond

    return [Route(f"{path}.{kind}", answer(kind), methods=["GET"], name=f"{name}_{kind}") for kind in ("xlsx", "csv")]


EXPORT_BATCH = 1000  # rows an export reads at a time


async def export(kind: str, name: str, headers: list[str], ids: list[int],
                 rows_of: Callable[[list[int]], Awaitable[dict[int, tuple[object, ...]]]]) -> Response:
    """A list's every row as a file to save, named `name` and today's date: `ids` are the list's
    rows as filtered and sorted (one query of ids), `rows_of` reads a batch of them (id → the row's
    cells; an id gone since is left out). CSV is streamed as it is read (the first bytes leave at
    once), a workbook written row by row in a worker thread; `X-Export-Rows` tells the page how many
    rows to expect (its progress bar)."""
    async def batches() -> AsyncIterator[list[tuple[object, ...]]]:
        for start in range(0, len(ids), EXPORT_BATCH):
            chunk = ids[start:start + EXPORT_BATCH]
            rows = await rows_of(chunk)
            yield [rows[i] for i in chunk if i in rows]

    filename = f"{name} {clock.today().isoformat()}"
    if kind == "csv":
        return StreamingResponse(exports.csv_stream(headers, batches()), media_type=exports.CSV,
                                 headers={**attachment_headers(filename + ".csv"), "X-Export-Rows": str(len(ids))})
    rows = [row async for batch in batches() for row in batch]
    content = await asyncio.to_thread(exports.workbook, name, headers, rows)
    response = download(content, filename + ".xlsx", exports.XLSX)
    response.headers["X-Export-Rows"] = str(len(ids))
    return response
