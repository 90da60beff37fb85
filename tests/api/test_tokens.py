"""Personal API tokens: made on the account's page and shown once, kept only as a hash, refused when
revoked, expired or of an inactive account, their last use recorded, and rate limited per token in
the database (every process counts the same requests)."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from incubator.access import Principal
from incubator.api import tokens
from incubator.api.commands import NewToken
from incubator.api.models import ApiToken
from incubator.app import create_app
from incubator.audit.models import AuditEntry
from incubator.auth.models import User
from incubator.errors import ValidationFailed
from tests.conftest import Browser
from tests.helpers import assert_audited, signed_in

NOON = datetime(2026, 11, 25, 4, 0, 30, tzinfo=UTC)  # 12:00:30 in the district


async def make_token(user: User, name: str = "sync", expires_on: date = date(2027, 2, 1)) -> str:
    return (await tokens.create(Principal(user), NewToken(name=name, expires_on=expires_on))).secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@time_machine.travel(NOON, tick=False)
async def test_a_token_is_shown_once_and_kept_only_as_its_hash(new_browser, manager):
    b = await signed_in(new_browser, manager)
    page = await b.post("/account/tokens", {"name": "区民政局对接", "expires_on": "2027-02-23"})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    secret = re.search(r"data-token>(inc_[A-Za-z0-9_-]+)<", page.text).group(1)
    stored = await ApiToken.get(user_id=manager.id)
    assert stored.name == "区民政局对接" and stored.expires_on == date(2027, 2, 23)
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(await ApiToken.filter(id=stored.id).values()) and stored.prefix == secret[:12]
    again = await b.get("/account/tokens")
    assert secret not in again.text and stored.prefix in again.text and "区民政局对接" in again.text
    await assert_audited(stored, "create", actor=manager, changes={"name": "区民政局对接"})
    assert (await b.client.get("/api/v1/parks", headers=bearer(secret))).status_code == 200


@time_machine.travel(NOON, tick=False)
@pytest.mark.parametrize(("values", "field"), [
    ({"name": "", "expires_on": "2027-01-01"}, "name"),
    ({"name": "x", "expires_on": "2026-11-24"}, "expires_on"),  # yesterday
    ({"name": "x", "expires_on": "2027-11-27"}, "expires_on"),  # more than a year
    ({"name": "x", "expires_on": "soon"}, "expires_on"),
    ({"name": "x" * 61, "expires_on": "2027-01-01"}, "name"),
])
async def test_a_wrong_token_form_says_why_keeps_the_rest_and_writes_nothing(new_browser, manager, values, field):
    b = await signed_in(new_browser, manager)
    audited = await AuditEntry.all().count()
    page = await b.post("/account/tokens", values)
    assert page.status_code == 400 and f'id="e-{field}"' in page.text
    kept = "name" if field != "name" else "expires_on"
    assert f'value="{values[kept]}"' in page.text
    assert await ApiToken.all().count() == 0 and await AuditEntry.all().count() == audited


@time_machine.travel(NOON, tick=False)
async def test_the_service_refuses_an_expiry_out_of_bounds_whoever_asks(manager):
    """The command line and the page go through tokens.create: the bounds are its rule."""
    for expires_on in (date(2026, 11, 24), date(2027, 11, 27)):
        with pytest.raises(ValidationFailed) as refused:
            await make_token(manager, expires_on=expires_on)
        assert set(refused.value.errors) == {"expires_on"}
    assert await make_token(manager, expires_on=date(2026, 11, 25))  # today is the earliest
    assert await ApiToken.all().count() == 1


async def test_no_token_or_an_unknown_one_is_401_with_a_problem(browser, manager):
    await make_token(manager)
    for headers in ({}, bearer("inc_not-a-token"), {"Authorization": "Basic bWU6cHc="}, bearer(""),
                    bearer("x" * 500)):
        response = await browser.client.get("/api/v1/organizations", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["status"] == 401


@time_machine.travel(NOON, tick=False)
async def test_last_use_is_recorded_with_the_address(browser, manager):
    secret = await make_token(manager)
    assert (await ApiToken.get(user_id=manager.id)).last_used_at is None
    await browser.client.get("/api/v1/parks", headers=bearer(secret))
    token = await ApiToken.get(user_id=manager.id)
    assert token.last_used_at == NOON and token.last_used_address == "127.0.0.1"


async def test_a_revoked_token_is_refused_and_only_its_owner_revokes_it(new_browser, manager, admin):
    secret = await make_token(manager)
    token = await ApiToken.get(user_id=manager.id)
    other = await signed_in(new_browser, admin)
    assert (await other.post(f"/account/tokens/{token.id}/revoke")).status_code == 404
    assert (await ApiToken.get(id=token.id)).revoked_at is None
    owner = await signed_in(new_browser, manager)
    assert (await owner.client.get("/api/v1/parks", headers=bearer(secret))).status_code == 200
    assert (await owner.post(f"/account/tokens/{token.id}/revoke")).status_code in (302, 303)
    assert (await ApiToken.get(id=token.id)).revoked_at is not None
    await assert_audited(token, "revoke", actor=manager)
    assert (await owner.client.get("/api/v1/parks", headers=bearer(secret))).status_code == 401


async def test_a_token_works_through_its_last_day_and_not_after(browser, manager):
    secret = await make_token(manager, expires_on=date(2026, 12, 31))
    with time_machine.travel(datetime(2026, 12, 31, 15, 59, tzinfo=UTC), tick=False):  # 23:59 in Shanghai
        assert (await browser.client.get("/api/v1/parks", headers=bearer(secret))).status_code == 200
    with time_machine.travel(datetime(2026, 12, 31, 16, 1, tzinfo=UTC), tick=False):  # 1 January, 00:01
        assert (await browser.client.get("/api/v1/parks", headers=bearer(secret))).status_code == 401


async def test_an_inactive_accounts_tokens_stop_at_once(browser, manager):
    secret = await make_token(manager)
    assert (await browser.client.get("/api/v1/parks", headers=bearer(secret))).status_code == 200  # kept
    await User.filter(id=manager.id).update(is_active=False)
    assert (await browser.client.get("/api/v1/parks", headers=bearer(secret))).status_code == 401


async def test_a_managers_token_follows_a_change_of_their_parks_at_once(browser, manager, park, other_park):
    from incubator.auth.models import ParkManager
    from incubator.organizations.models import Organization

    elsewhere = await Organization.create(park=other_park, name_zh="别处的组织")
    secret = await make_token(manager)

    async def seen() -> list[int]:
        response = await browser.client.get("/api/v1/organizations", headers=bearer(secret))
        return [row["id"] for row in response.json()["items"]]

    assert await seen() == []  # the principal and the answer are kept now
    await ParkManager.create(park=other_park, user=manager)
    assert await seen() == [elsewhere.id]


async def test_requests_beyond_the_limit_get_429_and_retry_after_until_the_minute_ends(settings, manager):
    settings = dataclasses.replace(settings, api_requests_per_minute=3)
    secret = await make_token(manager)
    browser = Browser(create_app(settings, manage_database=False))
    other_process = Browser(create_app(settings, manage_database=False))  # another app, the same database
    try:
        with time_machine.travel(NOON, tick=False):
            for b in (browser, other_process, browser):
                assert (await b.client.get("/api/v1/parks", headers=bearer(secret))).status_code == 200
            refused = await other_process.client.get("/api/v1/parks", headers=bearer(secret))
            assert refused.status_code == 429 and refused.headers["retry-after"] == "30"
            assert refused.headers["content-type"] == "application/problem+json"
            another = await make_token(manager, name="another")  # the limit is per token
            assert (await browser.client.get("/api/v1/parks", headers=bearer(another))).status_code == 200
        with time_machine.travel(NOON + timedelta(seconds=30), tick=False):
            assert (await browser.client.get("/api/v1/parks", headers=bearer(secret))).status_code == 200
    finally:
        await browser.aclose()
        await other_process.aclose()


async def test_the_api_is_read_only(browser, manager):
    secret = await make_token(manager)
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = await browser.client.request(method, "/api/v1/organizations", headers=bearer(secret))
        assert response.status_code == 405 and response.headers["allow"] == "GET, HEAD"


async def test_revoking_asks_first_also_without_javascript(new_browser, manager):
    """The revoke button opens a disclosure holding a warning and the real form."""
    await make_token(manager, name="报表同步")
    token = await ApiToken.get(user_id=manager.id)
    owner = await signed_in(new_browser, manager)
    page = (await owner.get("/account/tokens")).text
    disclosure = page.split('<details class="confirm">')[1].split("</details>")[0]
    assert f'action="/account/tokens/{token.id}/revoke"' in disclosure and "报表同步" in disclosure
    assert disclosure.index("<summary") < disclosure.index("<form")
    assert f'action="/account/tokens/{token.id}/revoke"' not in page.replace(disclosure, "")
