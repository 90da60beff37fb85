"""Capabilities and what each adds to the app, declared in one manifest per package.

A capability (parks, organizations, reviews, funding…) lives in its own package and declares in
`<package>/manifest.py` everything it contributes: models, access rules, routes, navigation,
flag sources, inbox messages, audit labels, graduation criteria, scheduled jobs, panels on the
organization page, event subscriptions, its figures on the dashboard and its resources in the
data API. `app.py` holds the one list of installed capabilities; `install()` files their
contributions here, and the capabilities that show the others read them from here (the flag job
its sources, the inbox its messages, the organization page its panels, the dashboard its figures,
the data API its resources), so no capability imports a higher one and adding one never means
editing another's registry.

This module imports nothing of the capabilities: it sits at the bottom of the house.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from starlette.routing import BaseRoute

from incubator import events
from incubator.figures import Facts, Frame, Scope, Table, Tile


@dataclass(frozen=True)
class NavItem:
    """A link in the main navigation for the given roles (role values), in `order`."""

    route: str
    label: str  # marked with N_, translated when shown
    roles: frozenset[str]
    order: int = 100


@dataclass(frozen=True)
class FlagKind:
    key: str
    name: str  # short, for the flag list's filter (N_)
    sentence: str  # the flag in a sentence, with %(placeholders)s from its details (N_)


@dataclass(frozen=True)
class FlagSource:
    """Says which flags the current state calls for; the flag job reconciles them with what is stored."""

    name: str
    kinds: tuple[FlagKind, ...]
    find: Callable[[date], Awaitable[list[Any]]]  # → list of flags.service.Wanted


@dataclass(frozen=True)
class MessageKind:
    """One kind of inbox message: a sentence with %(placeholders)s from its details, or a renderer."""

    key: str
    text: str  # N_
    render: Callable[[dict], str] | None = None


@dataclass(frozen=True)
class AuditKind:
    """How the audit trail names one kind of object, its fields and their coded values."""

    object_type: str
    label: str  # N_
    fields: Mapping[str, Any] = field(default_factory=dict)  # name → audit.labels.Field or a label


@dataclass(frozen=True)
class Criterion:
    """One check of the graduation checklist: an async function of the organization → Check."""

    key: str
    check: Callable[[Any], Awaitable[Any]]


@dataclass(frozen=True)
class Job:
    """A scheduled job: it picks its targets and calls a service; idempotent, run hourly."""

    name: str
    run: Callable[[Any], Awaitable[dict]]  # (settings) → counts
    label: str  # N_
    count_labels: Mapping[str, str] = field(default_factory=dict)  # count key → N_ label
    minutes: int = 60
    order: int = 100  # jobs run in this order: what others read from is brought up to date first


@dataclass(frozen=True)
class Panel:
    """A section of the organization page: `load(principal, organization)` returns the template's
    context, or None when the panel has nothing to show this principal."""

    key: str
    template: str
    load: Callable[[Any, Any], Awaitable[dict | None]]
    order: int = 100


@dataclass(frozen=True)
class ParkFigure:
    """A count shown for each park on the park list and the home page's park cards: `count(park_ids)`
    answers {park id: n} in one grouped query, whatever the number of parks."""

    key: str
    column: str  # the list's column heading (N_)
    sentence: str  # on a card, with %(n)s (N_); with `plural`, the singular, with %(num)s
    count: Callable[[list[int]], Awaitable[dict[int, int]]]
    order: int = 100
    plural: str = ""  # the sentence's plural (ngettext): "1 organization", "2 organizations"


@dataclass(frozen=True)
class ParkLink:
    """A link on a park's page to a page of another capability (its admission scorecard, its review
    plan, its public application form), shown when `shows(principal, park)` says so."""

    key: str
    route: str  # a route taking the park's id
    label: str  # N_
    shows: Callable[[Any, Any], bool]
    order: int = 100


@dataclass(frozen=True)
class SpaceLink:
    """A link on a space's page to a page of another capability about that space (its week, its
    booking form), shown when `await shows(principal, space)` says so."""

    key: str
    route: str  # a route taking the space's id
    label: str  # N_
    shows: Callable[[Any, Any], Awaitable[bool]]
    order: int = 100


@dataclass(frozen=True)
class SignInPanel:
    """A section of the public sign-in page (where applicants arrive too): `load()` returns the
    template's context, or None when there is nothing to show."""

    key: str
    template: str
    load: Callable[[], Awaitable[dict | None]]
    order: int = 100


