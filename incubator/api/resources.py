"""What the data API serves: every installed capability's resources (its manifest's
`capability.Resource`s: a Struct per resource, which both encodes the responses and generates the
OpenAPI document's schemas, and a Struct of the query parameters each takes, which parses the query
string and documents it), served here as GET endpoints.

Every list reads through `access.scope`, the same rules as the pages: a caller gets what their role
sees and nothing else; an object outside it answers 404. Lists are keyset pages by id (`after`,
`limit`, and a `next` link): a row inserted while a client pages through lands after the rows it has
read, so nothing is skipped or read twice. Columns are named and selected explicitly: a private
column added to a model later reaches no client until its resource names it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from incubator import access, capability
from incubator.api.http import conditional, endpoint, json_response, next_link, page_of, parse, principal
from incubator.apitypes import ListQuery, Page
from incubator.capability import Resource
from incubator.errors import BadRequest
from incubator.pagecache import cached


@dataclass(frozen=True)
class Operation:
    path: str  # within /api/v1
    name: str  # the operationId
    summary: str
    response: type  # what a 200 answers: Page[item] for a list
    query: type | None
    handler: Callable[[Request], Awaitable[Response]]
    tag: str


_operations: tuple[int, list[Operation]] = (-1, [])


def operations() -> list[Operation]:
    """The installed capabilities' resources as operations, in the capabilities' order."""
    global _operations
    if _operations[0] != capability.generation():
        _operations = (capability.generation(), [
            Operation(r.path, r.name, r.summary, _answer(r), r.query, _served(r), r.tag)
            for r in capability.resources()])
    return _operations[1]


def _answer(resource: Resource) -> type:
    """What a 200 carries: a page of the resource's items for a list (a generic made at run time,
    which a type checker cannot follow), else the resource's Struct."""
    return Page[resource.response] if resource.is_list else resource.response  # type: ignore[name-defined]


def _served(resource: Resource) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint of a resource. Kept per caller's scope until what it read changes (the page cache,
    as for pages), and answered 304 to a caller who has the same bytes."""

    async def serve(request: Request) -> Response:
        q = parse(request, resource.query) if resource.query is not None else None
        if not resource.is_list:
            assert resource.read is not None
            id = _path_id(request) if "{id}" in resource.path else None
            return json_response(request, await resource.read(principal(request), q, id))
        assert isinstance(q, ListQuery) and resource.model is not None
        rows = _filtered(access.scope(resource.model, principal(request)), q, resource.filters)
        if resource.narrow is not None:
            rows = await resource.narrow(rows, q)
        if q.after is not None:
            rows = rows.filter(id__gt=q.after)
        found = list(await rows.order_by("id").limit(q.limit + 1).values(*resource.columns))
        shown, after = page_of(found, q.limit, lambda row: row["id"])
        items = await resource.items(list(shown)) if resource.items is not None else [
            resource.response(**row) for row in shown]
        return json_response(request, Page(items=items, next=next_link(request, after)))

    serve.__name__ = serve.__qualname__ = resource.name
    return endpoint(conditional(cached(serve)))


def _path_id(request: Request) -> int:
    value = request.path_params["id"]
    if not 1 <= value <= 2_147_483_647:
        raise BadRequest("id is out of range", {"id": "out of range"})
    return value


def _since(value: datetime) -> datetime:
    """An instant as the database compares it (UTC: SQLite compares the stored text); out-of-range
    instants are refused."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise BadRequest("the instant is out of range") from None


def _filtered(query: Any, q: Any, lookups: Mapping[str, str]) -> Any:
    """`query` narrowed by each query parameter given (`lookups`: parameter → ORM lookup); instants
    compared in UTC."""
    for name, lookup in lookups.items():
        value = getattr(q, name)
        if value is not None:
            query = query.filter(**{lookup: _since(value) if isinstance(value, datetime) else value})
    return query
