"""Seed-funding rules. Each public function is one transaction: the status change is a
conditional UPDATE, the fund's and the grant's running totals move by conditional UPDATEs the
database checks, the ledger entry and the audit entry are written alongside."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from incubator.access import Principal, require_role
from incubator.audit import service as audit
from incubator.auth.models import Role
from incubator.errors import DomainError, ValidationFailed
from incubator.funding.models import (
    Fund,
    FundSource,
    Grant,
    GrantStatus,
    LedgerEntry,
    Tranche,
    TrancheCondition,
    TrancheStatus,
)
from incubator.i18n import gettext as _
from incubator.money import MoneyError, parse_fen
from incubator.organizations.models import RESIDENT_STAGES, Organization
from incubator.organizations.service import clean_date
from incubator.parks.models import Park
from incubator.validation import Checker

MAX_TRANCHES = 6
OPEN_TRANCHES = (TrancheStatus.PENDING, TrancheStatus.READY, TrancheStatus.HELD)


def _today() -> date:
    return datetime.now(UTC).date()


def clean_money(check: Checker, name: str, required: bool = True) -> int | None:
    raw = check.raw(name)
    if not raw and not required:
        return None
    try:
        return parse_fen(raw)
    except MoneyError as exc:
        check.fail(name, exc.message)
        return None


async def _entry(principal: Principal | None, fund_id: int, kind: str, *, grant: Grant | None = None,
                 tranche: Tranche | None = None, committed: int = 0, disbursed: int = 0, on: date | None = None,
                 voucher: str = "", note: str = "") -> None:
    await LedgerEntry.create(
        fund_id=fund_id, grant_id=grant.id if grant else None, tranche_id=tranche.id if tranche else None,
        kind=kind, committed_delta_fen=committed, disbursed_delta_fen=disbursed, on_date=on or _today(),
        voucher=voucher, note=note[:300], actor_id=principal.id if principal else None, at=datetime.now(UTC))


# ---- funds -----------------------------------------------------------------------------------------


async def create_fund(principal: Principal, data: Mapping[str, str]) -> Fund:
    require_role(principal, Role.ADMIN, Role.OFFICIAL)
    check = Checker(data)
    values: dict[str, object] = {
        "name": check.text("name", 100, required=True),
        "source": check.choice("source", FundSource),
        "fiscal_year": check.integer("fiscal_year", minimum=2000, maximum=2100, required=True),
        "budget_fen": clean_money(check, "budget"),
        "valid_from": clean_date(check, "valid_from", required=True),
        "valid_to": clean_date(check, "valid_to", required=True),
    }
    park_id = check.integer("park_id", minimum=1)
    if park_id is not None and not await Park.filter(id=park_id).exists():
        check.fail("park_id", _("Choose one of the options."))
    values["park_id"] = park_id
    if values["valid_from"] and values["valid_to"] and values["valid_to"] < values["valid_from"]:  # type: ignore[operator]
        check.fail("valid_to", _("The fund must end after it starts."))
    if values["name"] and await Fund.filter(name=values["name"]).exists():
        check.fail("name", _("Another fund already has this name."))
    check.done()
    try:
        async with in_transaction():
            fund = await Fund.create(**values)
            await audit.record(principal, "create", fund, audit.diff({}, {
                "name": fund.name, "budget_fen": fund.budget_fen, "park_id": park_id, "source": fund.source}))
    except IntegrityError:
        raise ValidationFailed({"name": _("Another fund already has this name.")}) from None
    return fund


# ---- grants ----------------------------------------------------------------------------------------


def _clean_tranches(check: Checker, total: int | None) -> list[dict]:
    rows = []
    for index in range(MAX_TRANCHES):
        if not check.raw(f"amount_{index}"):
            continue
        amount = clean_money(check, f"amount_{index}")
        condition = check.choice(f"condition_{index}", TrancheCondition)
        row: dict[str, object] = {"sequence": len(rows) + 1, "amount_fen": amount, "condition": condition}
        if condition == TrancheCondition.AFTER_REVIEW:
            row["review_code"] = check.text(f"review_code_{index}", 40, required=True)
            row["min_score"] = check.integer(f"min_score_{index}", minimum=0, maximum=100)
        if condition == TrancheCondition.ON_DATE:
            row["release_on"] = clean_date(check, f"release_on_{index}", required=True)
        rows.append(row)
    if not rows:
        check.fail("amount_0", _("A grant needs at least one tranche."))
    elif total is not None and all(r["amount_fen"] for r in rows):
        if sum(int(r["amount_fen"]) for r in rows) != total:  # type: ignore[arg-type]
            check.fail("amount_0", _("The tranches must add up to the grant's amount."))
    return rows


async def draft_grant(principal: Principal, organization: Organization, data: Mapping[str, str]) -> Grant:
    """A manager drafts a grant for an organization of their park (fetched through the change
    scope); it commits no money until it is approved."""
    require_role(principal, Role.ADMIN, Role.MANAGER)
    check = Checker(data)
    fund_id = check.integer("fund_id", minimum=1, required=True)
    fund = None
    if fund_id is not None:
        fund = await Fund.get_or_none(id=fund_id)
        if fund is None or (fund.park_id is not None and fund.park_id != organization.park_id):
            check.fail("fund_id", _("Choose one of the options."))
        elif not (fund.valid_from <= _today() <= fund.valid_to):
            check.fail("fund_id", _("This fund is not valid today."))
    purpose = check.text("purpose", 300, required=True)
    amount = clean_money(check, "amount")
    if organization.stage not in RESIDENT_STAGES:
        check.fail("__all__", _("Only admitted or incubating organizations receive seed funding."))
    tranches = _clean_tranches(check, amount)
    check.done()
    assert fund is not None and amount is not None
    async with in_transaction():
        grant = await Grant.create(fund_id=fund.id, organization_id=organization.id, purpose=purpose,
                                   amount_fen=amount, created_by_id=principal.id)
        await Tranche.bulk_create([Tranche(grant_id=grant.id, **row) for row in tranches])
        await audit.record(principal, "create", grant, audit.diff({}, {
            "fund": fund.name, "amount_fen": amount, "purpose": purpose, "tranches": len(tranches)}),
            object_repr=f"{organization.name_zh}: {purpose}"[:200])
    return grant


async def _move(grant: Grant, source: tuple[GrantStatus, ...], target: GrantStatus, **fields: object) -> None:
    moved = await Grant.filter(id=grant.id, status__in=list(source)).update(status=target, **fields)
    if not moved:
        raise DomainError(_("Someone changed this grant meanwhile. Reload the page and try again."))
    grant.status = target


async def propose(principal: Principal, grant: Grant, threshold_fen: int) -> None:
    """Grants above `threshold_fen` (INCUBATOR_GRANT_APPROVAL_THRESHOLD_YUAN) need an official."""
    require_role(principal, Role.ADMIN, Role.MANAGER)
    async with in_transaction():
        needs_official = grant.amount_fen > threshold_fen
        await _move(grant, (GrantStatus.DRAFT,), GrantStatus.PROPOSED, proposed_at=datetime.now(UTC),
                    needs_official=needs_official)
        await audit.record(principal, "update", grant, {"status": ["draft", "proposed"],
                                                        "needs_official": [None, needs_official]})


async def approve(principal: Principal, grant: Grant) -> None:
    """Commits the grant's amount to its fund. The conditional UPDATE adds the amount only while
    the fund has room: of concurrent approvals, exactly those that fit succeed."""
    if grant.needs_official:
        require_role(principal, Role.ADMIN, Role.OFFICIAL)
    else:
        require_role(principal, Role.ADMIN, Role.OFFICIAL, Role.MANAGER)
    async with in_transaction():
        await _move(grant, (GrantStatus.PROPOSED,), GrantStatus.ACTIVE, approved_at=datetime.now(UTC),
                    approved_by_id=principal.id)
        fitted = await Fund.filter(id=grant.fund_id, committed_fen__lte=F("budget_fen") - grant.amount_fen).update(
            committed_fen=F("committed_fen") + grant.amount_fen)
        if not fitted:
            raise DomainError(_("The fund does not have %(amount)s left to commit.",
                                amount=f"¥{grant.amount_fen / 100:,.2f}"))
        await _entry(principal, grant.fund_id, "commit", grant=grant, committed=grant.amount_fen)
        await Tranche.filter(grant_id=grant.id, condition=TrancheCondition.ON_SIGNING).update(
            status=TrancheStatus.READY, status_reason="")
        await audit.record(principal, "update", grant, {"status": ["proposed", "active"],
                                                        "committed_fen": [None, grant.amount_fen]})
    await refresh_readiness(grant_id=grant.id)


async def _end(principal: Principal, grant: Grant, target: GrantStatus, reason: str) -> None:
    """Cancelling or closing releases what is committed and not paid, back to the fund."""
    was = GrantStatus(grant.status)
    async with in_transaction():
        await _move(grant, (GrantStatus.DRAFT, GrantStatus.PROPOSED, GrantStatus.ACTIVE), target,
                    ended_at=datetime.now(UTC))
        if was == GrantStatus.ACTIVE:
            fresh = await Grant.get(id=grant.id)
            remaining = fresh.amount_fen - fresh.disbursed_fen
            if remaining:
                await Fund.filter(id=grant.fund_id).update(committed_fen=F("committed_fen") - remaining)
                await _entry(principal, grant.fund_id, "release", grant=grant, committed=-remaining, note=reason)
        await Tranche.filter(grant_id=grant.id, status__in=list(OPEN_TRANCHES)).update(
            status=TrancheStatus.CANCELLED, status_reason=reason[:300])
        await audit.record(principal, "update", grant, {"status": [was.value, target.value], "reason": [None, reason]})


async def cancel(principal: Principal, grant: Grant, data: Mapping[str, str]) -> None:
    require_role(principal, Role.ADMIN, Role.OFFICIAL, Role.MANAGER)
    check = Checker(data)
    reason = check.text("reason", 300, required=True)
    check.done()
    await _end(principal, grant, GrantStatus.CANCELLED, reason)


async def close(principal: Principal, grant: Grant, data: Mapping[str, str]) -> None:
    require_role(principal, Role.ADMIN, Role.OFFICIAL, Role.MANAGER)
    if grant.status != GrantStatus.ACTIVE:
        raise DomainError(_("Only an active grant can be closed."))
    check = Checker(data)
    reason = check.text("reason", 300) or _("Closed")
    await _end(principal, grant, GrantStatus.CLOSED, reason)


# ---- tranches ---------------------------------------------------------------------------------------


async def refresh_readiness(today: date | None = None, grant_id: int | None = None,
                            organization_id: int | None = None) -> dict[str, int]:
    """Pending tranches of active grants become ready when their condition is met (the date has
    come, or the named review passed with the minimum score) and held when that review failed.
    Idempotent: the scheduled jobs call it, and so does a review's decision."""
    from incubator.reviews.models import Review
    from incubator.reviews.scoring import outcome

    today = today or _today()
    tranches = Tranche.filter(status__in=[TrancheStatus.PENDING, TrancheStatus.HELD],
                              grant__status=GrantStatus.ACTIVE).select_related("grant")
    if grant_id is not None:
        tranches = tranches.filter(grant_id=grant_id)
    if organization_id is not None:
        tranches = tranches.filter(grant__organization_id=organization_id)
    ready = held = 0
    for tranche in await tranches:
        new_status, reason = None, ""
        if tranche.condition == TrancheCondition.ON_DATE and tranche.release_on and tranche.release_on <= today:
            new_status = TrancheStatus.READY
        elif tranche.condition == TrancheCondition.AFTER_REVIEW:
            review = await Review.filter(organization_id=tranche.grant.organization_id, code=tranche.review_code,
                                         decision__isnull=False).order_by("-decided_at", "-id").first()
            if review is not None:
                result = await outcome(review.id)
                score_ok = tranche.min_score is None or (result.overall is not None
                                                         and result.overall >= tranche.min_score)
                if result.passed and score_ok:
                    new_status = TrancheStatus.READY
                else:
                    new_status = TrancheStatus.HELD
                    reason = (_("The review did not pass.") if not result.passed else
                              _("The review scored %(score)s, below the %(min)s required.",
                                score=result.overall, min=tranche.min_score))
        if new_status is not None and (new_status != tranche.status or reason != tranche.status_reason):
            await Tranche.filter(id=tranche.id, status=tranche.status).update(status=new_status, status_reason=reason)
            ready += new_status == TrancheStatus.READY
            held += new_status == TrancheStatus.HELD
    return {"ready": ready, "held": held}


