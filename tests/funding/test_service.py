"""Funds, grants, tranches and the ledger: the workflow, readiness, and sums that always agree."""

from datetime import date, timedelta

import pytest
from tortoise.exceptions import IntegrityError

from incubator.access import Principal
from incubator.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from incubator.funding import forms, service
from incubator.funding.models import Fund, Grant, GrantStatus, LedgerEntry, Tranche, TrancheStatus
from incubator.reviews.models import Review
from tests.funding.conftest import approved_grant, grant_form, second_manager
from tests.helpers import assert_audited


async def ledger_sums(fund_id: int) -> tuple[int, int]:
    entries = await LedgerEntry.filter(fund_id=fund_id)
    return sum(e.committed_delta_fen for e in entries), sum(e.disbursed_delta_fen for e in entries)


async def test_fund_form_checks_amounts_and_dates(official_principal):
    typed = {"name": "", "source": "donation", "fiscal_year": "2026", "budget": "-5", "valid_from": "2026-12-31",
             "valid_to": "2026-01-01"}
    with pytest.raises(ValidationFailed) as failed:  # what was typed wrongly, all at once
        forms.create_fund(typed)
    assert set(failed.value.errors) == {"name", "budget"}
    with pytest.raises(ValidationFailed) as failed:  # then the rules
        await service.create_fund(official_principal, forms.create_fund({**typed, "name": "福彩", "budget": "5"}))
    assert set(failed.value.errors) == {"valid_to"}
    assert not await Fund.exists()
    fund = await service.create_fund(official_principal, forms.create_fund({
        "name": "福彩公益金", "source": "welfare_lottery", "fiscal_year": "2026", "budget": "1.2万",
        "valid_from": "2026-01-01", "valid_to": "2026-12-31"}))
    assert fund.budget_fen == 1_200_000 and fund.park_id is None
    await assert_audited(fund, "create", actor=official_principal, changes={"budget_fen": 1_200_000})


async def test_grant_tranches_must_add_up(admitted, manager_principal, fund):
    with pytest.raises(ValidationFailed) as failed:
        await service.draft_grant(manager_principal, admitted, forms.draft_grant(grant_form(fund, amount="40000")))
    assert set(failed.value.errors) == {"tranches"}
    assert not await Grant.exists()
    grant = await service.draft_grant(manager_principal, admitted, forms.draft_grant(grant_form(fund, amount="30000")))
    await assert_audited(grant, "create", actor=manager_principal,
                         changes={"amount_fen": 30_000_00, "tranches": 2, "fund": fund.name})


async def test_workflow_small_grant_manager_approves(admitted, manager_principal, fund, settings):
    grant = await approved_grant(manager_principal, admitted, fund, settings)
    grant = await Grant.get(id=grant.id)
    assert grant.status == GrantStatus.ACTIVE and not grant.needs_official
    fund = await Fund.get(id=fund.id)
    assert fund.committed_fen == 30_000_00 and await ledger_sums(fund.id) == (30_000_00, 0)
    first, second = await Tranche.filter(grant_id=grant.id).order_by("sequence")
    assert first.status == TrancheStatus.READY and second.status == TrancheStatus.PENDING


async def test_large_grant_needs_an_official(admitted, manager_principal, official_principal, fund, settings):
    grant = await service.draft_grant(manager_principal, admitted, forms.draft_grant(grant_form(
        fund, amount="80000", tranches=(("80000", "on_signing", {}),))))
    await service.propose(manager_principal, grant, settings.grant_approval_threshold_fen)
    grant = await Grant.get(id=grant.id)
    assert grant.needs_official
    with pytest.raises(PermissionDenied):
        await service.approve(manager_principal, grant)
    await service.approve(official_principal, grant)
    assert (await Grant.get(id=grant.id)).status == GrantStatus.ACTIVE


