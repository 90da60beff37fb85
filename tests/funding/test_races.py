"""Races: many concurrent approvals against one fund, many concurrent payments of one tranche.
Exactly the allowed ones succeed, the rest get a clear message, and the sums are right."""

import asyncio

from incubator.errors import DomainError
from incubator.funding import forms, service
from incubator.funding.models import Fund, Grant, GrantStatus, LedgerEntry, Tranche, TrancheStatus
from incubator.organizations.models import Organization
from tests.funding.conftest import approved_grant, grant_form, second_manager

REQUESTS = 10


async def outcomes(coroutines) -> list[str]:
    results = await asyncio.gather(*coroutines, return_exceptions=True)
    for result in results:
        assert result is None or isinstance(result, DomainError), repr(result)
    return ["ok" if r is None else r.message for r in results]


async def test_concurrent_approvals_never_overcommit_the_fund(admitted, manager_principal, fund, settings):
    grants = []
    for n in range(REQUESTS):  # ten grants of ¥30,000 against a ¥100,000 budget
        grant = await service.draft_grant(manager_principal, admitted, forms.draft_grant(grant_form(
            fund, amount="30000", tranches=(("30000", "on_signing", {}),)) | {"purpose": f"项目{n}"}))
        await service.propose(manager_principal, grant, settings.grant_approval_threshold_fen)
        grants.append(await Grant.get(id=grant.id))
    approver = await second_manager(admitted.park_id)  # four eyes: not the proposer
    results = await outcomes(service.approve(approver, g) for g in grants)
    assert results.count("ok") == 3
    assert all(r == "ok" or "该资金的可用余额不足" in r for r in results)
    fund = await Fund.get(id=fund.id)
    assert fund.committed_fen == 90_000_00 <= fund.budget_fen
    assert sum(await LedgerEntry.filter(fund_id=fund.id).values_list("committed_delta_fen", flat=True)) == 90_000_00
    assert await Grant.filter(status=GrantStatus.ACTIVE).count() == 3
    assert await Grant.filter(status=GrantStatus.PROPOSED).count() == REQUESTS - 3


async def test_concurrent_payments_pay_a_tranche_once(admitted, manager_principal, fund, settings):
    grant = await approved_grant(manager_principal, admitted, fund, settings)
    tranche = await Tranche.get(grant_id=grant.id, sequence=1)
    results = await outcomes(service.disburse(manager_principal, tranche, forms.disburse({"paid_on": "2026-05-01",
                                                                           "voucher": f"记-{n}"}))
                             for n in range(REQUESTS))
    assert results.count("ok") == 1
    fund = await Fund.get(id=fund.id)
    grant = await Grant.get(id=grant.id)
    assert fund.disbursed_fen == grant.disbursed_fen == 10_000_00
    assert await LedgerEntry.filter(kind="disburse").count() == 1
    assert (await Tranche.get(id=tranche.id)).status == TrancheStatus.PAID


async def test_concurrent_approvals_through_http(admitted, manager, fund, settings, new_browser):
    organization = await Organization.get(id=admitted.id)
    principal = await second_manager(organization.park_id)  # proposes; "manager" approves (four eyes)
    ids = []
    for n in range(REQUESTS):
        grant = await service.draft_grant(principal, organization, forms.draft_grant(grant_form(
            fund, amount="40000", tranches=(("40000", "on_signing", {}),)) | {"purpose": f"项目{n}"}))
        await service.propose(principal, grant, settings.grant_approval_threshold_fen)
        ids.append(grant.id)
    browsers = [new_browser() for _ in ids]
    for b in browsers:
        await b.login("manager")
    responses = await asyncio.gather(*(b.post(f"/grants/{i}/approve") for b, i in zip(browsers, ids, strict=True)))
    assert sorted(r.status_code for r in responses) == [303] * REQUESTS  # each answered, none crashed
    assert await Grant.filter(status=GrantStatus.ACTIVE).count() == 2  # ¥80,000 of ¥100,000
    fund = await Fund.get(id=fund.id)
    assert fund.committed_fen == 80_000_00
