"""Sign-in pages, sessions page, language switch and account administration."""

from incubator.audit.models import AuditEntry
from incubator.auth.models import ParkManager, Role, User, UserSession
from tests.conftest import PASSWORD


async def test_sign_in_page_is_chinese_by_default(browser):
    page = await browser.get("/login")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert "登录" in page.text


async def test_wrong_password_shows_the_error_and_keeps_the_username(browser, admin):
    response = await browser.post("/login", {"username": "admin", "password": "nope-nope-nope"})
    assert response.status_code == 400
    assert 'value="admin"' in response.text
    assert "用户名或密码错误" in response.text


async def test_locked_account_gets_a_clear_message(browser, admin):
    for _ in range(5):
        await browser.post("/login", {"username": "admin", "password": "nope-nope-nope"})
    response = await browser.post("/login", {"username": "admin", "password": PASSWORD})
    assert response.status_code == 429
    assert "15" in response.text


async def test_login_replaces_the_anonymous_cookie_with_a_new_session(browser, admin):
    await browser.get("/login")
    response = await browser.login("admin")
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.cookies.get("incubator_session")
    assert cookie and len(cookie) >= 40
    set_cookie = response.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie


async def test_login_redirects_only_to_local_pages(browser, admin):
    response = await browser.post("/login", {"username": "admin", "password": PASSWORD,
                                             "next": "https://evil.example/"})
    assert response.headers["location"] == "/"


async def test_logout_ends_the_session(browser, admin):
    await browser.login("admin")
    response = await browser.post("/logout")
    assert response.status_code == 303
    assert not await UserSession.filter(user_id=admin.id).exists()
    assert (await browser.get("/")).status_code == 303


