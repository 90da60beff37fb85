"""Seed-funding rules. Each public function is one unit of work: the status change is a
conditional UPDATE, the fund's and the grant's running totals move by conditional UPDATEs the
database checks, the ledger entry and the audit entry are written alongside.

Services take typed commands (`commands.py`), never request data, and say what a principal may
do with a grant or a tranche now (`grant_actions`, `tranche_actions`), so no page repeats a rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q, Subquery
from tortoise.functions import Sum
from tortoise.queryset import QuerySet

from incubator import access, clock, db, events
from incubator.access import Principal, require_role
from incubator.audit import service as audit
from incubator.auth.models import User
from incubator.errors import Conflict, DomainError, ValidationFailed
from incubator.funding.commands import CreateFund, Disburse, DraftGrant, EndGrant, Repay
from incubator.funding.models import Fund, Grant, GrantStatus, LedgerEntry, Tranche, TrancheCondition, TrancheStatus
from incubator.i18n import current_locale, format_money
from incubator.i18n import gettext as _
from incubator.organizations.models import RESIDENT_STAGES, Organization
from incubator.parks.models import Park
from incubator.roles import Role

OPEN_TRANCHES = (TrancheStatus.PENDING, TrancheStatus.READY, TrancheStatus.HELD)
# Held reasons are stored as keys and shown in the reader's language (Tranche.status_note).
HELD_FAILED = "@review_failed"
HELD_BELOW = "@below_minimum"


def _today() -> date:
    return clock.today()


def _changed_meanwhile() -> Conflict:
    return Conflict(_("Someone changed this grant meanwhile. Reload the page and try again."))


async def _entry(principal: Principal | None, fund_id: int, kind: str, *, grant: Grant | None = None,
                 tranche: Tranche | None = None, committed: int = 0, disbursed: int = 0, on: date | None = None,
                 voucher: str = "", note: str = "") -> None:
    await LedgerEntry.create(
        fund_id=fund_id, grant_id=grant.id if grant else None, tranche_id=tranche.id if tranche else None,
        kind=kind, committed_delta_fen=committed, disbursed_delta_fen=disbursed, on_date=on or _today(),
        voucher=voucher, note=note[:300], actor_id=principal.id if principal else None, at=clock.now())


# ---- what a principal may do ------------------------------------------------------------------------


def may_create_funds(principal: Principal) -> bool:
    return principal.is_(Role.ADMIN, Role.OFFICIAL)


def may_draft_grant(principal: Principal, organization: Organization) -> bool:
    """Managers (and administrators) draft grants for their parks' resident organizations."""
    return principal.manages(organization.park_id) and organization.stage in RESIDENT_STAGES


def _may_approve(principal: Principal, grant: Grant) -> bool:
    if grant.needs_official:
        return principal.is_(Role.ADMIN, Role.OFFICIAL)
    return principal.is_(Role.ADMIN, Role.OFFICIAL, Role.MANAGER)


def four_eyes_refusal(principal: Principal, grant: Grant) -> str | None:
    """Why `principal` may not approve the grant they proposed (four eyes), or None: above the
    threshold a district official approves it, below it another manager or an administrator."""
    if grant.status != GrantStatus.PROPOSED or grant.proposed_by_id != principal.id:
        return None
    if grant.needs_official:
        return _("You proposed this grant: a district official approves it, not its proposer.")
    return _("You proposed this grant: another of the park's managers or an administrator approves it, "
             "not its proposer.")


def grant_actions(principal: Principal, grant: Grant, park_id: int) -> frozenset[str]:
    """What `principal` may do with `grant` (of an organization of park `park_id`) now."""
    managing = principal.manages(park_id)
    status = GrantStatus(grant.status)
    actions = set()
    if managing and status == GrantStatus.DRAFT:
        actions.add("propose")
    if (status == GrantStatus.PROPOSED and _may_approve(principal, grant) and (managing or principal.is_(
            Role.OFFICIAL)) and four_eyes_refusal(principal, grant) is None):
        actions.add("approve")
    if (managing or principal.is_(Role.OFFICIAL)) and status in (GrantStatus.DRAFT, GrantStatus.PROPOSED,
                                                                 GrantStatus.ACTIVE):
        actions.add("cancel")
        if status == GrantStatus.ACTIVE:
            actions.add("close")
    if managing and status == GrantStatus.ACTIVE and grant.disbursed_fen:
        actions.add("repay")
    return frozenset(actions)


