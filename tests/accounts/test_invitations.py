"""Invitations: how an admitted organization's people get their accounts. Each test names the rule
it pins, and fails when that rule goes."""

from __future__ import annotations

import asyncio
import hashlib
import re
import smtplib
from dataclasses import replace
from datetime import timedelta

import pytest
from markupsafe import escape
from tortoise import Tortoise
from tortoise.connection import connections

from incubator import clock, i18n
from incubator.access import Principal
from incubator.accounts import invitations
from incubator.accounts.commands import AcceptInvitation, NewInvitation
from incubator.accounts.models import Invitation
from incubator.auth.models import User, UserSession
from incubator.auth.passwords import verify_password
from incubator.errors import ValidationFailed
from incubator.notifications import mail
from incubator.organizations.models import Organization
from incubator.roles import Role
from tests.helpers import assert_audited, signed_in

NEW_PASSWORD = "Kiwi-Lantern-Orbit-7"
LINK = re.compile(r'value="(http://testserver/invitations/[A-Za-z0-9_-]+)"')


@pytest.fixture
async def resident(organization: Organization) -> Organization:
    """The organization once admitted (the conftest's is still an applicant)."""
    organization.stage = "incubating"  # type: ignore[assignment]
    organization.contact_person, organization.email = "周敏", "zhou@example.org"
    await organization.save()
    return organization


@pytest.fixture
async def neighbour(resident: Organization) -> Organization:
    """Another organization of the same park."""
    return await Organization.create(park_id=resident.park_id, name_zh="湖滨青少年成长服务社", stage="incubating")


@pytest.fixture
async def elsewhere(other_park) -> Organization:
    """An organization of another park."""
    return await Organization.create(park=other_park, name_zh="荣巷助残服务社", stage="incubating")


def _zh(message: str, **variables: object) -> str:
    """`message` as the Chinese page shows it (escaped): translated once the catalogue has it."""
    token = i18n.set_locale("zh_CN")
    try:
        return str(escape(i18n.gettext(message, **variables)))
    finally:
        i18n.reset_locale(token)


def _closed_message(invitation: Invitation) -> str:
    token = i18n.set_locale("zh_CN")
    try:
        return str(escape(invitations.closed_reason(invitation)))
    finally:
        i18n.reset_locale(token)


def _link_of(page: str) -> str:
    found = LINK.search(page)
    assert found, "the new invitation's link is shown"
    return found.group(1)


async def _invite(settings, inviter: User, organization: Organization, **command) -> invitations.Invited:
    principal = Principal(inviter, park_ids=frozenset(await _parks(inviter)), organization_id=inviter.organization_id)
    return await invitations.invite(settings, principal, organization,
                                     NewInvitation(**({"display_name": "王芳"} | command)),
                                     lambda secret: f"http://testserver/invitations/{secret}")


async def _parks(user: User) -> list[int]:
    from incubator.auth.service import managed_parks

    return list(await managed_parks(user))


def _secret(link: str) -> str:
    return link.rsplit("/", 1)[1]


def _acceptance(username: str = "wang.fang") -> AcceptInvitation:
    return AcceptInvitation(username=username, display_name="王芳", password=NEW_PASSWORD)


# ---- who invites whom ----------------------------------------------------------------------------


