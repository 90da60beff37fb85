"""Seed funding in the data API: the funds and their totals, the grants and what has been paid."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from msgspec import Meta, Struct

from incubator.apitypes import Fen, Id, ListQuery, Year, columns
from incubator.capability import Resource
from incubator.funding.models import Fund, FundSource, Grant, GrantStatus


class FundOut(Struct, kw_only=True):
    """A seed fund and its totals; `available_fen` is what is not yet committed to grants."""

    id: int
    name: str
    source: FundSource
    park_id: Annotated[int | None, Meta(description="None: a district-wide fund.")]
    fiscal_year: int
    budget_fen: Fen
    committed_fen: Fen
    disbursed_fen: Fen
    available_fen: Fen
    valid_from: date
    valid_to: date


class FundQuery(ListQuery, kw_only=True):
    fiscal_year: Year | None = None
    park: Id | None = None


class GrantOut(Struct, kw_only=True):
    """A grant of a fund to an organization: its amount and what has been paid of it."""

    id: int
    fund_id: int
    organization_id: int
    status: GrantStatus
    amount_fen: Fen
    disbursed_fen: Fen
    approved_at: datetime | None
    ended_at: datetime | None


class GrantQuery(ListQuery, kw_only=True):
    fund: Id | None = None
    organization: Id | None = None
    status: GrantStatus | None = None


async def _funds(rows: list[dict[str, Any]]) -> list[FundOut]:
    return [FundOut(**row, available_fen=row["budget_fen"] - row["committed_fen"]) for row in rows]


resources = (
    Resource("/funds", "listFunds", "Seed funds and their totals", "funding", FundOut, FundQuery, model=Fund,
             filters={"fiscal_year": "fiscal_year", "park": "park_id"}, columns=columns(FundOut, "available_fen"),
             items=_funds),
    Resource("/grants", "listGrants", "Grants and what has been paid", "funding", GrantOut, GrantQuery, model=Grant,
             filters={"fund": "fund_id", "organization": "organization_id", "status": "status"},
             columns=columns(GrantOut)),
)