async def test_tranche_ready_after_the_review_passes_and_held_when_it_fails(admitted, manager_principal, fund,
                                                                            settings, evaluator):
    from tests.organizations.conftest import pass_review

    grant = await approved_grant(manager_principal, admitted, fund, settings)
    review = await Review.get(organization_id=admitted.id, code="midterm")
    await pass_review(review, manager_principal, evaluator, score="3", decision="fail")
    second = await Tranche.get(grant_id=grant.id, sequence=2)
    assert second.status == TrancheStatus.HELD and second.status_reason
    repeat = await Review.get(organization_id=admitted.id, code="midterm", attempt=2)
    from incubator.reviews.models import ReviewAssignment

    await ReviewAssignment.filter(review_id=repeat.id).delete()
    await pass_review(repeat, manager_principal, evaluator, score="9")
    assert (await Tranche.get(grant_id=grant.id, sequence=2)).status == TrancheStatus.READY


async def test_minimum_score_holds_a_pass_below_it(admitted, manager_principal, fund, settings, evaluator):
    from tests.organizations.conftest import pass_review

    grant = await approved_grant(manager_principal, admitted, fund, settings, tranches=(
        ("10000", "on_signing", {}), ("20000", "after_review", {"review_code": "midterm", "min_score": "85"})))
    await pass_review(await Review.get(organization_id=admitted.id, code="midterm"), manager_principal, evaluator,
                      score="8")
    second = await Tranche.get(grant_id=grant.id, sequence=2)
    assert second.status == TrancheStatus.HELD and "85" in second.status_reason


async def test_dated_tranche_becomes_ready_on_its_day(admitted, manager_principal, fund, settings):
    grant = await approved_grant(manager_principal, admitted, fund, settings, tranches=(
        ("30000", "on_date", {"release_on": "2027-01-15"}),))
    await service.refresh_readiness(date(2027, 1, 14))
    assert (await Tranche.get(grant_id=grant.id)).status == TrancheStatus.PENDING
    assert await service.refresh_readiness(date(2027, 1, 15)) == {"ready": 1, "held": 0}
    assert await service.refresh_readiness(date(2027, 1, 16)) == {"ready": 0, "held": 0}


async def test_disbursement_repayment_and_cancellation_keep_the_sums(admitted, manager_principal, fund, settings):
    grant = await approved_grant(manager_principal, admitted, fund, settings)
    first = await Tranche.get(grant_id=grant.id, sequence=1)
    with pytest.raises(ValidationFailed):
        await service.disburse(manager_principal, first, forms.disburse({"paid_on": "2026-05-01"}))  # no voucher
    await service.disburse(manager_principal, first,
                           forms.disburse({"paid_on": "2026-05-01", "voucher": "记-2026-051"}))
    await assert_audited(first, "update", actor=manager_principal,
                         changes={"status": "paid", "voucher": "记-2026-051", "amount_fen": 10_000_00})
    with pytest.raises(DomainError):
        await service.disburse(manager_principal, await Tranche.get(id=first.id),
                               forms.disburse({"paid_on": "2026-05-01", "voucher": "again"}))
    second = await Tranche.get(grant_id=grant.id, sequence=2)
    with pytest.raises(DomainError):  # still waiting for its review
        await service.disburse(manager_principal, second, forms.disburse({"paid_on": "2026-05-01", "voucher": "x"}))
    with pytest.raises(ValidationFailed):
        await service.repay(manager_principal, grant,
                            forms.repay({"amount": "20000", "on_date": "2026-06-01", "reason": "多付"}))
    await service.repay(manager_principal, grant,
                        forms.repay({"amount": "2500", "on_date": "2026-06-01", "reason": "结余退回"}))
    await assert_audited(grant, "update", actor=manager_principal,
                         changes={"repaid_fen": 2_500_00, "reason": "结余退回"})
    await service.cancel(manager_principal, await Grant.get(id=grant.id),
                         forms.end_grant({"reason": "组织退出园区"}, reason_required=True))
    await assert_audited(grant, "update", actor=manager_principal, changes={"status": "cancelled",
                                                                            "reason": "组织退出园区"})
    grant = await Grant.get(id=grant.id)
    fund = await Fund.get(id=fund.id)
    assert grant.status == GrantStatus.CANCELLED and grant.disbursed_fen == 7_500_00
    assert (fund.committed_fen, fund.disbursed_fen) == (7_500_00, 7_500_00)
    assert await ledger_sums(fund.id) == (fund.committed_fen, fund.disbursed_fen)
    assert (await Tranche.get(id=second.id)).status == TrancheStatus.CANCELLED
    kinds = await LedgerEntry.filter(fund_id=fund.id).order_by("id").values_list("kind", flat=True)
    assert kinds == ["commit", "disburse", "repay", "release"]


