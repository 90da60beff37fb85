async def test_admin_signs_in_and_sees_the_overview(browser, admin, park):
    response = await browser.login("admin")
    assert response.status_code == 303
    page = await browser.get("/")
    assert page.status_code == 200
    assert "灵山·太湖社区公益园" in page.text