def tranche_actions(principal: Principal, tranche: Tranche, grant: Grant, park_id: int) -> frozenset[str]:
    if (principal.manages(park_id) and tranche.status == TrancheStatus.READY
            and grant.status == GrantStatus.ACTIVE):
        return frozenset({"pay"})
    return frozenset()


# ---- funds -----------------------------------------------------------------------------------------


async def create_fund(principal: Principal, command: CreateFund) -> Fund:
    require_role(principal, Role.ADMIN, Role.OFFICIAL)
    errors = {}
    if command.park_id is not None and not await Park.filter(id=command.park_id).exists():
        errors["park_id"] = _("Choose one of the options.")
    if command.valid_to < command.valid_from:
        errors["valid_to"] = _("The fund must end after it starts.")
    if await Fund.filter(name=command.name).exists():
        errors["name"] = _("Another fund already has this name.")
    if errors:
        raise ValidationFailed(errors)
    try:
        async with events.transaction():
            fund = await Fund.create(name=command.name, source=command.source, fiscal_year=command.fiscal_year,
                                     budget_fen=command.budget_fen, valid_from=command.valid_from,
                                     valid_to=command.valid_to, park_id=command.park_id)
            await audit.record(principal, "create", fund, audit.diff({}, {
                "name": fund.name, "budget_fen": fund.budget_fen, "park_id": command.park_id,
                "source": fund.source}))
    except IntegrityError:
        raise ValidationFailed({"name": _("Another fund already has this name.")}) from None
    return fund


# ---- grants ----------------------------------------------------------------------------------------


async def review_options(organization: Organization) -> list[tuple[str, str]]:
    """The reviews a tranche of this organization's grant can wait for: its scheduled milestone
    reviews, by code, named in the reader's language."""
    from incubator.reviews.models import Review  # funding builds on reviews

    options: dict[str, str] = {}
    for review in await Review.filter(organization_id=organization.id).order_by("due_on", "attempt", "id"):
        options.setdefault(review.code, review.display_name(current_locale()))
    return list(options.items())


async def eligible_funds(principal: Principal, organization: Organization) -> list[Fund]:
    """The funds a grant to this organization may draw on: the district's and its park's, valid today."""
    today = _today()
    return await access.scope(Fund, principal).filter(
        Q(park_id__isnull=True) | Q(park_id=organization.park_id), valid_from__lte=today, valid_to__gte=today,
    ).order_by("-fiscal_year", "name")


async def _fund_problem(organization: Organization, fund_id: int) -> tuple[Fund | None, str | None]:
    fund = await Fund.get_or_none(id=fund_id)
    if fund is None or (fund.park_id is not None and fund.park_id != organization.park_id):
        return None, _("Choose one of the options.")
    if not fund.valid_from <= _today() <= fund.valid_to:
        return None, _("This fund is not valid today.")
    return fund, None