async def test_sessions_page_lists_and_ends_another_session_with_htmx(browser, new_browser, admin):
    other = new_browser()
    await other.login("admin")
    await browser.login("admin")
    page = await browser.get("/account/sessions")
    assert page.text.count("/end\"") >= 2
    other_session = await UserSession.filter(user_id=admin.id).order_by("id").first()
    response = await browser.client.post(
        f"/account/sessions/{other_session.id}/end",
        headers={"X-CSRF-Token": browser.csrf_token, "HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.headers["vary"] == "HX-Request"
    assert "<html" not in response.text  # just the block
    assert await UserSession.filter(user_id=admin.id).count() == 1
    assert (await other.get("/")).status_code == 303


async def test_sign_out_everywhere(browser, new_browser, admin):
    other = new_browser()
    await other.login("admin")
    await browser.login("admin")
    await browser.post("/account/sessions/end-all")
    assert not await UserSession.filter(user_id=admin.id).exists()


async def test_password_change_signs_out_and_the_new_password_works(browser, admin):
    await browser.login("admin")
    response = await browser.post("/account/password", {
        "current_password": PASSWORD, "new_password": "brand-new-secret-1", "new_password_again": "brand-new-secret-1",
    })
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert (await browser.get("/")).status_code == 303
    assert (await browser.login("admin", "brand-new-secret-1")).status_code == 303


async def test_language_switch_for_a_visitor_uses_a_cookie(browser):
    await browser.post("/language", {"language": "en", "next": "/login"})
    page = await browser.get("/login")
    assert '<html lang="en">' in page.text and "Sign in" in page.text


async def test_language_switch_is_kept_on_the_account(browser, new_browser, admin):
    await browser.login("admin")
    await browser.post("/language", {"language": "en", "next": "/"})
    assert (await User.get(id=admin.id)).language == "en"
    other = new_browser()
    await other.login("admin")
    page = await other.get("/")
    assert "Overview" in page.text and "Accounts" in page.text


async def test_navigation_follows_the_role(new_browser, admin, official, manager, member, evaluator):
    expected = {
        "admin": ["/users", "/audit", "/parks"],
        "official": ["/audit", "/organizations"],
        "manager": ["/organizations", "/parks"],
        "member": ["/my-organization"],
        "evaluator": ["/parks"],
    }
    forbidden = {
        "official": ["/users"], "manager": ["/users", "/audit"], "member": ["/users", "/audit"],
        "evaluator": ["/users", "/audit", "/organizations"],
    }
    for username, links in expected.items():
        b = new_browser()
        await b.login(username)
        page = (await b.get("/")).text
        for link in links:
            assert f'{link}"' in page, (username, link)
        for link in forbidden.get(username, []):
            assert f'{link}"' not in page, (username, link)


async def test_admin_creates_a_park_manager(browser, admin, park):
    await browser.login("admin")
    response = await browser.post("/users", {
        "username": "li.manager", "password": "long-enough-password", "display_name": "李经理",
        "email": "li@example.org", "role": "manager", "language": "zh_CN", "park_ids": str(park.id),
    })
    assert response.status_code == 303
    user = await User.get(username="li.manager")
    assert await ParkManager.filter(user_id=user.id, park_id=park.id).exists()
    entry = await AuditEntry.get(action="create", object_type="User", object_id=str(user.id))
    assert entry.actor_id == admin.id and entry.changes["park_ids"] == [None, [park.id]]
    assert "password_hash" not in entry.changes


async def test_user_form_errors_keep_the_input(browser, admin, park):
    await browser.login("admin")
    response = await browser.post("/users", {
        "username": "Bad Name!", "password": "short", "display_name": "王五", "email": "not-an-email",
        "role": "manager", "language": "zh_CN",
    })
    assert response.status_code == 400
    assert 'value="王五"' in response.text and 'value="Bad Name!"' in response.text
    assert '<p id="username-check" class="error"' in response.text
    for field in ("password", "email", "park_ids"):
        assert f'id="e-{field}"' in response.text
    assert not await User.filter(display_name="王五").exists()


async def test_member_account_needs_an_organization(browser, admin):
    await browser.login("admin")
    response = await browser.post("/users", {
        "username": "someone", "password": "long-enough-password", "display_name": "某人",
        "role": "member", "language": "zh_CN",
    })
    assert response.status_code == 400 and 'id="e-organization_id"' in response.text


async def test_admin_cannot_demote_themselves(browser, admin):
    await browser.login("admin")
    response = await browser.post(f"/users/{admin.id}", {"display_name": "Admin", "role": "official",
                                                         "language": "zh_CN", "is_active": "on"})
    assert response.status_code == 400
    assert (await User.get(id=admin.id)).role == Role.ADMIN


async def test_disabling_an_account_ends_its_sessions(browser, new_browser, admin, evaluator):
    other = new_browser()
    await other.login("evaluator")
    await browser.login("admin")
    response = await browser.post(f"/users/{evaluator.id}", {"display_name": "E", "role": "evaluator",
                                                             "language": "zh_CN", "is_active": ""})
    assert response.status_code == 303
    assert not await UserSession.filter(user_id=evaluator.id).exists()
    assert (await other.login("evaluator")).status_code == 400


async def test_admin_resets_a_password(browser, new_browser, admin, evaluator):
    await browser.login("admin")
    response = await browser.post(f"/users/{evaluator.id}/password", {"password": "reset-password-99"})
    assert response.status_code == 303
    other = new_browser()
    assert (await other.login("evaluator", "reset-password-99")).status_code == 303


async def test_user_list_filters_live_with_htmx(browser, admin, evaluator):
    await browser.login("admin")
    response = await browser.get("/users?q=eval", headers={"HX-Request": "true"})
    assert "<html" not in response.text and "evaluator" in response.text
    assert ">admin<" not in response.text


async def test_username_is_checked_inline_while_typing(browser, admin):
    await browser.login("admin")
    taken = await browser.get("/users/check-username?username=admin", headers={"HX-Request": "true"})
    assert 'class="error"' in taken.text and "<html" not in taken.text
    free = await browser.get("/users/check-username?username=new.person", headers={"HX-Request": "true"})
    assert 'class="ok"' in free.text
    bad = await browser.get("/users/check-username?username=No Spaces", headers={"HX-Request": "true"})
    assert 'class="error"' in bad.text
