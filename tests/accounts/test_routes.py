"""The account pages as an administrator uses them."""

from incubator.organizations.models import Organization


async def test_the_account_form_offers_the_organizations_its_search_finds_not_all_of_them(browser, admin, park):
    """A city has 10,000 organizations: the form lists the chosen one and the first twenty matches."""
    await Organization.bulk_create([Organization(park=park, name_zh=f"社区组织{n:02d}") for n in range(30)]
                                   + [Organization(park=park, name_zh="阳光助老服务中心")])
    sunshine = await Organization.get(name_zh="阳光助老服务中心")
    await browser.login("admin")
    form = (await browser.get("/users/new")).text
    assert form.count("社区组织") == 20 and "阳光助老服务中心" not in form
    found = await browser.get("/users/organization-choices?organization_q=助老", headers={"HX-Request": "true"})
    assert "阳光助老服务中心" in found.text and "社区组织" not in found.text and "<html" not in found.text
    kept = await browser.get(f"/users/organization-choices?organization_q=社区&organization_id={sunshine.id}")
    assert f'value="{sunshine.id}" selected' in kept.text and kept.text.count("社区组织") == 20
    refused = await browser.post("/users", {"username": "new.member", "password": "long-enough-password",
                                            "display_name": "新成员", "role": "member", "language": "zh_CN",
                                            "organization_id": str(sunshine.id), "organization_q": "助老",
                                            "email": "not an address"})
    assert refused.status_code == 400 and f'value="{sunshine.id}" selected' in refused.text