async def draft_grant(principal: Principal, organization: Organization, command: DraftGrant) -> Grant:
    """A manager drafts a grant for an organization of their park (fetched through the change
    scope); it commits no money until it is approved."""
    require_role(principal, Role.ADMIN, Role.MANAGER)
    errors: dict[str, str] = {}
    fund, problem = await _fund_problem(organization, command.fund_id)
    if problem:
        errors["fund_id"] = problem
    if organization.stage not in RESIDENT_STAGES:
        errors["__all__"] = _("Only admitted or incubating organizations receive seed funding.")
    reviews = [code for code, _name in await review_options(organization)]
    for index, tranche in enumerate(command.tranches):
        if tranche.condition == TrancheCondition.AFTER_REVIEW and tranche.review_code not in reviews:
            errors[f"tranches[{index}].review_code"] = _("Choose one of the options.")
        if tranche.condition == TrancheCondition.ON_DATE and tranche.release_on is None:
            errors[f"tranches[{index}].release_on"] = _("This field is required.")
    if not command.tranches:
        errors["tranches"] = _("A grant needs at least one tranche.")
    elif sum(t.amount_fen for t in command.tranches) != command.amount_fen:
        errors["tranches"] = _("The tranches must add up to the grant's amount.")
    if errors:
        raise ValidationFailed(errors)
    assert fund is not None
    async with events.transaction():
        grant = await Grant.create(fund_id=fund.id, organization_id=organization.id, purpose=command.purpose,
                                   amount_fen=command.amount_fen, created_by_id=principal.id)
        await Tranche.bulk_create([
            Tranche(grant_id=grant.id, sequence=number, amount_fen=t.amount_fen, condition=t.condition,
                    review_code=t.review_code if t.condition == TrancheCondition.AFTER_REVIEW else "",
                    min_score=t.min_score if t.condition == TrancheCondition.AFTER_REVIEW else None,
                    release_on=t.release_on if t.condition == TrancheCondition.ON_DATE else None)
            for number, t in enumerate(command.tranches, start=1)])
        await audit.record(principal, "create", grant, audit.diff({}, {
            "fund": fund.name, "amount_fen": command.amount_fen, "purpose": command.purpose,
            "tranches": len(command.tranches)}), object_repr=f"{organization.name_zh}: {command.purpose}"[:200])
    return grant


async def _move(grant: Grant, source: tuple[GrantStatus, ...], target: GrantStatus, **fields: object) -> None:
    moved = await Grant.filter(id=grant.id, status__in=list(source)).update(status=target, **fields)
    if not moved:
        raise _changed_meanwhile()
    grant.status = target


async def propose(principal: Principal, grant: Grant, threshold_fen: int) -> None:
    """Grants above `threshold_fen` (INCUBATOR_GRANT_APPROVAL_THRESHOLD_YUAN) need an official."""
    require_role(principal, Role.ADMIN, Role.MANAGER)
    async with events.transaction():
        needs_official = grant.amount_fen > threshold_fen
        await _move(grant, (GrantStatus.DRAFT,), GrantStatus.PROPOSED, proposed_at=clock.now(),
                    proposed_by_id=principal.id, needs_official=needs_official)
        grant.needs_official, grant.proposed_by_id = needs_official, principal.id
        await audit.record(principal, "update", grant, {"status": ["draft", "proposed"],
                                                        "needs_official": [None, needs_official]})
        await _tell_the_approvers(principal, grant, needs_official)


def awaiting_approval(principal: Principal) -> QuerySet[Grant]:
    """Proposed grants waiting for this principal's approval: those above the threshold for the
    district's officials, the others for their park's managers (whom _tell_the_approvers told)."""
    grants = access.scope(Grant, principal, "change").filter(status=GrantStatus.PROPOSED).filter(
        Q(proposed_by_id__isnull=True) | Q(proposed_by_id__not=principal.id))  # four eyes
    if principal.is_(Role.MANAGER):
        return grants.filter(needs_official=False)
    if principal.is_(Role.OFFICIAL):
        return grants.filter(needs_official=True)
    return grants


async def _tell_the_approvers(principal: Principal, grant: Grant, needs_official: bool) -> None:
    """A proposed grant lands in the inboxes of those who may approve it: the district's officials
    above the threshold, otherwise the park's other managers (inside the caller's transaction)."""
    from incubator.notifications import service as notifications

    organization = await Organization.get(id=grant.organization_id)
    if needs_official:
        approvers = User.filter(role=Role.OFFICIAL, is_active=True)
    else:
        approvers = User.filter(park_links__park_id=organization.park_id, role=Role.MANAGER,
                                is_active=True).exclude(id=principal.id)
    await notifications.notify_many(await db.flat(approvers.values_list("id", flat=True)), "grant_proposed",
                                    f"/grants/{grant.id}", {
                                        "organization": organization.name_zh, "organization_en": organization.name_en,
                                        "purpose": grant.purpose, "amount": format_money(grant.amount_fen)})


