"""Capabilities are wired from their manifests alone: every declared contribution reaches the app,
and a new capability is one folder plus one entry in the list of capabilities."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from jinja2 import TemplateNotFound
from tortoise import Tortoise

from incubator import access, capability, events
from incubator.access import Principal
from incubator.app import CAPABILITIES
from incubator.audit import labels
from incubator.navigation import items_for
from incubator.web import templates

ROOT = Path(__file__).resolve().parent.parent


def test_the_app_installs_exactly_the_listed_capabilities():
    assert [c.name for c in capability.installed()] == list(CAPABILITIES)


def test_every_declared_route_and_nav_item_is_served(app):
    served = {route.name for route in app.routes}
    for cap in capability.installed():
        declared = {route.name for route in (cap.routes() if cap.routes else [])}
        assert declared <= served, cap.name
    for item in capability.nav_items():
        assert app.url_path_for(item.route)
    for link in capability.park_links():
        assert app.url_path_for(link.route, id=1)


def test_every_declared_model_is_known_to_the_orm_and_guarded_by_a_rule(app):
    models = {m.__module__ + "." + m.__name__: m for m in Tortoise.apps["incubator"].values()}
    guarded = {model for model, action in access.registered() if action == "view"}
    for cap in capability.installed():
        if not cap.models:
            continue
        own = [m for name, m in models.items() if name.startswith(cap.models + ".")]
        assert own, f"{cap.name} declares {cap.models} but the ORM has none of its models"
        assert set(own) & guarded, f"no access rule guards the models of {cap.name}"


def test_every_declared_label_template_and_handler_is_registered(app):
    env = templates().env
    for panel in [*capability.panels(), *capability.sign_in_panels()]:
        try:
            env.get_template(panel.template)
        except TemplateNotFound as missing:
            raise AssertionError(f"panel {panel.key}: no template {panel.template}") from missing
    for kind in capability.audit_kinds():
        assert labels.kinds()[kind.object_type] == kind.label
    for cap in capability.installed():
        for subscription in cap.subscriptions:
            assert subscription.handler in events.subscribers(subscription.event)


def test_navigation_is_read_from_the_manifests(admin, member):
    admin_routes = [route for route, _ in items_for(Principal(admin))]
    assert "users:list" in admin_routes and "funding:funds" in admin_routes
    member_routes = [route for route, _ in items_for(Principal(member, organization_id=member.organization_id))]
    assert "organizations:mine" in member_routes and "users:list" not in member_routes


def test_a_new_capability_is_one_folder_and_one_line(tmp_path):
    """tests/sample_capability declares a model, a page, a nav item, a flag kind, a job, a dashboard
    figure and an API resource; added to the list, each reaches the app: the schema, the page and its
    link (for the roles named), the flag raised by the flag job and described on the flag page, the
    job run and listed, the dashboard's table, tile and export, the API's list (filtered, in the
    caller's scope), its place in the OpenAPI document and in the API's dashboard."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("INCUBATOR_TEST_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "tests.sample_capability.drive", str(tmp_path)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["flags"] == ["lantern_out"]
    assert seen["checked"] == [1, 1]
    assert seen["nav_link"] and not seen["member_nav_link"]
    assert seen["page"] == [200, 2]
    assert seen["member_page"] == 0
    assert seen["flag_page_says"] and seen["job_listed"]
    assert seen["dashboard_table"] and seen["dashboard_tile"]
    assert seen["dashboard_csv"] == ["Park,Lit,Out", "Lantern Park,1,1"]
    assert seen["api_lanterns"] == ["North gate", "Pond"] and seen["api_unlit"] == ["Pond"]
    assert seen["api_described"] == "listLanterns"
    assert seen["api_dashboard"] == [{"key": f"park:{seen['park_id']}", "label": "Lantern Park", "values": [1, 1],
                                      "total": False}]
    assert seen["member_api_lanterns"] == []  # the rule: members see no lanterns


def test_no_capability_imports_one_listed_after_it():
    """The list in app.py is also the order of the house: a capability may use those before it
    (through imports) and reacts to those after it only through events."""
    import ast

    position = {name: index for index, name in enumerate(CAPABILITIES)}
    upward = []
    for name in CAPABILITIES:
        for path in (ROOT / "incubator" / name).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
                    [alias.name for alias in node.names] if isinstance(node, ast.Import) else [])
                for module in modules:
                    parts = module.split(".")
                    if len(parts) > 1 and parts[0] == "incubator" and position.get(parts[1], -1) > position[name]:
                        upward.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not upward, "\n".join(upward)


# The top of the house: modules that put the capabilities together (the app, the command line, the
# demonstration data, the home page; and incubator/middleware, which reads sessions). Every other
# module beside the capabilities is the ground they stand on (capability.py, access.py, events.py,
# figures.py, apitypes.py, web.py…).
TOP = {"app.py", "cli.py", "demo.py", "home.py"}


def test_the_ground_floor_imports_no_capability():
    """A module under the capabilities (incubator/*.py but the top) imports none of them: what they
    share (the dashboard's figures kit, the API's types) lives below them."""
    import ast

    ground = [p for p in (ROOT / "incubator").glob("*.py") if p.name not in TOP]
    assert {p.name for p in ground} >= {"capability.py", "figures.py", "apitypes.py", "period.py", "web.py"}
    upward = []
    for path in ground:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else [])
            upward += [f"{path.relative_to(ROOT)} imports {m}" for m in modules
                       if m.startswith("incubator.") and m.split(".")[1] in CAPABILITIES]
    assert not upward, "\n".join(upward)
