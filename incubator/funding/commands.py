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
from incubator.validation import IN_SERVICE, within

# A form types it in yuan as people write it (12,000.50, 1.2万): money.parse_fen.
Fen = Annotated[int, Meta(gt=0, le=MAX_FEN, description="an amount in fen (1 yuan = 100 fen)", extra={"form": "yuan"})]
Day = Annotated[date, within(IN_SERVICE)]
MAX_TRANCHES = 6
Text = Annotated[str, Meta(max_length=300)]


class CreateFund(Struct, frozen=True, kw_only=True):
    name: Annotated[str, Meta(min_length=1, max_length=100)]
    source: FundSource
    fiscal_year: Annotated[int, Meta(ge=2000, le=2100)]
    budget_fen: Fen
    valid_from: Day
    valid_to: Day
    park_id: Annotated[int, Meta(ge=1)] | None = None  # None: the district's fund


class TrancheTerms(Struct, frozen=True, kw_only=True):
    amount_fen: Fen
    condition: TrancheCondition
    review_code: Annotated[str, Meta(max_length=40)] = ""  # after_review: the milestone review (its code)
    min_score: Annotated[int, Meta(ge=0, le=100)] | None = None
    release_on: Day | None = None  # on_date


class DraftGrant(Struct, frozen=True, kw_only=True):
    fund_id: Annotated[int, Meta(ge=1)]
    purpose: Annotated[str, Meta(min_length=1, max_length=300)]
    amount_fen: Fen
    tranches: Annotated[tuple[TrancheTerms, ...], Meta(max_length=MAX_TRANCHES)]


class EndGrant(Struct, frozen=True, kw_only=True):
    """Cancel (reason required) or close (reason optional) a grant."""

    reason: Text = ""


class Disburse(Struct, frozen=True, kw_only=True):
    paid_on: Day
    voucher: Annotated[str, Meta(min_length=1, max_length=60)]


class Repay(Struct, frozen=True, kw_only=True):
    amount_fen: Fen
    on_date: Day
    reason: Annotated[str, Meta(min_length=1, max_length=300)]
    voucher: Annotated[str, Meta(max_length=60)] = ""
