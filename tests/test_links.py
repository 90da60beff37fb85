"""Links are built from an index of the routes by name, not by trying every route (Starlette's
url_path_for): the same paths, the same refusal of an unknown name or missing parameter."""

import pytest
from starlette.routing import NoMatchFound

from incubator.web import path_for


def _params(route) -> dict:
    return {name: ("/css/app.css" if name == "path" else "ABC123" if convertor.regex == "[^/]+" else 7)
            for name, convertor in route.param_convertors.items()}


def test_every_route_links_to_the_path_starlette_gives(app):
    for route in app.routes:
        if getattr(route, "name", None):
            params = _params(route)
            assert path_for(app.router, route.name, **params) == app.url_path_for(route.name, **params)


def test_an_unknown_name_or_a_missing_parameter_is_refused(app):
    with pytest.raises(NoMatchFound):
        path_for(app.router, "organizations:nowhere")
    with pytest.raises(NoMatchFound):
        path_for(app.router, "organizations:detail")


def test_a_link_knows_its_path_for_the_current_page_mark(app):
    link = path_for(app.router, "organizations:detail", id=12)
    assert link == "/organizations/12" and link.path == "/organizations/12"
