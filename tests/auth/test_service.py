"""Sign-in, throttling, sessions and passwords."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from incubator.audit.models import AuditEntry
from incubator.auth import service
from incubator.auth.commands import ChangePassword
from incubator.auth.models import LoginFailure, User, UserSession
from incubator.errors import DomainError, ValidationFailed
from tests.conftest import PASSWORD


async def test_passwords_are_stored_as_argon2id(admin):
    user = await User.get(id=admin.id)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


async def test_login_creates_a_session_and_keeps_only_the_token_hash(settings, admin):
    new = await service.login(settings, "Admin ", PASSWORD, "10.0.0.1", "pytest")
    session = await UserSession.get(user_id=admin.id)
    assert session.key_hash == service.hash_token(new.token)
    assert new.token not in session.key_hash
    assert await AuditEntry.filter(action="login", object_id=str(admin.id)).exists()


async def test_each_login_gets_a_new_session_id(settings, admin):
    first = await service.login(settings, "admin", PASSWORD, "10.0.0.1", "a")
    second = await service.login(settings, "admin", PASSWORD, "10.0.0.1", "b")
    assert first.token != second.token


async def test_wrong_password_and_unknown_user_get_the_same_message(settings, admin):
    with pytest.raises(DomainError) as wrong:
        await service.login(settings, "admin", "wrong-password", "10.0.0.1", "")
    with pytest.raises(DomainError) as unknown:
        await service.login(settings, "nobody", "wrong-password", "10.0.0.1", "")
    assert wrong.value.message == unknown.value.message


async def test_disabled_account_cannot_sign_in(settings, admin):
    await User.filter(id=admin.id).update(is_active=False)
    with pytest.raises(DomainError):
        await service.login(settings, "admin", PASSWORD, "10.0.0.1", "")


async def test_five_failures_lock_the_account_for_fifteen_minutes(settings, admin):
    for _ in range(5):
        with pytest.raises(DomainError):
            await service.login(settings, "admin", "wrong-password", "10.0.0.1", "")
    with pytest.raises(service.LoginThrottled) as locked:
        await service.login(settings, "admin", PASSWORD, "10.0.0.9", "")
    assert "15" in locked.value.message


async def test_lock_lifts_when_the_failures_age_out(settings, admin):
    old = datetime.now(UTC) - timedelta(minutes=16)
    await LoginFailure.bulk_create([LoginFailure(username="admin", address="10.0.0.1", at=old) for _ in range(5)])
    assert (await service.login(settings, "admin", PASSWORD, "10.0.0.1", "")).user.id == admin.id


async def test_many_failures_from_one_address_lock_that_address(settings, admin):
    settings = replace(settings, login_max_failures_per_address=3)
    for name in ("a1", "a2", "a3"):
        with pytest.raises(DomainError):
            await service.login(settings, name, "wrong-password", "10.0.0.7", "")
    with pytest.raises(service.LoginThrottled):
        await service.login(settings, "admin", PASSWORD, "10.0.0.7", "")
    assert (await service.login(settings, "admin", PASSWORD, "10.0.0.8", "")).user.id == admin.id


async def test_success_clears_the_account_failures(settings, admin):
    for _ in range(4):
        with pytest.raises(DomainError):
            await service.login(settings, "admin", "wrong-password", "10.0.0.1", "")
    await service.login(settings, "admin", PASSWORD, "10.0.0.1", "")
    assert not await LoginFailure.filter(username="admin").exists()


async def test_idle_session_expires(settings, admin):
    new = await service.login(settings, "admin", PASSWORD, "10.0.0.1", "")
    idle = datetime.now(UTC) - timedelta(minutes=settings.session_idle_minutes + 1)
    await UserSession.filter(user_id=admin.id).update(last_seen_at=idle)
    assert await service.resolve_session(settings, new.token) is None
    assert not await UserSession.filter(user_id=admin.id).exists()


async def test_session_expires_at_the_absolute_limit_even_when_active(settings, admin):
    new = await service.login(settings, "admin", PASSWORD, "10.0.0.1", "")
    await UserSession.filter(user_id=admin.id).update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert await service.resolve_session(settings, new.token) is None


async def test_active_session_resolves(settings, admin):
    new = await service.login(settings, "admin", PASSWORD, "10.0.0.1", "")
    session = await service.resolve_session(settings, new.token)
    assert session is not None and session.user.id == admin.id
    assert await service.resolve_session(settings, "forged-token") is None


async def test_password_change_ends_every_session(settings, admin):
    await service.login(settings, "admin", PASSWORD, "10.0.0.1", "")
    await service.login(settings, "admin", PASSWORD, "10.0.0.2", "")
    principal = await service.load_principal(admin)
    await service.change_password(principal, ChangePassword(
        current_password=PASSWORD, new_password="a-new-long-password", new_password_again="a-new-long-password"))
    assert not await UserSession.filter(user_id=admin.id).exists()
    assert (await service.login(settings, "admin", "a-new-long-password", "10.0.0.1", "")).user.id == admin.id


async def test_password_change_reports_every_problem(admin):
    principal = await service.load_principal(admin)
    with pytest.raises(ValidationFailed) as failed:
        await service.change_password(principal, ChangePassword(
            current_password="wrong", new_password="short", new_password_again="short"))
    assert set(failed.value.errors) == {"current_password", "new_password"}


async def test_purge_removes_only_expired_sessions_and_old_failures(settings, admin):
    live = await service.login(settings, "admin", PASSWORD, "10.0.0.1", "")
    await service.login(settings, "admin", PASSWORD, "10.0.0.2", "")
    stale = await UserSession.filter(address="10.0.0.2").first()
    await UserSession.filter(id=stale.id).update(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    await LoginFailure.create(username="x", address="1.1.1.1", at=datetime.now(UTC) - timedelta(hours=1))
    await LoginFailure.create(username="y", address="1.1.1.1", at=datetime.now(UTC))
    assert await service.purge_expired(settings) == (1, 1)
    assert await service.purge_expired(settings) == (0, 0)  # idempotent
    assert await service.resolve_session(settings, live.token) is not None


async def test_every_change_to_ones_own_account_is_audited(settings, admin, make_user, park):
    from incubator.access import Principal
    from tests.helpers import assert_audited

    user = await make_user("li.manager", "manager", parks=[park])
    await service.login(settings, "li.manager", PASSWORD, "10.0.0.8", "pytest")
    await assert_audited(user, "login", actor=user)
    fresh = await User.get(id=user.id)
    await service.set_language(fresh, "en")
    await assert_audited(user, "update", actor=fresh, changes={"language": "en"})
    await service.login(settings, "li.manager", PASSWORD, "10.0.0.9", "pytest")
    await service.end_all_sessions(Principal(fresh, frozenset({park.id})))
    await assert_audited(user, "sessions_end", actor=fresh, changes={"sessions": 0})