async def test_a_repayment_on_a_grant_closed_meanwhile_is_refused(admitted, manager_principal, fund, settings):
    """The page showed the repayment form; meanwhile someone closed the grant. The repayment is
    refused and the fund's sums still equal its ledger (nothing stays committed to a closed grant)."""
    grant = await approved_grant(manager_principal, admitted, fund, settings)
    first = await Tranche.get(grant_id=grant.id, sequence=1)
    await service.disburse(manager_principal, first, forms.disburse({"paid_on": "2026-05-01", "voucher": "记-1"}))
    shown = await Grant.get(id=grant.id)
    await service.close(manager_principal, await Grant.get(id=grant.id),
                        forms.end_grant({"reason": "结项"}, reason_required=False))
    with pytest.raises(Conflict):
        await service.repay(manager_principal, shown,
                            forms.repay({"amount": "2500", "on_date": "2026-06-01", "reason": "结余退回"}))
    fund = await Fund.get(id=fund.id)
    assert await ledger_sums(fund.id) == (fund.committed_fen, fund.disbursed_fen)
    assert fund.committed_fen == fund.disbursed_fen == (await Grant.get(id=grant.id)).disbursed_fen


async def test_only_resident_organizations_get_grants(applicant, manager_principal, fund):
    with pytest.raises(ValidationFailed):
        await service.draft_grant(manager_principal, applicant, forms.draft_grant(grant_form(fund)))


async def test_an_expired_fund_cannot_be_drafted_against(admitted, manager_principal, fund):
    await Fund.filter(id=fund.id).update(valid_to=date.today() - timedelta(days=1))
    with pytest.raises(ValidationFailed):
        await service.draft_grant(manager_principal, admitted,
                                  forms.draft_grant(grant_form(await Fund.get(id=fund.id))))


async def test_a_proposed_grant_reaches_those_who_may_approve_it(admitted, manager_principal, fund, official, make_user,
                                                                 park):
    from incubator.notifications.models import Notification
    from incubator.roles import Role
    from tests.funding.conftest import grant_form

    colleague = await make_user("manager.two", Role.MANAGER, parks=[park])
    small = await service.draft_grant(manager_principal, admitted, forms.draft_grant(grant_form(fund, amount="30000")))
    await service.propose(manager_principal, small, threshold_fen=50_000_00)
    assert await Notification.filter(user_id=colleague.id, kind="grant_proposed", link=f"/grants/{small.id}").exists()
    assert not await Notification.filter(user_id=manager_principal.id).exists()  # not the proposer
    assert not await Notification.filter(user_id=official.id).exists()
    large = await service.draft_grant(manager_principal, admitted, forms.draft_grant(grant_form(
        fund, amount="80000", tranches=(("80000", "on_signing", {}),))))
    await service.propose(manager_principal, large, threshold_fen=50_000_00)
    note = await Notification.get(user_id=official.id, kind="grant_proposed")
    assert note.link == f"/grants/{large.id}" and note.details["amount"] == "¥80,000.00"


async def test_a_tranche_waits_only_for_a_review_the_organization_has(admitted, manager_principal, fund):
    options = dict(await service.review_options(admitted))
    assert list(options) == ["onboarding", "registration", "midterm", "graduation"]
    with pytest.raises(ValidationFailed) as refused:
        await service.draft_grant(manager_principal, admitted, forms.draft_grant(grant_form(
            fund, tranches=(("10000", "on_signing", {}), ("20000", "after_review", {"review_code": "final_audit"})))))
    assert set(refused.value.errors) == {"tranches[1].review_code"}  # a form shows it beside review_code_1


