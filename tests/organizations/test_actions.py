"""What a principal may do with an organization: the service answers, the pages ask it."""

from incubator import access
from incubator.access import Principal
from incubator.organizations import service
from incubator.organizations.models import Organization, Stage
from incubator.roles import Role


async def _principals(make_user, park, other_park, organization) -> dict[str, Principal]:
    other = await Organization.create(park=other_park, name_zh="别家组织")
    return {
        "admin": Principal(await make_user("root", Role.ADMIN)),
        "official": Principal(await make_user("gov", Role.OFFICIAL)),
        "manager": Principal(await make_user("boss", Role.MANAGER, parks=[park]), frozenset({park.id})),
        "member": Principal(await make_user("mine", Role.MEMBER, organization=organization),
                            organization_id=organization.id),
        "other member": Principal(await make_user("yours", Role.MEMBER, organization=other),
                                  organization_id=other.id),
        "evaluator": Principal(await make_user("judge", Role.EVALUATOR)),
    }


async def test_editing_the_profile_follows_the_change_scope(make_user, park, other_park, organization):
    for name, principal in (await _principals(make_user, park, other_park, organization)).items():
        may = "edit_profile" in service.organization_actions(principal, organization)
        assert may == await access.can(principal, organization, "change"), name


async def test_managers_act_on_their_parks_organizations(make_user, park, other_park, organization):
    people = await _principals(make_user, park, other_park, organization)
    assert service.organization_actions(people["manager"], organization) == {
        "edit_profile", "upload_document", "edit_registration", "change_stage", "record_follow_up",
        "read_application", "decide_admission"}
    assert service.organization_actions(people["member"], organization) == {"edit_profile", "upload_document"}
    assert service.organization_actions(people["official"], organization) == frozenset()
    assert service.stage_targets(people["manager"], organization) == [Stage.SCREENING]
    assert service.stage_targets(people["member"], organization) == []
    organization.stage = Stage.INCUBATING
    assert "decide_admission" not in service.organization_actions(people["manager"], organization)
    assert service.list_actions(people["admin"]) == {"import", "manage_domains"}
    assert service.list_actions(people["manager"]) == {"import"}
    assert service.list_actions(people["official"]) == frozenset()


async def test_the_page_offers_what_the_service_allows(browser, manager, member, organization):
    await browser.login("manager")
    page = (await browser.get(f"/organizations/{organization.id}")).text
    assert f"/organizations/{organization.id}/registration" in page and f"/organizations/{organization.id}/admission" \
        in page and 'name="stage"' in page
    await Organization.filter(id=organization.id).update(stage=Stage.INCUBATING)
    page = (await browser.get(f"/organizations/{organization.id}")).text
    assert f"/organizations/{organization.id}/admission\"" not in page
    await browser.login("member")
    page = (await browser.get(f"/organizations/{organization.id}")).text
    assert f"/organizations/{organization.id}/edit" in page and 'name="file"' in page
    assert f"/organizations/{organization.id}/registration" not in page and 'name="stage"' not in page


async def test_an_official_reads_the_page_without_its_forms(browser, official, organization):
    await browser.login("official")
    page = await browser.get(f"/organizations/{organization.id}")
    assert page.status_code == 200 and organization.name_zh in page.text
    assert f"/organizations/{organization.id}/edit" not in page.text and 'name="file"' not in page.text


async def test_the_application_shows_to_the_park_not_to_the_applicant(browser, make_user, manager, applicant):
    await make_user("applicant", Role.MEMBER, organization=applicant)
    await browser.login("manager")
    assert 'id="application"' in (await browser.get(f"/organizations/{applicant.id}")).text
    await browser.login("applicant")
    assert 'id="application"' not in (await browser.get(f"/organizations/{applicant.id}")).text
