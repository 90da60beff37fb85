from datetime import date

import pytest_asyncio

from incubator.access import Principal
from incubator.auth.models import User
from incubator.auth.service import create_user_plain
from incubator.funding import forms, service
from incubator.funding.models import Fund
from incubator.roles import Role
from tests.organizations.conftest import admitted, applicant, desk, incubating, manager_principal  # noqa: F401


@pytest_asyncio.fixture
async def fund(clean) -> Fund:
    return await Fund.create(name="滨湖区社会组织发展专项资金", source="district_special", fiscal_year=2026,
                             budget_fen=100_000_00, valid_from=date(2026, 1, 1), valid_to=date(2030, 12, 31))


@pytest_asyncio.fixture
async def official_principal(official) -> Principal:
    return Principal(official)


def grant_form(fund, amount="30000", tranches=(("10000", "on_signing", {}), ("20000", "after_review",
                                                                           {"review_code": "midterm"}))) -> dict:
    form = {"fund_id": str(fund.id), "purpose": "社区志愿服务项目", "amount": amount}
    for index, (value, condition, extra) in enumerate(tranches):
        form |= {f"amount_{index}": value, f"condition_{index}": condition}
        form |= {f"{key}_{index}": val for key, val in extra.items()}
    return form


async def second_manager(park_id: int) -> Principal:
    """Another manager of the park: four eyes, the one who proposes a grant never approves it."""
    from tests.conftest import PASSWORD

    username = f"deputy{park_id}"
    user = await User.get_or_none(username=username) or await create_user_plain(
        username, PASSWORD, Role.MANAGER, display_name="Second Manager", park_ids=[park_id])
    return Principal(user, frozenset({park_id}))


async def approved_grant(principal, organization, fund, settings, **kwargs):
    """A grant `principal` drafted and proposed, approved by someone else: the park's second manager,
    or above the threshold an administrator."""
    grant = await service.draft_grant(principal, organization, forms.draft_grant(grant_form(fund, **kwargs)))
    await service.propose(principal, grant, settings.grant_approval_threshold_fen)
    if grant.needs_official:
        from tests.conftest import PASSWORD

        admin = await User.get_or_none(username="grant.admin") or await create_user_plain(
            "grant.admin", PASSWORD, Role.ADMIN, display_name="Grant Admin")
        await service.approve(Principal(admin), grant)
    else:
        await service.approve(await second_manager(organization.park_id), grant)
    return grant