async def test_a_grant_draws_only_on_the_districts_fund_or_its_own_parks(admitted, manager_principal, fund, park,
                                                                         other_park):
    elsewhere = await Fund.create(name="荣巷园区运营经费", source="operator_budget", fiscal_year=2026, park=other_park,
                                  budget_fen=100_000_00, valid_from=date(2026, 1, 1), valid_to=date(2030, 12, 31))
    own = await Fund.create(name="灵山园区运营经费", source="operator_budget", fiscal_year=2026, park=park,
                            budget_fen=100_000_00, valid_from=date(2026, 1, 1), valid_to=date(2030, 12, 31))
    with pytest.raises(ValidationFailed) as refused:
        await service.draft_grant(manager_principal, admitted, forms.draft_grant(grant_form(elsewhere)))
    assert set(refused.value.errors) == {"fund_id"}
    assert await service.draft_grant(manager_principal, admitted, forms.draft_grant(grant_form(own)))
    assert await service.draft_grant(manager_principal, admitted, forms.draft_grant(grant_form(fund)))  # the district's


async def test_approval_commits_the_amount_is_audited_and_releases_what_is_due(admitted, manager_principal, fund,
                                                                               settings, evaluator):
    from tests.organizations.conftest import pass_review

    # The review passed and the date came before the grant was approved: approval itself releases them.
    await pass_review(await Review.get(organization_id=admitted.id, code="midterm"), manager_principal, evaluator)
    grant = await service.draft_grant(manager_principal, admitted, forms.draft_grant(grant_form(
        fund, amount="30000", tranches=(
        ("10000", "on_signing", {}), ("10000", "after_review", {"review_code": "midterm"}),
        ("10000", "on_date", {"release_on": "2026-01-02"})))))
    await service.propose(manager_principal, grant, settings.grant_approval_threshold_fen)
    await assert_audited(grant, "update", actor=manager_principal, changes={"status": "proposed"})
    approver = await second_manager(admitted.park_id)
    await service.approve(approver, await Grant.get(id=grant.id))
    await assert_audited(grant, "update", actor=approver,
                         changes={"status": "active", "committed_fen": 30_000_00})
    statuses = await Tranche.filter(grant_id=grant.id).order_by("sequence").values_list("status", flat=True)
    assert statuses == [TrancheStatus.READY] * 3