async def test_a_manager_invites_the_people_of_their_parks_organizations_and_the_link_is_shown_once(
        new_browser, manager, resident):
    browser = await signed_in(new_browser, manager)
    form = await browser.get(f"/organizations/{resident.id}/invitations/new")
    assert form.status_code == 200
    response = await browser.post(f"/organizations/{resident.id}/invitations", {"display_name": "王芳"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    invitation = await Invitation.get(organization_id=resident.id)
    assert invitation.display_name == "王芳" and invitation.created_by_id == manager.id
    assert invitation.expires_at - invitation.created_at == timedelta(days=invitations.INVITATION_DAYS)
    link = _link_of(response.text)
    # Once: the organization's accounts page lists the invitation, never its link.
    page = await browser.get(f"/organizations/{resident.id}/accounts")
    assert "王芳" in page.text and _secret(link) not in page.text


async def test_a_manager_cannot_invite_to_another_parks_organization(new_browser, manager, elsewhere):
    browser = await signed_in(new_browser, manager)
    assert (await browser.get(f"/organizations/{elsewhere.id}/invitations/new")).status_code == 404
    response = await browser.post(f"/organizations/{elsewhere.id}/invitations", {"display_name": "王芳"})
    assert response.status_code == 404
    assert not await Invitation.exists()


async def test_a_member_invites_colleagues_to_their_own_organization_only(new_browser, member, resident, neighbour):
    browser = await signed_in(new_browser, member)
    own = await browser.post(f"/organizations/{resident.id}/invitations", {"display_name": "同事"})
    assert own.status_code == 200 and _link_of(own.text)
    other = await browser.post(f"/organizations/{neighbour.id}/invitations", {"display_name": "外人"})
    assert other.status_code == 404
    assert [i.organization_id for i in await Invitation.all()] == [resident.id]


async def test_officials_and_evaluators_invite_no_one(new_browser, official, evaluator, resident):
    for user in (official, evaluator):
        browser = await signed_in(new_browser, user)
        response = await browser.post(f"/organizations/{resident.id}/invitations", {"display_name": "王芳"})
        assert response.status_code in (403, 404)
    assert not await Invitation.exists()


async def test_an_applicant_organization_has_no_one_to_invite_yet(new_browser, manager, organization):
    browser = await signed_in(new_browser, manager)
    response = await browser.post(f"/organizations/{organization.id}/invitations", {"display_name": "王芳"})
    assert response.status_code == 403
    assert not await Invitation.exists()


async def test_a_bad_invitation_form_shows_every_error_with_what_was_typed(new_browser, manager, resident):
    browser = await signed_in(new_browser, manager)
    response = await browser.post(f"/organizations/{resident.id}/invitations",
                                  {"display_name": "", "email": "not an address", "username": "王 芳"})
    assert response.status_code == 400
    errors = set(re.findall(r'<p class="error" id="e-([^"]+)"', response.text))
    assert errors == {"display_name", "email", "username"}
    assert 'value="not an address"' in response.text
    assert "请" in response.text  # in the manager's language
    assert not await Invitation.exists()


# ---- the organization page -----------------------------------------------------------------------


async def test_its_accounts_and_open_invitations_are_listed_to_whom_may_invite(
        settings, new_browser, manager, member, official, resident):
    await _invite(settings, manager, resident, display_name="待邀请的人")
    for user in (manager, member):
        browser = await signed_in(new_browser, user)
        assert f"/organizations/{resident.id}/accounts" in (await browser.get(f"/organizations/{resident.id}")).text
        page = (await browser.get(f"/organizations/{resident.id}/accounts")).text
        assert "待邀请的人" in page and member.display_name in page
        assert "/invitations/new" in page and "/revoke" in page
    browser = await signed_in(new_browser, official)
    assert 'id="accounts"' not in (await browser.get(f"/organizations/{resident.id}")).text
    assert (await browser.get(f"/organizations/{resident.id}/accounts")).status_code == 403


async def test_after_admission_the_page_offers_to_invite_the_contact_person(new_browser, manager, resident):
    await Organization.filter(id=resident.id).update(stage="admitted")
    browser = await signed_in(new_browser, manager)
    page = (await browser.get(f"/organizations/{resident.id}")).text
    assert f"/organizations/{resident.id}/invitations/new?contact=1" in page and "周敏" in page
    form = (await browser.get(f"/organizations/{resident.id}/invitations/new?contact=1")).text
    assert 'value="周敏"' in form and 'value="zhou@example.org"' in form


# ---- accepting -------------------------------------------------------------------------------------


async def test_accepting_makes_a_member_account_with_the_chosen_password_and_signs_in(
        settings, new_browser, manager, resident):
    link = (await _invite(settings, manager, resident, email="wang@example.org")).link
    invitee = new_browser()
    page = await invitee.get(link)
    assert page.status_code == 200 and page.headers["referrer-policy"] == "no-referrer"
    assert 'value="王芳"' in page.text
    response = await invitee.post(link, {"username": "Wang.Fang", "display_name": "王芳", "password": NEW_PASSWORD,
                                         "password_again": NEW_PASSWORD})
    assert response.status_code == 303
    user = await User.get(username="wang.fang")
    assert (user.role, user.organization_id, user.email) == (Role.MEMBER, resident.id, "wang@example.org")
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert await UserSession.filter(user_id=user.id).exists()
    mine = await invitee.get("/my-organization", follow_redirects=True)
    assert mine.status_code == 200 and resident.name_zh in mine.text and "王芳" in mine.text
    invitation = await Invitation.get()
    assert invitation.user_id == user.id and invitation.accepted_at is not None


async def test_the_password_follows_the_rules_of_every_account_and_all_errors_show_at_once(
        settings, new_browser, manager, resident):
    link = (await _invite(settings, manager, resident)).link
    invitee = new_browser()
    response = await invitee.post(link, {"username": "x", "display_name": "", "password": "short",
                                         "password_again": "different"})
    assert response.status_code == 400
    errors = set(re.findall(r'<p class="error" id="e-([^"]+)"', response.text))
    assert errors == {"username", "display_name", "password"}
    assert "至少" in response.text  # the password policy's own message, translated
    mismatch = await invitee.post(link, {"username": "wang.fang", "display_name": "王芳", "password": NEW_PASSWORD,
                                         "password_again": NEW_PASSWORD + "x"})
    assert mismatch.status_code == 400 and 'id="e-password_again"' in mismatch.text
    assert 'value="wang.fang"' in mismatch.text
    assert not await User.filter(role=Role.MEMBER).exists() and (await Invitation.get()).accepted_at is None


async def test_a_taken_username_is_refused_and_the_invitation_stays_open(settings, new_browser, manager, resident):
    link = (await _invite(settings, manager, resident)).link
    response = await new_browser().post(link, {"username": "manager", "display_name": "王芳",
                                                "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 400 and 'id="e-username"' in response.text
    assert (await Invitation.get()).accepted_at is None


async def test_an_expired_invitation_is_refused_with_a_clear_message(settings, new_browser, manager, resident):
    link = (await _invite(settings, manager, resident)).link
    await Invitation.all().update(expires_at=clock.now() - timedelta(minutes=1))
    invitee = new_browser()
    page = await invitee.get(link)
    invitation = await Invitation.get()
    expired = _closed_message(invitation)
    token = i18n.set_locale("zh_CN")
    try:
        assert expired == _zh("This invitation expired on %(date)s. Ask whoever invited you for a new one.",
                              date=i18n.format_date(invitation.expires_at))
    finally:
        i18n.reset_locale(token)
    assert expired in page.text and 'name="password"' not in page.text
    response = await invitee.post(link, {"username": "wang.fang", "display_name": "王芳", "password": NEW_PASSWORD,
                                         "password_again": NEW_PASSWORD})
    assert response.status_code == 400 and expired in response.text
    assert not await User.filter(username="wang.fang").exists()


async def test_an_invitation_is_used_once(settings, new_browser, manager, resident):
    secret = _secret((await _invite(settings, manager, resident)).link)
    await invitations.accept(settings, secret, _acceptance("first.one"), "", "")
    with pytest.raises(invitations.InvitationClosed):
        await invitations.accept(settings, secret, _acceptance("second.one"), "", "")
    assert await User.filter(organization_id=resident.id).count() == 1
    page = await new_browser().get(f"/invitations/{secret}")
    assert _zh("This invitation has already been used to make an account. Sign in with that account.") in page.text


async def test_a_revoked_invitation_is_refused(settings, new_browser, manager, resident):
    invited = await _invite(settings, manager, resident)
    browser = await signed_in(new_browser, manager)
    response = await browser.post(f"/invitations/{invited.invitation.id}/revoke")
    assert response.status_code == 303
    await assert_audited(invited.invitation, "revoke", actor=manager, fields=("revoked_at",))
    with pytest.raises(invitations.InvitationClosed):
        await invitations.accept(settings, _secret(invited.link), _acceptance(), "", "")
    assert not await User.filter(username="wang.fang").exists()
    assert 'name="password"' not in (await new_browser().get(invited.link)).text


async def test_a_manager_cannot_revoke_another_parks_invitation(settings, new_browser, admin, manager, elsewhere):
    invited = await _invite(settings, admin, elsewhere)
    browser = await signed_in(new_browser, manager)
    assert (await browser.post(f"/invitations/{invited.invitation.id}/revoke")).status_code == 404
    assert (await Invitation.get()).revoked_at is None


async def test_an_accepted_invitation_cannot_be_revoked(settings, new_browser, manager, resident):
    invited = await _invite(settings, manager, resident)
    await invitations.accept(settings, _secret(invited.link), _acceptance(), "", "")
    response = await (await signed_in(new_browser, manager)).post(f"/invitations/{invited.invitation.id}/revoke")
    assert response.status_code == 303
    invitation = await Invitation.get()
    assert invitation.revoked_at is None and invitation.accepted_at is not None


async def test_two_tabs_accepting_at_once_make_one_account(settings, manager, resident, monkeypatch):
    """Both pass the checks before the transaction (the invitation is open when each looks): only
    the database's conditional update stands between them and two accounts."""
    secret = _secret((await _invite(settings, manager, resident)).link)
    looked, both_looked = 0, asyncio.Event()
    find = invitations.find

    async def find_together(value: str):
        nonlocal looked
        found = await find(value)
        looked += 1
        if looked == 2:
            both_looked.set()
        await both_looked.wait()
        return found

    monkeypatch.setattr(invitations, "find", find_together)
    results = await asyncio.gather(
        invitations.accept(settings, secret, _acceptance("tab.one"), "", ""),
        invitations.accept(settings, secret, _acceptance("tab.two"), "", ""), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["InvitationClosed", "NewSession"]
    assert await User.filter(organization_id=resident.id).count() == 1


async def test_two_browsers_posting_at_once_make_one_account(settings, new_browser, manager, resident):
    link = (await _invite(settings, manager, resident)).link
    tabs = [new_browser() for _ in range(4)]
    for tab in tabs:
        await tab.refresh_token()
    responses = await asyncio.gather(*(
        tab.post(link, {"username": f"tab{n}", "display_name": "王芳", "password": NEW_PASSWORD,
                        "password_again": NEW_PASSWORD}) for n, tab in enumerate(tabs)))
    assert sorted(r.status_code for r in responses) == [303, 400, 400, 400]
    assert await User.filter(organization_id=resident.id).count() == 1


async def test_a_signed_in_user_is_not_turned_into_the_invitee(settings, new_browser, manager, member, resident):
    link = (await _invite(settings, manager, resident)).link
    browser = await signed_in(new_browser, member)
    assert 'name="password"' not in (await browser.get(link)).text
    response = await browser.post(link, {"username": "wang.fang", "display_name": "王芳",
                                         "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 403
    assert (await Invitation.get()).accepted_at is None


async def test_an_unknown_link_is_not_found(new_browser, resident):
    response = await new_browser().get("/invitations/" + "x" * 43)
    assert response.status_code == 404 and 'name="password"' not in response.text


# ---- the record and the secret -----------------------------------------------------------------------


async def test_creating_accepting_and_revoking_are_audited(settings, manager, resident):
    invited = await _invite(settings, manager, resident, email="wang@example.org")
    await assert_audited(invited.invitation, "create", actor=manager,
                         changes={"display_name": "王芳", "email": "wang@example.org", "organization_id": resident.id})
    new = await invitations.accept(settings, _secret(invited.link), _acceptance(), "", "")
    await assert_audited(invited.invitation, "accept", actor=new.user, changes={"username": "wang.fang"})
    await assert_audited(new.user, "create", actor=new.user, changes={"role": "member", "organization_id": resident.id})
    other = await _invite(settings, manager, resident, display_name="李娜")
    await invitations.revoke(Principal(manager, park_ids=frozenset({resident.park_id})), other.invitation.id)
    await assert_audited(other.invitation, "revoke", actor=manager, fields=("revoked_at",))


async def _stored_text() -> str:
    """Every value of every row of every table, as text."""
    conn = connections.get("default")
    rows = []
    for model in Tortoise.apps.get_models_iterable():
        rows += [repr(row) for row in await conn.execute_query_dict(f'SELECT * FROM "{model._meta.db_table}"')]
    return "\n".join(rows)


async def test_the_secret_is_stored_only_as_its_hash(settings, manager, resident):
    invited = await _invite(settings, manager, resident)
    secret = _secret(invited.link)
    assert len(secret) >= 43  # 256 random bits
    assert invited.invitation.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in await _stored_text()
    assert await invitations.find(secret) is not None


async def test_with_mail_set_up_the_link_is_mailed_straight_and_never_stored(settings, new_browser, manager,
                                                                            resident, monkeypatch):
    sent = []
    monkeypatch.setattr(mail, "_send", lambda settings, email: sent.append((email.to, email.body)))
    mailing = replace(settings, smtp_host="mail.example.org")
    invited = await _invite(mailing, manager, resident, email="wang@example.org")
    assert invited.link == "" and invited.invitation.mailed_to == "wang@example.org"
    [(to, body)] = sent
    secret = re.search(r"/invitations/([A-Za-z0-9_-]+)", body).group(1)
    assert to == "wang@example.org" and secret not in await _stored_text()
    assert await invitations.find(secret) is not None


async def test_when_the_mail_fails_the_link_is_shown_instead(settings, manager, resident, monkeypatch):
    def refuse(settings, email):
        raise smtplib.SMTPException("relay denied")

    monkeypatch.setattr(mail, "_send", refuse)
    invited = await _invite(replace(settings, smtp_host="mail.example.org"), manager, resident, email="w@example.org")
    assert invited.mail_failed and invited.link and invited.invitation.mailed_to == ""


async def test_a_suggested_username_must_be_free(settings, manager, resident):
    with pytest.raises(ValidationFailed) as refused:
        await _invite(settings, manager, resident, username="manager")
    assert set(refused.value.errors) == {"username"}
