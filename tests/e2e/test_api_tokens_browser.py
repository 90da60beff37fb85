"""API tokens in a real browser (issue 14): a manager makes a token on their account page, copies it
(shown once), an integration reads the live server's API with it, and the manager revokes it."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from tests.e2e.test_booking_browser import signed_in


def test_a_manager_makes_a_token_an_integration_uses_it_and_the_manager_revokes_it(chromium, server):
    with signed_in(chromium, server, "manager") as page:
        page.goto("/")
        page.locator("details.account summary").click()
        page.get_by_role("link", name="API 令牌").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("API 令牌")
        page.get_by_label("名称").fill("区民政局对接")
        page.get_by_role("button", name="创建令牌").click()
        shown = page.locator("[data-token]")
        expect(shown).to_be_visible()
        secret = shown.inner_text().strip()
        assert secret.startswith("inc_")

        answer = httpx.get(f"{server}/api/v1/organizations?limit=5", headers={"Authorization": f"Bearer {secret}"})
        assert answer.status_code == 200 and answer.json()["items"], answer.text

        page.goto("/account/tokens")
        assert secret not in page.content()  # shown once
        row = page.locator("tbody tr").filter(has_text="区民政局对接")
        expect(row).to_contain_text(secret[:12])
        expect(row).not_to_contain_text("从未使用")  # its last use is recorded
        row.locator("details.confirm summary").click()  # revoking asks first (a disclosure, no script)
        row.locator("details.confirm button[type=submit]").click()
        expect(page.locator("tbody tr").filter(has_text="区民政局对接")).to_contain_text("已吊销")
        refused = httpx.get(f"{server}/api/v1/organizations", headers={"Authorization": f"Bearer {secret}"})
        assert refused.status_code == 401