async def approve(principal: Principal, grant: Grant) -> None:
    """Commits the grant's amount to its fund. The conditional UPDATE adds the amount only while
    the fund has room: of concurrent approvals, exactly those that fit succeed."""
    if grant.needs_official:
        require_role(principal, Role.ADMIN, Role.OFFICIAL)
    else:
        require_role(principal, Role.ADMIN, Role.OFFICIAL, Role.MANAGER)
    # The proposer is read afresh: the page's copy may predate the proposal. The check constraint
    # ck_grant_four_eyes keeps the rule should anything write around this function.
    proposers: list[int | None] = await db.flat(Grant.filter(id=grant.id).values_list("proposed_by_id", flat=True))
    grant.proposed_by_id = proposers[0] if proposers else grant.proposed_by_id
    if refusal := four_eyes_refusal(principal, grant):
        raise DomainError(refusal)
    async with events.transaction():
        await _move(grant, (GrantStatus.PROPOSED,), GrantStatus.ACTIVE, approved_at=clock.now(),
                    approved_by_id=principal.id)
        fitted = await Fund.filter(id=grant.fund_id, committed_fen__lte=F("budget_fen") - grant.amount_fen).update(
            committed_fen=F("committed_fen") + grant.amount_fen)
        if not fitted:
            raise DomainError(_("The fund does not have %(amount)s left to commit.",
                                amount=format_money(grant.amount_fen)))
        await _entry(principal, grant.fund_id, "commit", grant=grant, committed=grant.amount_fen)
        await Tranche.filter(grant_id=grant.id, condition=TrancheCondition.ON_SIGNING).update(
            status=TrancheStatus.READY, status_reason="")
        await audit.record(principal, "update", grant, {"status": ["proposed", "active"],
                                                        "committed_fen": [None, grant.amount_fen]})
    await refresh_readiness(grant_id=grant.id)


async def _end(principal: Principal, grant: Grant, target: GrantStatus, reason: str) -> None:
    """Cancelling or closing releases what is committed and not paid, back to the fund."""
    was = GrantStatus(grant.status)
    async with events.transaction():
        await _move(grant, (GrantStatus.DRAFT, GrantStatus.PROPOSED, GrantStatus.ACTIVE), target,
                    ended_at=clock.now())
        if was == GrantStatus.ACTIVE:
            fresh = await Grant.get(id=grant.id)
            remaining = fresh.amount_fen - fresh.disbursed_fen
            if remaining:
                await Fund.filter(id=grant.fund_id).update(committed_fen=F("committed_fen") - remaining)
                await _entry(principal, grant.fund_id, "release", grant=grant, committed=-remaining, note=reason)
        await Tranche.filter(grant_id=grant.id, status__in=list(OPEN_TRANCHES)).update(
            status=TrancheStatus.CANCELLED, status_reason=reason[:300])
        await audit.record(principal, "update", grant, {"status": [was.value, target.value], "reason": [None, reason]})


async def cancel(principal: Principal, grant: Grant, command: EndGrant) -> None:
    require_role(principal, Role.ADMIN, Role.OFFICIAL, Role.MANAGER)
    if not command.reason.strip():
        raise ValidationFailed({"reason": _("This field is required.")})
    await _end(principal, grant, GrantStatus.CANCELLED, command.reason)


async def close(principal: Principal, grant: Grant, command: EndGrant) -> None:
    require_role(principal, Role.ADMIN, Role.OFFICIAL, Role.MANAGER)
    if grant.status != GrantStatus.ACTIVE:
        raise DomainError(_("Only an active grant can be closed."))
    await _end(principal, grant, GrantStatus.CLOSED, command.reason or _("Closed"))


# ---- tranches ---------------------------------------------------------------------------------------


