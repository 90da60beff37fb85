"""Account administration: typed commands in, audited changes out."""

import pytest

from incubator.access import Principal
from incubator.accounts import forms, service
from incubator.accounts.commands import CreateAccount, ResetPassword, UpdateAccount
from incubator.auth.models import ParkManager, User, UserSession
from incubator.errors import ValidationFailed
from incubator.roles import Role
from tests.helpers import assert_audited


def _manager(**changes) -> CreateAccount:
    fields = {"username": "li.manager", "password": "long-enough-password", "display_name": "李经理",
              "email": "li@example.org", "role": Role.MANAGER, "language": "zh_CN"}
    return CreateAccount(**(fields | changes))


async def test_every_change_to_an_account_is_audited(admin, park):
    me = Principal(admin)
    user = await service.create_user(me, _manager(park_ids=(park.id,)))
    await assert_audited(user, "create", actor=admin, changes={"role": "manager", "park_ids": [park.id]})
    await service.update_user(me, user, UpdateAccount(display_name="李园长", role=Role.MANAGER, park_ids=(park.id,)))
    await assert_audited(user, "update", actor=admin, changes={"display_name": "李园长"})
    await service.reset_password(me, user, ResetPassword(password="another-long-password"))
    await assert_audited(user, "password_reset", actor=admin)


async def test_a_manager_needs_a_park_and_a_member_an_organization(admin):
    with pytest.raises(ValidationFailed) as failed:
        await service.create_user(Principal(admin), _manager())
    assert set(failed.value.errors) == {"park_ids"}
    with pytest.raises(ValidationFailed) as failed:
        await service.create_user(Principal(admin), _manager(role=Role.MEMBER))
    assert set(failed.value.errors) == {"organization_id"}
    assert not await User.filter(username="li.manager").exists()


async def test_only_members_belong_to_an_organization_and_only_managers_to_parks(admin, park, organization):
    user = await service.create_user(Principal(admin), _manager(
        role=Role.EVALUATOR, organization_id=organization.id, park_ids=(park.id,)))
    assert user.organization_id is None
    assert not await ParkManager.filter(user_id=user.id).exists()


async def test_an_administrator_cannot_remove_their_own_rights(admin):
    me = Principal(admin)
    with pytest.raises(ValidationFailed) as failed:
        await service.update_user(me, admin, UpdateAccount(display_name="Admin", role=Role.OFFICIAL))
    assert set(failed.value.errors) == {"role"}
    assert service.account_actions(me, admin) == {"edit", "reset_password"}


async def test_deactivating_an_account_ends_its_sessions(settings, admin, make_user):
    from incubator.auth import service as auth
    from tests.conftest import PASSWORD

    user = await make_user("wang", Role.OFFICIAL)
    await auth.login(settings, "wang", PASSWORD, "10.0.0.1", "")
    await service.update_user(Principal(admin), user, UpdateAccount(
        display_name="Wang", role=Role.OFFICIAL, is_active=False))
    assert not await UserSession.filter(user_id=user.id).exists()


def test_the_form_keeps_park_ids_only_for_managers():
    data = {"username": "Zhao", "password": "long-enough-password", "display_name": "赵",
            "role": "official", "language": "en"}
    command = forms.create_account(data, ["3"])
    assert command.username == "zhao" and command.park_ids == () and command.role == Role.OFFICIAL
    assert forms.create_account(data | {"role": "manager"}, ["3", "4"]).park_ids == (3, 4)
    with pytest.raises(ValidationFailed) as failed:
        forms.create_account(data | {"role": "chief", "display_name": ""})
    assert set(failed.value.errors) == {"role", "display_name"}
