"""Park and space pages."""

from incubator.parks.models import Park, Space


async def test_park_list_and_detail_show_the_figures(browser, official, park, space):
    await browser.login("official")
    listing = await browser.get("/parks")
    assert park.name_zh in listing.text and "2,200" in listing.text
    detail = await browser.get(f"/parks/{park.id}")
    assert space.name in detail.text and "08:30–17:30" in detail.text
    assert f"/parks/{park.id}/edit" not in detail.text  # officials read, they do not edit


async def test_park_search_answers_htmx_with_the_results_block(browser, official, park, other_park):
    await browser.login("official")
    response = await browser.get("/parks?q=荣巷", headers={"HX-Request": "true"})
    assert "<html" not in response.text
    assert other_park.name_zh in response.text and park.name_zh not in response.text
    assert response.headers["vary"] == "HX-Request"
    full = await browser.get("/parks?q=荣巷")
    assert "<html" in full.text


async def test_history_restore_gets_the_whole_page(browser, official, park):
    await browser.login("official")
    response = await browser.get("/parks", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in response.text


async def test_manager_edits_own_park(browser, manager, park):
    await browser.login("manager")
    response = await browser.post(f"/parks/{park.id}", {"name_zh": park.name_zh, "theme": "志愿服务与社区治理",
                                                        "resident_slots": "22"})
    assert response.status_code == 303
    follow = await browser.get(response.headers["location"])
    assert "志愿服务与社区治理" in follow.text
    assert "flash" in follow.text


async def test_park_form_error_keeps_the_input(browser, admin, park):
    await browser.login("admin")
    response = await browser.post("/parks", {"kind": "park", "name_zh": park.name_zh, "theme": "我的主题",
                                             "resident_slots": "abc"})
    assert response.status_code == 400
    assert 'value="我的主题"' in response.text and 'id="e-resident_slots"' in response.text
    # Once the form reads, the service's own refusals show on the same form.
    response = await browser.post("/parks", {"kind": "park", "name_zh": park.name_zh, "theme": "我的主题",
                                             "resident_slots": "3"})
    assert response.status_code == 400
    assert 'value="我的主题"' in response.text and 'id="e-name_zh"' in response.text
    assert await Park.all().count() == 1


async def test_space_form_error_keeps_hours(browser, manager, park):
    await browser.login("manager")
    response = await browser.post(f"/parks/{park.id}/spaces", {
        "kind": "meeting_room", "name": "", "capacity": "8", "open_mon": "08:00", "close_mon": "12:00",
    })
    assert response.status_code == 400
    assert 'value="08:00"' in response.text and 'value="12:00"' in response.text
    assert not await Space.exists()


async def test_manager_adds_and_edits_a_space(browser, manager, park):
    await browser.login("manager")
    response = await browser.post(f"/parks/{park.id}/spaces", {
        "kind": "training_room", "name": "培训室", "capacity": "40", "open_mon": "08:30", "close_mon": "21:00",
        "bookable": "on",
    })
    assert response.status_code == 303
    space = await Space.get(name="培训室")
    response = await browser.post(f"/spaces/{space.id}", {
        "kind": "training_room", "name": "大培训室", "capacity": "45", "open_mon": "08:30", "close_mon": "21:00",
        "bookable": "on", "needs_approval": "on", "is_active": "on",
    })
    assert response.status_code == 303
    space = await Space.get(id=space.id)
    assert (space.name, space.capacity, space.needs_approval) == ("大培训室", 45, True)


async def test_a_bookable_space_without_hours_is_refused_on_its_form(browser, manager, park):
    await browser.login("manager")
    response = await browser.post(f"/parks/{park.id}/spaces", {
        "kind": "meeting_room", "name": "会议室", "capacity": "8", "bookable": "on", "needs_approval": "on"})
    assert response.status_code == 400
    assert 'id="e-bookable"' in response.text and 'value="会议室"' in response.text
    assert not await Space.exists()


async def test_pages_offer_only_what_the_principal_may_do(browser, manager, official, park, other_park, space):
    await browser.login("manager")
    listing = await browser.get("/parks")
    assert f"/parks/{park.id}/edit" in listing.text and f"/parks/{other_park.id}/edit" not in listing.text
    assert "/parks/new" not in listing.text
    own = await browser.get(f"/parks/{park.id}")
    assert f"/spaces/{space.id}/edit" in own.text and f"/parks/{park.id}/spaces/new" in own.text
    assert "/audit/Park" not in own.text
    other = await browser.get(f"/parks/{other_park.id}")
    assert f"/parks/{other_park.id}/spaces/new" not in other.text
    form = await browser.get(f"/parks/{park.id}/edit")
    assert 'name="kind"' not in form.text and 'name="is_active"' not in form.text


async def test_who_manages_a_park_is_shown_to_those_the_rule_tells(browser, new_browser, manager, official, member,
                                                                   park):
    await browser.login("official")
    assert "<dd>Manager</dd>" in (await browser.get(f"/parks/{park.id}")).text
    member_browser = new_browser()
    await member_browser.login("member")
    page = await member_browser.get(f"/parks/{park.id}")
    assert page.status_code == 200 and park.name_zh in page.text and "Manager</dd>" not in page.text


async def test_the_park_page_links_to_the_scorecard_plan_and_form_only_where_they_apply(
        new_browser, manager, official, park, other_park):
    """Links other capabilities declare (ParkLink): the manager's scorecard and review plan, and
    the public form only while the park takes applications (the rule admission applies)."""
    managing = new_browser()
    await managing.login("manager")
    page = (await managing.get(f"/parks/{park.id}")).text
    assert f"/parks/{park.id}/admission-criteria" in page and f"/parks/{park.id}/review-plan" in page
    assert f"/parks/{park.id}/apply" in page
    reading = new_browser()
    await reading.login("official")
    page = (await reading.get(f"/parks/{park.id}")).text
    assert "admission-criteria" not in page and "review-plan" not in page
    await Park.filter(id=park.id).update(is_active=False)
    assert f"/parks/{park.id}/apply" not in (await reading.get(f"/parks/{park.id}")).text


async def test_a_space_has_a_page(browser, manager, member, space, park):
    """GET /spaces/N answered 405: a space's page says what it is, when it opens and where."""
    await browser.login("member")
    page = await browser.get(f"/spaces/{space.id}")
    assert page.status_code == 200
    assert space.name in page.text and park.name_zh in page.text and "12" in page.text
    assert f'href="/parks/{park.id}"' in page.text and f"/spaces/{space.id}/edit" not in page.text
    park_page = await browser.get(f"/parks/{park.id}")
    assert f'href="/spaces/{space.id}"' in park_page.text
    await browser.login("manager")
    assert f"/spaces/{space.id}/edit" in (await browser.get(f"/spaces/{space.id}")).text
    assert (await browser.get("/spaces/999999")).status_code == 404
