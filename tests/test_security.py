"""CSRF, security headers, request limits and error pages."""

import pytest

from incubator.parks.models import Park


async def test_pages_carry_security_headers(browser, admin):
    response = await browser.get("/login")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in response.headers  # development


async def test_production_adds_hsts_and_secure_cookies(settings, clean):
    from dataclasses import replace

    import httpx

    from incubator.app import create_app

    app = create_app(replace(settings, env="production"), manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as client:
        response = await client.get("/login")
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert "secure" in response.headers["set-cookie"].lower()


async def test_every_page_exposes_the_csrf_token_for_htmx(browser):
    page = await browser.get("/login")
    token = await browser.refresh_token()
    assert f'<meta name="csrf-token" content="{token}">' in page.text
    assert f'"X-CSRF-Token": "{token}"' in page.text


REFUSED = {
    "no token": ({}, None),
    "wrong token": ({}, "0" * 64),
    "cross-origin with the token": ({"Origin": "https://evil.example"}, "valid"),
    "cross-site fetch metadata with the token": ({"Sec-Fetch-Site": "cross-site"}, "valid"),
    "no origin nor fetch metadata": ({"Origin": ""}, "valid"),
}


@pytest.mark.parametrize("case", list(REFUSED))
async def test_state_change_is_refused_unless_same_origin_with_the_token(browser, admin, case):
    headers, token = REFUSED[case]
    await browser.login("admin")
    data = {"name_zh": "可疑园区", "kind": "park", "resident_slots": "1"}
    if token:
        data["csrf_token"] = browser.csrf_token if token == "valid" else token
    response = await browser.client.post("/parks", data=data, headers=headers)
    assert response.status_code == 403
    assert not await Park.filter(name_zh="可疑园区").exists()


async def test_token_in_header_is_accepted_for_htmx(browser, admin):
    await browser.login("admin")
    response = await browser.client.post(
        "/parks", data={"name_zh": "头部令牌园区", "kind": "park", "resident_slots": "3"},
        headers={"X-CSRF-Token": browser.csrf_token, "Sec-Fetch-Site": "same-origin", "HX-Request": "true"},
    )
    assert response.status_code == 204 and response.headers["HX-Redirect"].startswith("/parks/")
    assert await Park.filter(name_zh="头部令牌园区").exists()


async def test_csrf_refusal_is_a_translated_page(browser, admin):
    await browser.login("admin")
    response = await browser.client.post("/parks", data={"name_zh": "x"})
    assert response.status_code == 403
    assert "表单已过期或来自另一个网站" in response.text  # the default language, Chinese


async def test_login_form_is_protected_too(browser, admin):
    response = await browser.client.post("/login", data={"username": "admin", "password": "x"})
    assert response.status_code == 403


async def test_oversized_body_is_refused(browser, admin, settings):
    await browser.login("admin")
    big = "x" * (settings.max_body_bytes + 10)
    response = await browser.post("/parks", {"description": big, "name_zh": "大园区"})
    assert response.status_code == 413
    assert not await Park.filter(name_zh="大园区").exists()


async def test_unknown_page_is_a_translated_404(browser, admin):
    await browser.login("admin")
    response = await browser.get("/no/such/page")
    assert response.status_code == 404
    assert "页面不存在" in response.text


async def test_static_htmx_is_vendored_2_0(browser):
    response = await browser.get("/static/vendor/htmx.min.js")
    assert response.status_code == 200
    assert 'version:"2.0.' in response.text.replace(" ", "")


async def test_unexpected_errors_get_a_translated_500_page_without_details(app, admin):
    import httpx
    from starlette.routing import Route

    async def boom(request):
        raise RuntimeError("secret internal detail")

    app.router.routes.append(Route("/boom", boom))
    # Starlette re-raises after answering, so the server logs it; the client sees only the page.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    assert "secret internal detail" not in response.text and "Traceback" not in response.text
    assert '<html lang="zh-CN">' in response.text


async def test_a_flash_message_is_shown_once(browser, admin, park):
    await browser.login("admin")
    from incubator.parks.forms import park_values as park_form_values

    response = await browser.post(f"/parks/{park.id}", park_form_values(park))
    assert response.status_code == 303
    first = await browser.get(response.headers["location"])
    assert "flash-success" in first.text
    again = await browser.get(response.headers["location"])
    assert "flash-success" not in again.text
