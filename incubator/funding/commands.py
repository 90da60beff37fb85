"""What a user asks of seed funding, as typed, immutable commands.

The HTML forms (`forms.py`) and the JSON API build the same commands; the services take only
these. Amounts are integer fen. `msgspec.json.schema(DraftGrant)` gives the JSON Schema.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from msgspec import Meta, Struct

from incubator.funding.models import FundSource, TrancheCondition
from incubator.money import MAX_FEN

Fen = Annotated[int, Meta(gt=0, le=MAX_FEN, description="an amount in fen (1 yuan = 100 fen)")]
Text = Annotated[str, Meta(max_length=300)]


class CreateFund(Struct, frozen=True, kw_only=True):
    name: Annotated[str, Meta(min_length=1, max_length=100)]
    source: FundSource
    fiscal_year: Annotated[int, Meta(ge=2000, le=2100)]
    budget_fen: Fen
    valid_from: date
    valid_to: date
    park_id: int | None = None  # None: the district's fund


class TrancheTerms(Struct, frozen=True, kw_only=True):
    amount_fen: Fen
    condition: TrancheCondition
    review_code: str = ""  # after_review: the milestone review (its code) that must pass
    min_score: Annotated[int, Meta(ge=0, le=100)] | None = None
    release_on: date | None = None  # on_date


class DraftGrant(Struct, frozen=True, kw_only=True):
    fund_id: int
    purpose: Annotated[str, Meta(min_length=1, max_length=300)]
    amount_fen: Fen
    tranches: tuple[TrancheTerms, ...]


class EndGrant(Struct, frozen=True, kw_only=True):
    """Cancel (reason required) or close (reason optional) a grant."""

    reason: Text = ""


class Disburse(Struct, frozen=True, kw_only=True):
    paid_on: date
    voucher: Annotated[str, Meta(min_length=1, max_length=60)]


class Repay(Struct, frozen=True, kw_only=True):
    amount_fen: Fen
    on_date: date
    reason: Annotated[str, Meta(min_length=1, max_length=300)]
    voucher: Annotated[str, Meta(max_length=60)] = ""
