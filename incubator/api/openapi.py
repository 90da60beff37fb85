"""The OpenAPI 3.1 document of the data API, generated from the operations' own types: the response
Structs and the query Structs that parse each request (resources.py). Nothing here is written by
hand but the words around them, so the document cannot drift from what the endpoints do."""

from __future__ import annotations

import functools
import re
from typing import Any

import msgspec

from incubator import capability
from incubator.api.http import Problem
from incubator.api.resources import Operation, operations

REF = "#/components/schemas/{name}"
VERSION = "1.0.0"

DESCRIPTION = """Read-only JSON of a district's incubation parks, for the civil-affairs systems it
reports to. Every request carries a personal API token (made on the account's "API tokens" page) as
`Authorization: Bearer <token>`; it sees what its owner's role sees on the pages, nothing more.

* Lists are keyset pages ordered by id: follow `next` until it is null. Rows inserted while you page
  through come after the ones you have read.
* `updated_since` (organizations) returns what changed at or after an instant: store when a sync
  started and pass it to the next one.
* Every response has an `ETag`; send it back as `If-None-Match` to get `304 Not Modified`.
* Errors are `application/problem+json`: 400 for a bad parameter (`errors` names it), 401 without
  a live token, 404 for what does not exist or is outside your scope, 429 when the token's requests
  this minute are used up (wait `Retry-After` seconds).
* Money is in fen (1/100 yuan); instants are RFC 3339 with an offset.
"""


def _errors() -> dict[str, Any]:
    problem = {"application/problem+json": {"schema": {"$ref": REF.format(name="Problem")}}}
    return {
        "304": {"description": "Not modified: the ETag sent in If-None-Match is still current.",
                "headers": {"ETag": {"schema": {"type": "string"}}}},
        "400": {"description": "A query parameter is wrong.", "content": problem},
        "401": {"description": "No live API token.", "content": problem,
                "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}},
        "404": {"description": "No such resource, or outside the token's scope.", "content": problem},
        "429": {"description": "Too many requests this minute.", "content": problem,
                "headers": {"Retry-After": {"schema": {"type": "integer"},
                                            "description": "Seconds until the token may ask again."}}},
    }


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or has a value: the Struct's `X | None` is just X here."""
    alternatives = [s for s in schema.get("anyOf", ()) if s != {"type": "null"}]
    if len(alternatives) == 1 and "anyOf" in schema:
        rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
        return {**alternatives[0], **rest}
    return {k: v for k, v in schema.items() if k != "default"} | (
        {"default": schema["default"]} if schema.get("default") is not None else {})


def _parameters(op: Operation, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    for name in re.findall(r"\{(\w+)\}", op.path):
        params.append({"name": name, "in": "path", "required": True,
                       "schema": {"type": "integer", "minimum": 1, "maximum": 2_147_483_647}})
    if op.query is not None:
        query = schemas[op.query.__name__]
        for name, schema in query["properties"].items():
            schema = _not_null(dict(schema))
            description = schema.pop("description", None)
            param: dict[str, Any] = {"name": name, "in": "query", "required": False, "schema": schema}
            if description:
                param["description"] = description
            params.append(param)
    return params


def document() -> dict[str, Any]:
    """The document of the installed capabilities' resources (made once per installation)."""
    return _document(capability.generation())


@functools.lru_cache(maxsize=2)
def _document(generation: int) -> dict[str, Any]:
    ops = operations()
    types = [op.response for op in ops] + [op.query for op in ops if op.query] + [Problem]
    refs, schemas = msgspec.json.schema_components(types, ref_template=REF)
    paths: dict[str, Any] = {}
    for op, ref in zip(ops, refs, strict=False):  # the responses' refs come first
        paths.setdefault(op.path, {})["get"] = {
            "operationId": op.name,
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": _parameters(op, schemas),
            "responses": {
                "200": {"description": op.summary,
                        "headers": {"ETag": {"schema": {"type": "string"}}},
                        "content": {"application/json": {"schema": ref}}},
                **_errors(),
            },
        }
    # The query Structs are parameters, not bodies: only the response types stay as schemas.
    for op in ops:
        if op.query is not None and op.query not in {o.response for o in ops}:
            schemas.pop(op.query.__name__, None)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Incubator data API", "version": VERSION, "description": DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "security": [{"token": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer",
                                          "description": "A personal API token (inc_…)."}},
        },
    }


def encoded() -> bytes:
    return msgspec.json.encode(document())
