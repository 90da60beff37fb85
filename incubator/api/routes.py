"""The data API's mount (/api/v1, behind the token gate), the page that renders its OpenAPI document,
and the account's page of personal API tokens."""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import Receive, Scope, Send

from incubator import clock
from incubator.api import forms, openapi, tokens
from incubator.api.http import JSON, Gate, problem
from incubator.api.resources import operations
from incubator.errors import ValidationFailed
from incubator.i18n import gettext as _
from incubator.web import current, flash, form_data, form_errors, is_htmx, path_int, redirect_to, render

DEFAULT_DAYS = 90
NO_STORE = {"Cache-Control": "no-store"}


async def openapi_json(request: Request) -> Response:
    return Response(openapi.encoded(), media_type=JSON, headers={"Cache-Control": "public, max-age=300",
                                                                   "Access-Control-Allow-Origin": "*"})


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    await problem(404, "No such endpoint: see /api/v1/openapi.json.")(scope, receive, send)


def _requests_per_minute(scope: Scope) -> int:
    return scope["app"].state.settings.api_requests_per_minute


def api_app() -> Gate:
    routes: list[BaseRoute] = [Route("/openapi.json", openapi_json, methods=["GET"], name="openapi")]
    routes += [Route(op.path.replace("{id}", "{id:int}"), op.handler, methods=["GET"], name=op.name)
               for op in operations()]
    return Gate(Router(routes, default=_not_found), _requests_per_minute)


# ---- the pages -------------------------------------------------------------------------------


async def docs_page(request: Request) -> Response:
    """The API's reference, public like the OpenAPI document it is drawn from (the API itself needs a
    token); its descriptions are CommonMark, rendered without raw HTML."""
    document = openapi.document()
    schemas = document["components"]["schemas"]
    operations = [(path, item["get"]) for path, item in document["paths"].items()]
    return render(request, "api/docs.html", {"document": document, "operations": operations, "schemas": schemas,
                                             "description": _markdown(document["info"].get("description", ""))})


@functools.cache
def _markdown(text: str) -> Markup:
    return Markup(MarkdownIt("commonmark", {"html": False}).render(text))  # noqa: S704  # raw HTML is off


async def _tokens_page(request: Request, *, created: tokens.Created | None = None, errors: dict[str, str] | None = None,
                       values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    principal = current(request)
    today = clock.today()
    context: dict[str, Any] = {
        "tokens": await tokens.mine(principal), "created": created, "errors": errors or {},
        "values": values or {"expires_on": (today + timedelta(days=DEFAULT_DAYS)).isoformat()},
        "is_live": tokens.is_live,
    }
    response = render(request, "api/tokens.html", context, status_code=status_code)
    if created is not None:
        response.headers.update(NO_STORE)  # the secret is on this page: no cache keeps it
    return response


async def tokens_page(request: Request) -> Response:
    return await _tokens_page(request)


async def token_create(request: Request) -> Response:
    principal = current(request)
    data = await form_data(request)
    try:
        created = await tokens.create(principal, forms.new_token(data))
    except ValidationFailed as exc:
        return await _tokens_page(request, errors=form_errors(exc), values=dict(data), status_code=400)
    return await _tokens_page(request, created=created)


async def token_revoke(request: Request) -> Response:
    principal = current(request)
    token = await tokens.revoke(principal, path_int(request))
    if is_htmx(request):
        return await _tokens_page(request)
    return flash(request, redirect_to(request, "api:tokens"), _("The token %(name)s has been revoked.",
                                                                      name=token.name))


routes = [
    Route("/account/tokens", tokens_page, methods=["GET"], name="api:tokens"),
    Route("/account/tokens", token_create, methods=["POST"], name="api:token_create"),
    Route("/account/tokens/{id:int}/revoke", token_revoke, methods=["POST"], name="api:token_revoke"),
    Route("/api/docs", docs_page, methods=["GET"], name="api:docs"),
    Mount("/api/v1", app=api_app(), name="api"),
]