async def disburse(principal: Principal, tranche: Tranche, data: Mapping[str, str]) -> None:
    """Records a payment. The tranche moves from ready to paid once (a conditional UPDATE); the
    grant's and the fund's totals move with the database checking their limits."""
    require_role(principal, Role.ADMIN, Role.MANAGER)
    check = Checker(data)
    paid_on = clean_date(check, "paid_on", required=True, not_after=_today())
    voucher = check.text("voucher", 60, required=True)
    check.done()
    grant = await Grant.get(id=tranche.grant_id)
    try:
        async with in_transaction():
            paid = await Tranche.filter(id=tranche.id, status=TrancheStatus.READY).update(
                status=TrancheStatus.PAID, paid_on=paid_on, voucher=voucher)
            if not paid:
                raise DomainError(_("This tranche is not ready to pay, or has been paid already."))
            if not await Grant.filter(id=grant.id, status=GrantStatus.ACTIVE).update(
                    disbursed_fen=F("disbursed_fen") + tranche.amount_fen):
                raise DomainError(_("Someone changed this grant meanwhile. Reload the page and try again."))
            await Fund.filter(id=grant.fund_id).update(disbursed_fen=F("disbursed_fen") + tranche.amount_fen)
            await _entry(principal, grant.fund_id, "disburse", grant=grant, tranche=tranche,
                         disbursed=tranche.amount_fen, on=paid_on, voucher=voucher)
            await audit.record(principal, "update", tranche, {"status": ["ready", "paid"], "voucher": [None, voucher],
                                                              "amount_fen": [None, tranche.amount_fen]},
                               object_repr=f"{grant.purpose} #{tranche.sequence}"[:200])
    except IntegrityError:
        # A check constraint said no: the grant or the fund would be overdrawn.
        raise DomainError(_("This payment would pay out more than the grant or the fund allows.")) from None


