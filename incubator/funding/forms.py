"""The seed-funding forms: submitted text into typed commands (`commands.py`).

Each parser reports every wrongly typed field at once, keyed by the form's input names, and
returns a command only when all of them parse. The rules that need the database (is the fund
valid today, does the review exist) are the services'; the routes show their errors on the same
form through `FIELDS`.
"""

from __future__ import annotations

from collections.abc import Mapping

from incubator.funding.commands import MAX_TRANCHES, CreateFund, Disburse, DraftGrant, EndGrant, Repay, TrancheTerms
from incubator.funding.models import TrancheCondition
from incubator.validation import Checker, decode

# Command field → form input, where they differ (a row's `tranches[1].amount_fen` is `amount_1`).
FIELDS = {"budget_fen": "budget", "amount_fen": "amount", "tranches": "amount_0"}
# What each condition of a tranche asks for, beside its amount.
CONDITION_FIELDS = {TrancheCondition.AFTER_REVIEW: ("review_code", "min_score"),
                    TrancheCondition.ON_DATE: ("release_on",)}


def create_fund(data: Mapping[str, str]) -> CreateFund:
    return decode(CreateFund, data, names=FIELDS)


def draft_grant(data: Mapping[str, str]) -> DraftGrant:
    """Rows amount_N / condition_N / review_code_N / min_score_N / release_on_N; a row without an
    amount is no tranche."""
    check = Checker(data)
    values = check.read(DraftGrant, skip=("tranches",), names=FIELDS)
    tranches = []
    for index in range(MAX_TRANCHES):
        if not check.raw(f"amount_{index}"):
            continue
        row = check.read(TrancheTerms, "amount_fen", "condition", names=FIELDS, suffix=f"_{index}")
        if asked := CONDITION_FIELDS.get(row["condition"], ()) if "condition" in row else ():
            row |= check.read(TrancheTerms, *asked, suffix=f"_{index}", required={"review_code", "release_on"})
        tranches.append(row)
    return check.build(DraftGrant, values | {"tranches": tranches})


def end_grant(data: Mapping[str, str], *, reason_required: bool) -> EndGrant:
    """Cancelling asks for a reason, closing does not."""
    return decode(EndGrant, data, required={"reason"} if reason_required else ())


def disburse(data: Mapping[str, str]) -> Disburse:
    return decode(Disburse, data)


def repay(data: Mapping[str, str]) -> Repay:
    return decode(Repay, data, names=FIELDS)
