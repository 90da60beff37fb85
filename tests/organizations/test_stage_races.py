"""Stage changes racing each other: the database decides, and each move is recorded once."""

import asyncio
from datetime import timedelta

from incubator.audit.models import AuditEntry
from incubator.organizations import service
from incubator.organizations.commands import ChangeStage
from incubator.organizations.models import Agreement, Organization, Stage, StageChange


async def test_racing_extensions_of_an_extended_organization_extend_it_once(browser, incubating,
                                                                            manager_principal):
    """An extension moves from "extended" to "extended": the stage alone cannot tell a second
    request that the first one already extended (found by scripts/race.py on PostgreSQL)."""
    agreed_end = incubating.term_end_on
    first_end = agreed_end + timedelta(days=90)
    await service.change_stage(manager_principal, incubating,
                               ChangeStage(target=Stage.EXTENDED, reason="首次延期", new_end_on=first_end))
    await browser.login("manager")
    await browser.refresh_token()
    wanted_end = first_end + timedelta(days=90)

    async def extend(n: int):
        return await browser.post(f"/organizations/{incubating.id}/stage", {
            "stage": "extended", "reason": f"再次延期 {n}", "new_end_on": wanted_end.isoformat()})

    responses = await asyncio.gather(*(extend(n) for n in range(8)))
    assert sorted(r.status_code for r in responses) == [303] + [400] * 7
    extensions = await StageChange.filter(organization_id=incubating.id, to_stage="extended").order_by("id")
    assert [(c.details["old_end_on"], c.details["new_end_on"]) for c in extensions] == [
        (agreed_end.isoformat(), first_end.isoformat()), (first_end.isoformat(), wanted_end.isoformat())]
    assert (await Organization.get(id=incubating.id)).term_end_on == wanted_end
    assert (await Agreement.get(organization_id=incubating.id, ended_on__isnull=True)).end_on == wanted_end
    audited = await AuditEntry.filter(object_type="Organization", object_id=str(incubating.id), action="update")
    assert sum(1 for entry in audited if entry.changes.get("stage") == ["extended", "extended"]) == 1