async def test_a_page_of_the_ledger_shows_the_running_balances_of_the_whole_ledger(fund, admin, manager,
                                                                                   organization, park):
    """The fund page shows fifty entries a page, newest first; each row's balances are those of the
    whole ledger through that row, computed from the fund's totals and one sum of the newer entries."""
    from datetime import UTC, datetime, timedelta

    from incubator.access import Principal
    from incubator.funding.models import Grant, LedgerEntry

    grant = await Grant.create(fund=fund, organization=organization, purpose="社区项目", amount_fen=1)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    entries = [LedgerEntry(fund=fund, grant=grant if n % 3 == 0 else None, kind="commit", on_date=date(2026, 3, 1),
                           committed_delta_fen=100 * (n + 1), disbursed_delta_fen=7 * n,
                           at=start + timedelta(minutes=n // 2)) for n in range(120)]  # pairs share a time
    await LedgerEntry.bulk_create(entries)
    await Fund.filter(id=fund.id).update(committed_fen=sum(e.committed_delta_fen for e in entries),
                                         disbursed_fen=sum(e.disbursed_delta_fen for e in entries))
    fund = await Fund.get(id=fund.id)
    chronological = await LedgerEntry.filter(fund_id=fund.id).order_by("at", "id")
    expected, committed, disbursed = [], 0, 0
    for entry in chronological:
        committed += entry.committed_delta_fen
        disbursed += entry.disbursed_delta_fen
        expected.append((entry.id, fund.budget_fen - committed, disbursed))
    shown = []
    for number, more in ((1, True), (2, True), (3, False)):
        view, has_next = await service.ledger_page(Principal(admin), fund, number)
        assert view.complete and has_next is more
        shown += [(entry.id, available, paid) for entry, available, paid in view.rows]
    assert shown == expected[::-1]

    # A manager of the park reads only its organization's entries of this district fund, as totals.
    view, has_next = await service.ledger_page(Principal(manager, park_ids=frozenset({park.id})), fund, 1)
    mine = [e for e in chronological if e.grant_id == grant.id]
    assert not view.complete and not has_next
    assert [entry.id for entry, available, paid in view.rows] == [e.id for e in mine][::-1]
    assert {(available, paid) for _entry, available, paid in view.rows} == {(None, None)}
    assert view.hidden_count == 120 - len(mine)
    assert view.hidden_committed_fen == fund.committed_fen - sum(e.committed_delta_fen for e in mine)
    assert view.hidden_disbursed_fen == fund.disbursed_fen - sum(e.disbursed_delta_fen for e in mine)


async def test_the_proposer_never_approves_below_or_above_the_threshold(admitted, manager_principal, official_principal,
                                                                      fund, settings):
    """Four eyes: below the threshold another manager (or an administrator) approves, above it an
    official; the one who proposed is refused with a message, and the grant page offers no approval."""
    small = await service.draft_grant(manager_principal, admitted, forms.draft_grant(grant_form(fund)))
    await service.propose(manager_principal, small, settings.grant_approval_threshold_fen)
    small = await Grant.get(id=small.id)
    assert small.proposed_by_id == manager_principal.id and not small.needs_official
    assert "approve" not in service.grant_actions(manager_principal, small, admitted.park_id)
    with pytest.raises(DomainError) as refused:
        await service.approve(manager_principal, small)
    assert refused.value.message == service.four_eyes_refusal(manager_principal, small)
    assert (await Grant.get(id=small.id)).status == GrantStatus.PROPOSED
    assert small not in await service.awaiting_approval(manager_principal)
    other = await second_manager(admitted.park_id)
    assert "approve" in service.grant_actions(other, small, admitted.park_id)
    await service.approve(other, small)
    assert (await Grant.get(id=small.id)).approved_by_id == other.id

    large = await service.draft_grant(other, admitted, forms.draft_grant(grant_form(
        fund, amount="60000", tranches=(("60000", "on_signing", {}),))))
    await service.propose(other, large, 50_000_00)
    large = await Grant.get(id=large.id)
    assert large.needs_official and "approve" not in service.grant_actions(other, large, admitted.park_id)
    assert service.four_eyes_refusal(other, large) != service.four_eyes_refusal(manager_principal, small)
    await service.approve(official_principal, large)
    assert (await Grant.get(id=large.id)).status == GrantStatus.ACTIVE


async def test_an_administrator_who_proposed_does_not_approve_either(admitted, admin, fund, settings):
    boss = Principal(admin)
    grant = await service.draft_grant(boss, admitted, forms.draft_grant(grant_form(fund)))
    await service.propose(boss, grant, settings.grant_approval_threshold_fen)
    grant = await Grant.get(id=grant.id)
    assert "approve" not in service.grant_actions(boss, grant, admitted.park_id)
    with pytest.raises(DomainError):
        await service.approve(boss, grant)


async def test_the_database_refuses_an_approval_by_the_proposer(admitted, manager_principal, fund, settings):
    """ck_grant_four_eyes, on SQLite and PostgreSQL: a write around the service cannot break the rule."""
    grant = await service.draft_grant(manager_principal, admitted, forms.draft_grant(grant_form(fund)))
    await service.propose(manager_principal, grant, settings.grant_approval_threshold_fen)
    with pytest.raises(IntegrityError):
        await Grant.filter(id=grant.id).update(approved_by_id=manager_principal.id)
