"""The types a capability's data API resources (`capability.Resource`) are written with: ids,
codes, money, instants and years as the OpenAPI document describes them, a page of a list and the
query parameters every list takes. Field names are part of the contract: renaming one is a new
version of the API (/api/v2)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, TypeVar

from msgspec import Meta, Struct

T = TypeVar("T")
Id = Annotated[int, Meta(ge=1, le=2_147_483_647)]
Code = Annotated[str, Meta(min_length=1, max_length=40, pattern="^[A-Za-z0-9_-]+$")]
Fen = Annotated[int, Meta(description="An amount of money in fen (1/100 yuan, CNY).")]
Moment = Annotated[datetime, Meta(tz=True, description="An instant, RFC 3339 with its offset.")]
Year = Annotated[int, Meta(ge=2000, le=2100)]


class Page(Struct, Generic[T], kw_only=True):
    """One page of a list: follow `next` (null on the last page) for the rest."""

    items: list[T]
    next: str | None = None


class ListQuery(Struct, kw_only=True):
    limit: Annotated[int, Meta(ge=1, le=500, description="Rows per page (default 100).")] = 100
    after: Annotated[int, Meta(ge=0, le=2_147_483_647, description=(
        "Continue after this id: the value the previous page's `next` link carries."))] | None = None


def columns(kind: type[Struct], *without: str) -> tuple[str, ...]:
    """The columns a list selects: its item's fields, but those it computes."""
    return tuple(name for name in kind.__struct_fields__ if name not in without)