@dataclass(frozen=True)
class DashboardTable:
    """A table of the dashboard, which is also a sheet of the monthly report, a CSV and a table of
    the data API's dashboard: `build(facts, frame)` makes it from the facts; `tile(table, frame,
    ended)` answers its summary tile above the tables, if it has one (from the table's own total,
    so that the two never disagree). Tables and tiles are shown in `order`."""

    key: str
    title: str  # N_
    build: Callable[[Facts, Frame], Table]
    tile: Callable[[Table, Frame, bool], Tile | None] | None = None
    order: int = 100


@dataclass(frozen=True)
class Figures:
    """A capability's part of the dashboard: the sections of facts it sums for a scope
    (`compute(scope)` answers {section: rows}, in a fixed number of grouped queries whatever the
    data), each with the column that holds its rows' park (`sections`; a row whose park is None is
    the district's, kept whatever the parks); and the tables built from them. A closed month keeps
    every section's rows as reported."""

    sections: Mapping[str, int]
    compute: Callable[[Scope], Awaitable[Facts]]
    tables: Sequence[DashboardTable] = ()


@dataclass(frozen=True)
class Resource:
    """A resource of the read-only data API, at /api/v1 + `path`. The API frame parses its query
    (`query`, a Struct; a list's extends apitypes.ListQuery), answers JSON with an ETag, keeps the
    answer with the page cache and describes it in the OpenAPI document.

    A list (`model` given) reads the rows of `model` the caller may see (access.scope), narrowed by
    each query parameter given (`filters`: parameter → ORM lookup; instants compared in UTC) and by
    `await narrow(rows, query)` for what a lookup cannot say, as keyset pages by id selecting
    `columns`; `await items(rows)` makes a page's items (`response(**row)` by default). Anything
    else (one object by the `{id}` in its path, a report) is `await read(principal, query, id)`.
    Refusals are errors.py's: NotFound answers 404, BadRequest 400."""

    path: str  # within /api/v1
    name: str  # the operationId
    summary: str
    tag: str
    response: type  # a Struct: a list's item, or the answer
    query: type | None = None
    model: type | None = None
    filters: Mapping[str, str] = field(default_factory=dict)
    narrow: Callable[[Any, Any], Awaitable[Any]] | None = None
    columns: tuple[str, ...] = ()
    items: Callable[[list[dict[str, Any]]], Awaitable[list[Any]]] | None = None
    read: Callable[[Any, Any, int | None], Awaitable[Any]] | None = None

    @property
    def is_list(self) -> bool:
        return self.model is not None


@dataclass(frozen=True)
class Subscription:
    event: type[events.Event]
    handler: Callable[[Any], Awaitable[None]]


@dataclass(frozen=True)
class Capability:
    name: str
    models: str | None = None  # module of Tortoise models
    rules: str | None = None  # module registering access rules (incubator.access.rule)
    routes: Callable[[], Sequence[BaseRoute]] | None = None  # imported when the app is built
    nav: Sequence[NavItem] = ()
    flag_sources: Sequence[FlagSource] = ()
    messages: Sequence[MessageKind] = ()
    audit: Sequence[AuditKind] = ()
    criteria: Sequence[Criterion] = ()
    jobs: Sequence[Job] = ()
    panels: Sequence[Panel] = ()
    sign_in_panels: Sequence[SignInPanel] = ()
    park_figures: Sequence[ParkFigure] = ()
    park_links: Sequence[ParkLink] = ()
    space_links: Sequence[SpaceLink] = ()
    subscriptions: Sequence[Subscription] = ()
    figures: Figures | None = None  # its part of the dashboard
    resources: Sequence[Resource] = ()  # its part of the data API
    # A folder of the capability's own templates, for one that lives outside this project (a
    # plug-in); the project's capabilities keep theirs in templates/<name>/.
    templates: str | None = None


# ---- the registry --------------------------------------------------------------------------------