async def refresh_readiness(today: date | None = None, grant_id: int | None = None,
                            organization_id: int | None = None) -> dict[str, int]:
    """Pending tranches of active grants become ready when their condition is met (the date has
    come, or the named review passed with the minimum score) and held when that review failed.
    Idempotent: the scheduled jobs call it, and so does a review's decision (an event)."""
    from incubator.reviews.models import Review  # funding builds on reviews
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
                    reason = HELD_FAILED if not result.passed else f"{HELD_BELOW} {result.overall} {tranche.min_score}"
        if new_status is not None and (new_status != tranche.status or reason != tranche.status_reason):
            await Tranche.filter(id=tranche.id, status=tranche.status).update(status=new_status, status_reason=reason)
            ready += new_status == TrancheStatus.READY
            held += new_status == TrancheStatus.HELD
    return {"ready": ready, "held": held}


async def on_review_decided(event: events.Event) -> None:
    """A review was decided: tranches waiting for it become ready, or are held (after commit)."""
    await refresh_readiness(organization_id=getattr(event, "organization_id", None))


async def disburse(principal: Principal, tranche: Tranche, command: Disburse) -> None:
    """Records a payment. The tranche moves from ready to paid once (a conditional UPDATE); the
    grant's and the fund's totals move with the database checking their limits."""
    require_role(principal, Role.ADMIN, Role.MANAGER)
    if command.paid_on > _today():
        raise ValidationFailed({"paid_on": _("This date is in the future.")})
    grant = await Grant.get(id=tranche.grant_id)
    try:
        async with events.transaction():
            paid = await Tranche.filter(id=tranche.id, status=TrancheStatus.READY).update(
                status=TrancheStatus.PAID, paid_on=command.paid_on, voucher=command.voucher)
            if not paid:
                raise Conflict(_("This tranche is not ready to pay, or has been paid already."))
            if not await Grant.filter(id=grant.id, status=GrantStatus.ACTIVE).update(
                    disbursed_fen=F("disbursed_fen") + tranche.amount_fen):
                raise _changed_meanwhile()
            await Fund.filter(id=grant.fund_id).update(disbursed_fen=F("disbursed_fen") + tranche.amount_fen)
            await _entry(principal, grant.fund_id, "disburse", grant=grant, tranche=tranche,
                         disbursed=tranche.amount_fen, on=command.paid_on, voucher=command.voucher)
            await audit.record(principal, "update", tranche, {"status": ["ready", "paid"],
                                                              "voucher": [None, command.voucher],
                                                              "amount_fen": [None, tranche.amount_fen]},
                               object_repr=f"{grant.purpose} #{tranche.sequence}"[:200])
    except IntegrityError:
        # A check constraint said no: the grant or the fund would be overdrawn.
        raise DomainError(_("This payment would pay out more than the grant or the fund allows.")) from None


def require_repayer(principal: Principal) -> None:
    """Who records repayments (a route asks before it reads the form)."""
    require_role(principal, Role.ADMIN, Role.MANAGER)


async def repay(principal: Principal, grant: Grant, command: Repay) -> None:
    """A repayment or claw-back: a reversing entry, never an edit of the payment."""
    require_repayer(principal)
    errors = {}
    if command.on_date > _today():
        errors["on_date"] = _("This date is in the future.")
    fresh = await Grant.get(id=grant.id)
    if fresh.status != GrantStatus.ACTIVE:  # closed or cancelled since the page was shown
        raise _changed_meanwhile()
    if command.amount_fen > fresh.disbursed_fen:
        errors["amount_fen"] = _("At most %(amount)s has been paid out on this grant.",
                                 amount=format_money(fresh.disbursed_fen))
    if errors:
        raise ValidationFailed(errors)
    amount = command.amount_fen
    try:
        async with events.transaction():
            # Only an active grant takes a repayment, whatever closes it at the same moment.
            moved = await Grant.filter(id=grant.id, status=GrantStatus.ACTIVE, disbursed_fen__gte=amount).update(
                disbursed_fen=F("disbursed_fen") - amount)
            if not moved:
                raise _changed_meanwhile()
            await Fund.filter(id=grant.fund_id).update(disbursed_fen=F("disbursed_fen") - amount)
            await _entry(principal, grant.fund_id, "repay", grant=grant, disbursed=-amount, on=command.on_date,
                         voucher=command.voucher, note=command.reason)
            await audit.record(principal, "update", grant, {"repaid_fen": [None, amount],
                                                            "reason": [None, command.reason]})
    except IntegrityError:
        raise _changed_meanwhile() from None


