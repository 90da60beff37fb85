"""Rendering, flash messages and htmx helpers shared by every capability's routes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from incubator import i18n
from incubator.config import TEMPLATES_DIR
from incubator.navigation import items_for

FLASH_COOKIE = "incubator_flash"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # newstyle: _("Hello %(name)s", name=x) escapes and formats safely.
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
    env.filters.update(
        datetime=i18n.format_datetime,
        date=i18n.format_date,
        number=i18n.format_number,
        money=i18n.format_money,
    )
    env.globals.update(LOCALES=i18n.LOCALES, LOCALE_NAMES=i18n.LOCALE_NAMES)
    # Form macros as a global `f`, so a block rendered alone for htmx still has them.
    env.globals["f"] = env.get_template("_macros/forms.html").module
    return env


templates = Jinja2Templates(env=_environment())


def is_htmx(request: Request) -> bool:
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
) -> Response:
    """A whole page, or for htmx requests just `block` of it (the swappable part)."""
    context = dict(context or {})
    fragment = block is not None and is_htmx(request)
    # Only a whole page shows (and so uses up) the flash messages; a fragment leaves them.
    context.setdefault("flashes", [] if fragment else pop_flashes(request))
    if fragment:
        tmpl = templates.get_template(template)
        ctx = tmpl.new_context({**_base_context(request), **context})
        html = "".join(tmpl.blocks[block](ctx))
        response: Response = HTMLResponse(html, status_code=status_code)
    else:
        response = templates.TemplateResponse(
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
        "today": i18n.today(),
    }


def redirect(request: Request, url: str) -> Response:
    """Redirect after POST. htmx follows HX-Redirect so the whole page changes."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": str(url)})
    return RedirectResponse(str(url), status_code=303)


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


async def paginate(request: Request, queryset, size: int = 50) -> Page:
    """One page of `queryset` by ?page=N: one query, one extra row to know if more follow."""
    try:
        number = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        number = 1
    rows = await queryset.offset((number - 1) * size).limit(size + 1)
    return Page(rows=list(rows[:size]), number=number, has_next=len(rows) > size)


def path_int(request: Request, name: str) -> int:
    """Path ids are declared {id:int}; this keeps the type checker and readers honest."""
    return int(request.path_params[name])