_installed: list[Capability] = []
_generation = 0  # bumped by each install, so readers can cache what they derive from the registry


def load(names: Iterable[str]) -> list[Capability]:
    """The manifests of the named capability packages (`incubator.<name>` or a dotted package)."""
    manifests = []
    for name in names:
        package = name if "." in name else f"incubator.{name}"
        manifests.append(importlib.import_module(f"{package}.manifest").capability)
    return manifests


def install(capabilities: Sequence[Capability]) -> None:
    """Files every contribution (again: installing twice the same list changes nothing)."""
    names = [c.name for c in capabilities]
    if len(set(names)) != len(names):
        raise RuntimeError(f"a capability is listed twice: {names}")
    global _generation
    _installed[:] = list(capabilities)
    _generation += 1
    events.unsubscribe_all()
    for capability in capabilities:
        if capability.rules:
            importlib.import_module(capability.rules)
        for subscription in capability.subscriptions:
            events.subscribe(subscription.event, subscription.handler)
    _check_unique("flag kind", [k.key for s in flag_sources() for k in s.kinds])
    _check_unique("message kind", [m.key for m in message_kinds()])
    _check_unique("criterion", [c.key for c in criteria()])
    _check_unique("job", [j.name for j in jobs()])
    _check_unique("panel", [p.key for p in panels()])
    _check_unique("sign-in panel", [p.key for p in sign_in_panels()])
    _check_unique("park figure", [f.key for f in park_figures()])
    _check_unique("park link", [link.key for link in park_links()])
    _check_unique("space link", [link.key for link in space_links()])
    _check_unique("dashboard section", [key for f in dashboard_figures() for key in f.sections])
    _check_unique("dashboard table", [t.key for t in dashboard_tables()])
    _check_unique("API resource", [r.name for r in resources()])
    _check_unique("API path", [r.path for r in resources()])


def _check_unique(what: str, keys: list[str]) -> None:
    seen = set()
    for key in keys:
        if key in seen:
            raise RuntimeError(f"two capabilities declare the {what} {key!r}")
        seen.add(key)


def installed() -> list[Capability]:
    return list(_installed)


def generation() -> int:
    return _generation


def model_modules(capabilities: Sequence[Capability] | None = None) -> list[str]:
    return [c.models for c in (capabilities if capabilities is not None else _installed) if c.models]


def routes() -> list[BaseRoute]:
    return [route for c in _installed if c.routes for route in c.routes()]


def nav_items() -> list[NavItem]:
    return sorted((item for c in _installed for item in c.nav), key=lambda item: item.order)


def flag_sources() -> list[FlagSource]:
    return [source for c in _installed for source in c.flag_sources]


def flag_kinds() -> dict[str, FlagKind]:
    return {kind.key: kind for source in flag_sources() for kind in source.kinds}


def message_kinds() -> list[MessageKind]:
    return [m for c in _installed for m in c.messages]


def audit_kinds() -> list[AuditKind]:
    return [a for c in _installed for a in c.audit]


def criteria() -> list[Criterion]:
    return [item for c in _installed for item in c.criteria]


def jobs() -> list[Job]:
    return sorted((job for c in _installed for job in c.jobs), key=lambda job: job.order)


def panels() -> list[Panel]:
    return sorted((p for c in _installed for p in c.panels), key=lambda p: p.order)


def sign_in_panels() -> list[SignInPanel]:
    return sorted((p for c in _installed for p in c.sign_in_panels), key=lambda p: p.order)


def park_figures() -> list[ParkFigure]:
    return sorted((f for c in _installed for f in c.park_figures), key=lambda f: f.order)


def park_links() -> list[ParkLink]:
    return sorted((link for c in _installed for link in c.park_links), key=lambda link: link.order)


def space_links() -> list[SpaceLink]:
    return sorted((link for c in _installed for link in c.space_links), key=lambda link: link.order)


def dashboard_figures() -> list[Figures]:
    return [c.figures for c in _installed if c.figures is not None]


def dashboard_tables() -> list[DashboardTable]:
    return sorted((t for f in dashboard_figures() for t in f.tables), key=lambda t: t.order)


def resources() -> list[Resource]:
    return [r for c in _installed for r in c.resources]
