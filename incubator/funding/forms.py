"""The seed-funding forms: submitted text into typed commands (`commands.py`).

Each parser reports every wrongly typed field at once, keyed by the form's input names, and
returns a command only when all of them parse. The rules that need the database (is the fund
valid today, does the review exist) are the services'; the routes show their errors on the same
form through `FIELDS`.
"""

from __future__ import annotations

from collections.abc import Mapping

from incubator.funding.commands import CreateFund, Disburse, DraftGrant, EndGrant, Repay, TrancheTerms
from incubator.funding.models import FundSource, TrancheCondition
from incubator.validation import IN_SERVICE, Checker

MAX_TRANCHES = 6
# Command field → form input, where they differ (a row's `tranches[1].amount_fen` is `amount_1`).
FIELDS = {"budget_fen": "budget", "amount_fen": "amount", "tranches": "amount_0"}


def create_fund(data: Mapping[str, str]) -> CreateFund:
    check = Checker(data)
    name = check.text("name", 100, required=True)
    source = check.choice("source", FundSource)
    fiscal_year = check.integer("fiscal_year", minimum=2000, maximum=2100, required=True)
    budget = check.money("budget")
    valid_from = check.date("valid_from", required=True, within=IN_SERVICE)
    valid_to = check.date("valid_to", required=True, within=IN_SERVICE)
    park_id = check.integer("park_id", minimum=1)
    check.done()
    assert source is not None and fiscal_year is not None and budget is not None
    assert valid_from is not None and valid_to is not None
    return CreateFund(name=name, source=source, fiscal_year=fiscal_year, budget_fen=budget, valid_from=valid_from,
                      valid_to=valid_to, park_id=park_id)


def draft_grant(data: Mapping[str, str]) -> DraftGrant:
    """Rows amount_N / condition_N / review_code_N / min_score_N / release_on_N; a row without an
    amount is no tranche."""
    check = Checker(data)
    fund_id = check.integer("fund_id", minimum=1, required=True)
    purpose = check.text("purpose", 300, required=True)
    amount = check.money("amount")
    tranches = []
    for index in range(MAX_TRANCHES):
        if not check.raw(f"amount_{index}"):
            continue
        row_amount = check.money(f"amount_{index}")
        condition = check.choice(f"condition_{index}", TrancheCondition)
        review_code, min_score, release_on = "", None, None
        if condition == TrancheCondition.AFTER_REVIEW:
            review_code = check.text(f"review_code_{index}", 40, required=True)
            min_score = check.integer(f"min_score_{index}", minimum=0, maximum=100)
        if condition == TrancheCondition.ON_DATE:
            release_on = check.date(f"release_on_{index}", required=True, within=IN_SERVICE)
        if row_amount is not None and condition is not None:
            tranches.append(TrancheTerms(amount_fen=row_amount, condition=condition, review_code=review_code,
                                         min_score=min_score, release_on=release_on))
    check.done()
    assert fund_id is not None and amount is not None
    return DraftGrant(fund_id=fund_id, purpose=purpose, amount_fen=amount, tranches=tuple(tranches))


def end_grant(data: Mapping[str, str], *, reason_required: bool) -> EndGrant:
    check = Checker(data)
    reason = check.text("reason", 300, required=reason_required)
    check.done()
    return EndGrant(reason=reason)


def disburse(data: Mapping[str, str]) -> Disburse:
    check = Checker(data)
    paid_on = check.date("paid_on", required=True, within=IN_SERVICE)
    voucher = check.text("voucher", 60, required=True)
    check.done()
    assert paid_on is not None
    return Disburse(paid_on=paid_on, voucher=voucher)


def repay(data: Mapping[str, str]) -> Repay:
    check = Checker(data)
    amount = check.money("amount")
    on_date = check.date("on_date", required=True, within=IN_SERVICE)
    reason = check.text("reason", 300, required=True)
    voucher = check.text("voucher", 60)
    check.done()
    assert amount is not None and on_date is not None
    return Repay(amount_fen=amount, on_date=on_date, reason=reason, voucher=voucher)