# ---- reading a fund's ledger -------------------------------------------------------------------


@dataclass
class LedgerView:
    """The entries of a fund one principal may read. Running balances are shown only to those
    who read every entry (they would reveal the hidden ones); the rest appear as totals."""

    rows: list[tuple[LedgerEntry, int | None, int | None]] = field(default_factory=list)
    complete: bool = True
    hidden_count: int = 0
    hidden_committed_fen: int = 0
    hidden_disbursed_fen: int = 0


async def ledger_page(principal: Principal, fund: Fund, number: int, size: int = 50) -> tuple[LedgerView, bool]:
    """Page `number` of the fund's ledger, newest first, and whether older entries follow. The
    running balances through each row come from the fund's totals (equal to its ledger's sums)
    less the entries newer than the page: one sum, however long the ledger."""
    visible = access.scope(LedgerEntry, principal).filter(fund_id=fund.id)
    total = await LedgerEntry.filter(fund_id=fund.id).count()
    entries = list(await visible.select_related("grant__organization").order_by("-at", "-id").offset(
        (number - 1) * size).limit(size + 1))
    has_next, entries = len(entries) > size, entries[:size]
    seen = await visible.count()
    view = LedgerView(complete=seen == total)
    if not view.complete:
        committed, disbursed = await _sums(visible)
        view.rows = [(entry, None, None) for entry in entries]
        view.hidden_count = total - seen
        view.hidden_committed_fen = fund.committed_fen - committed
        view.hidden_disbursed_fen = fund.disbursed_fen - disbursed
        return view, has_next
    if entries:
        newest = entries[0]
        newer_committed, newer_disbursed = await _sums(visible.filter(
            Q(at__gt=newest.at) | Q(at=newest.at, id__gt=newest.id)))
        committed, disbursed = fund.committed_fen - newer_committed, fund.disbursed_fen - newer_disbursed
        for entry in entries:
            view.rows.append((entry, fund.budget_fen - committed, disbursed))
            committed -= entry.committed_delta_fen
            disbursed -= entry.disbursed_delta_fen
    return view, has_next


async def _sums(entries: QuerySet[LedgerEntry]) -> tuple[int, int]:
    # Summed over the entries' ids: an aggregate over the joins of a scope would be grouped by row.
    rows = await LedgerEntry.filter(id__in=Subquery(entries.values("id"))).annotate(
        committed=Sum("committed_delta_fen"), disbursed=Sum("disbursed_delta_fen")).values("committed", "disbursed")
    if not rows:  # nothing to sum: the aggregate may come back without a row
        return 0, 0
    return int(rows[0]["committed"] or 0), int(rows[0]["disbursed"] or 0)


async def ledger(principal: Principal, fund: Fund) -> LedgerView:
    """The whole ledger, oldest first, with running balances (the Excel export)."""
    entries = await access.scope(LedgerEntry, principal).filter(fund_id=fund.id).select_related(
        "grant__organization", "actor").order_by("at", "id")
    total = await LedgerEntry.filter(fund_id=fund.id).count()
    view = LedgerView(complete=len(entries) == total)
    committed = disbursed = 0
    for entry in entries:
        committed += entry.committed_delta_fen
        disbursed += entry.disbursed_delta_fen
        if view.complete:
            view.rows.append((entry, fund.budget_fen - committed, disbursed))
        else:
            view.rows.append((entry, None, None))
    if not view.complete:
        # The fund's totals equal its ledger's sums (kept by the same transactions).
        view.hidden_count = total - len(entries)
        view.hidden_committed_fen = fund.committed_fen - committed
        view.hidden_disbursed_fen = fund.disbursed_fen - disbursed
    return view