async def repay(principal: Principal, grant: Grant, data: Mapping[str, str]) -> None:
    """A repayment or claw-back: a reversing entry, never an edit of the payment."""
    require_role(principal, Role.ADMIN, Role.MANAGER)
    check = Checker(data)
    amount = clean_money(check, "amount")
    on = clean_date(check, "on_date", required=True, not_after=_today())
    reason = check.text("reason", 300, required=True)
    voucher = check.text("voucher", 60)
    fresh = await Grant.get(id=grant.id)
    if amount is not None and amount > fresh.disbursed_fen:
        check.fail("amount", _("At most %(amount)s has been paid out on this grant.",
                               amount=f"¥{fresh.disbursed_fen / 100:,.2f}"))
    check.done()
    assert amount is not None
    try:
        async with in_transaction():
            moved = await Grant.filter(id=grant.id, disbursed_fen__gte=amount).update(
                disbursed_fen=F("disbursed_fen") - amount)
            if not moved:
                raise DomainError(_("Someone changed this grant meanwhile. Reload the page and try again."))
            await Fund.filter(id=grant.fund_id).update(disbursed_fen=F("disbursed_fen") - amount)
            await _entry(principal, grant.fund_id, "repay", grant=grant, disbursed=-amount, on=on, voucher=voucher,
                         note=reason)
            await audit.record(principal, "update", grant, {"repaid_fen": [None, amount], "reason": [None, reason]})
    except IntegrityError:
        raise DomainError(_("Someone changed this grant meanwhile. Reload the page and try again.")) from None


def can_approve(principal: Principal, grant: Grant) -> bool:
    if grant.status != GrantStatus.PROPOSED:
        return False
    if grant.needs_official:
        return principal.is_(Role.ADMIN, Role.OFFICIAL)
    return principal.is_(Role.ADMIN, Role.OFFICIAL, Role.MANAGER)


