"""Redirects after POST go to a route by name (web.redirect_to), as templates link by name: a path
is written once, in its Route. `redirect` with a literal path is kept only for a target the user
supplied (the local "next" page), so a test fails when a hard-coded one comes back."""

from __future__ import annotations

import ast
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import incubator
from incubator.web import redirect_to

PACKAGE = Path(incubator.__file__).parent
REDIRECTS = {"redirect", "RedirectResponse"}


def _literal_path(node: ast.expr) -> bool:
    """A string literal, or an f-string whose text begins, naming a local path."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value.startswith("/")
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        return isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.startswith("/")
    return False


def hard_coded_redirects(source: str) -> list[int]:
    """The lines of `source` calling redirect(request, "/…") or RedirectResponse("/…")."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if name not in REDIRECTS:
            continue
        url = [*node.args[1:2]] if name == "redirect" else [*node.args[:1]]
        url += [k.value for k in node.keywords if k.arg in ("url", "path")]
        if any(_literal_path(u) for u in url):
            lines.append(node.lineno)
    return sorted(lines)


def test_the_scan_finds_a_hard_coded_redirect():
    assert hard_coded_redirects('redirect(request, "/login")\nredirect(request, f"/parks/{p.id}")\n') == [1, 2]
    assert hard_coded_redirects('RedirectResponse("/", status_code=303)') == [1]
    assert hard_coded_redirects('redirect_to(request, "parks:detail", id=1)\nredirect(request, target)') == []


def test_no_module_redirects_to_a_hard_coded_path():
    found = [f"{path.relative_to(PACKAGE.parent)}:{line}"
             for path in sorted(PACKAGE.rglob("*.py"))
             for line in hard_coded_redirects(path.read_text(encoding="utf-8"))]
    assert found == [], "redirect by route name: web.redirect_to(request, name, **params)"


async def _noop(request: Request) -> Response:
    return Response()


APP = Starlette(routes=[
    Route("/parks/{id:int}", _noop, name="parks:detail"),
    Route("/login", _noop, name="auth:login"),
])


def _request(htmx: bool = False) -> Request:
    headers = [(b"hx-request", b"true")] if htmx else []
    return Request({"type": "http", "method": "POST", "path": "/", "headers": headers, "app": APP})


def test_redirect_to_a_named_route_with_its_query_and_fragment():
    response = redirect_to(_request(), "parks:detail", id=7)
    assert response.status_code == 303 and response.headers["location"] == "/parks/7"
    response = redirect_to(_request(), "auth:login", query={"next": "/parks/7?tab=a&x=1"})
    assert response.headers["location"] == "/login?next=/parks/7%3Ftab%3Da%26x%3D1"
    assert redirect_to(_request(), "parks:detail", id=7, fragment="spaces").headers["location"] == "/parks/7#spaces"
    assert redirect_to(_request(), "auth:login", query={}).headers["location"] == "/login"


def test_an_htmx_request_is_told_where_to_go_instead():
    response = redirect_to(_request(htmx=True), "parks:detail", id=7)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/parks/7"
