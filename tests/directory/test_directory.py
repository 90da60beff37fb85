"""The public directory: only organizations that agreed to be listed, incubating or graduated; only
what they chose to publish; one kept copy for every visitor; the organization decides, audited."""

from __future__ import annotations

import io
from datetime import date

import pytest_asyncio
from starlette.datastructures import Headers, UploadFile

from incubator import db
from incubator.audit.models import AuditEntry
from incubator.directory.models import BrandProject, Listing
from incubator.organizations.models import Organization, OrganizationDomain, ServiceDomain, Stage
from tests.conftest import POSTGRES_URL
from tests.helpers import signed_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest_asyncio.fixture
async def listed(park, organization):
    """The member's organization incubating and listed, with a brand project; others that are not public."""
    await Organization.filter(id=organization.id).update(stage=Stage.INCUBATING, admitted_on=date(2026, 3, 2),
                                                         mobile="13912345678", email="private@example.org",
                                                         contact_person="张秘密", legal_representative="李法人")
    domain = await ServiceDomain.first()
    await OrganizationDomain.create(organization=organization, domain=domain)
    await Listing.create(organization=organization, listed=True, contact="办公室 0510-88886666",
                         updated_at=organization.created_at)
    await BrandProject.create(organization=organization, name="银龄课堂", domain=domain, started_on=date(2026, 4, 1),
                              people_reached=12500, summary="面向社区长者的课堂", created_at=organization.created_at)
    hidden = {}
    for name, stage, consent in (("未同意的组织", Stage.INCUBATING, False), ("已退出的组织", Stage.EXITED, True),
                                 ("申请中的组织", Stage.APPLIED, True)):
        other = await Organization.create(park=park, name_zh=name, stage=stage)
        await Listing.create(organization=other, listed=consent, updated_at=other.created_at)
        hidden[name] = other
    return hidden


async def test_the_public_sees_only_listed_organizations_that_incubate_or_graduated(new_browser, listed,
                                                                                   organization):
    anonymous = new_browser()
    page = await anonymous.get("/directory")
    assert page.status_code == 200 and organization.name_zh in page.text and "12,500" in page.text
    assert not [name for name in listed if name in page.text]
    for other in listed.values():
        assert (await anonymous.get(f"/directory/{other.id}")).status_code == 404
    entry = await anonymous.get(f"/directory/{organization.id}")
    assert entry.status_code == 200 and "银龄课堂" in entry.text and "办公室 0510-88886666" in entry.text
    assert "孵化中" in entry.text  # "incubating", never the stage itself


async def test_nothing_private_reaches_a_public_page(new_browser, listed, organization):
    text = (await new_browser().get(f"/directory/{organization.id}")).text
    for private in ("13912345678", "private@example.org", "张秘密", "李法人"):
        assert private not in text


async def test_a_public_page_is_one_copy_for_every_visitor_and_sets_no_cookie(new_browser, listed, organization):
    first, second = new_browser(), new_browser()
    one = await first.get("/directory")
    assert one.headers["cache-control"] == "public, max-age=300" and "set-cookie" not in one.headers
    if not POSTGRES_URL:  # the page cache is SQLite's
        with db.counting_queries() as counter:
            two = await second.get("/directory")
        assert counter.count == 0 and two.text == one.text


async def test_a_kept_public_page_is_answered_before_the_session_and_csrf_middleware(new_browser, listed,
                                                                                    monkeypatch):
    from incubator.middleware import csrf

    if POSTGRES_URL:
        return  # the page cache is SQLite's: every page is built there
    visitor = new_browser()
    first = await visitor.get("/directory?lang=en")
    tokens = []
    monkeypatch.setattr(csrf, "csrf_token_for", lambda *args: tokens.append(args) or "x")
    again = await new_browser().get("/directory?lang=en")
    assert again.text == first.text and tokens == []
    assert again.headers["content-security-policy"] and again.headers["cache-control"] == "public, max-age=300"
    assert (await new_browser().get("/directory?lang=zh_CN")).status_code == 200 and tokens  # not kept: built


async def test_the_directory_searches_and_filters_and_speaks_english(new_browser, listed, organization, park,
                                                                     other_park):
    anonymous = new_browser()
    assert organization.name_zh in (await anonymous.get("/directory?q=太湖")).text
    assert organization.name_zh not in (await anonymous.get("/directory?q=没有这个")).text
    assert organization.name_zh not in (await anonymous.get(f"/directory?park={other_park.id}")).text
    english = await anonymous.get(f"/directory/{organization.id}?lang=en")
    assert "Taihu Neighbours" in english.text and "Incubating" in english.text


async def test_only_the_organization_gives_its_consent_and_it_is_audited(new_browser, member, manager, listed,
                                                                        organization):
    browser = await signed_in(new_browser, member)
    response = await browser.post(f"/organizations/{organization.id}/listing", {"contact": "热线 12345"})
    assert response.status_code == 303
    listing = await Listing.get(organization_id=organization.id)
    assert not listing.listed and listing.contact == "热线 12345"
    entry = await AuditEntry.filter(object_type="Listing").order_by("-id").first()
    assert entry.changes["listed"] == [True, False]
    assert (await new_browser().get(f"/directory/{organization.id}")).status_code == 404
    refused = await (await signed_in(new_browser, manager)).post(f"/organizations/{organization.id}/listing",
                                                                 {"listed": "1"})
    assert refused.status_code == 403 and not (await Listing.get(organization_id=organization.id)).listed


async def test_a_wrong_project_comes_back_with_its_fields_kept_and_nothing_saved(new_browser, manager, listed,
                                                                                organization):
    browser = await signed_in(new_browser, manager)
    before = await BrandProject.all().count()
    response = await browser.post(f"/organizations/{organization.id}/brand-projects", {
        "name": "书香社区", "started_on": "2026-05-01", "ended_on": "2026-01-01", "people_reached": "300"})
    assert response.status_code == 400 and 'value="书香社区"' in response.text and "结束" in response.text
    assert await BrandProject.all().count() == before
    added = await browser.post(f"/organizations/{organization.id}/brand-projects", {
        "name": "书香社区", "started_on": "2026-05-01", "people_reached": "300"})
    assert added.status_code == 303 and await BrandProject.filter(name="书香社区").exists()


async def test_another_organization_s_member_finds_nothing_to_change(new_browser, make_user, other_park, listed,
                                                                     organization):
    from incubator.roles import Role

    stranger_org = await Organization.create(park=other_park, name_zh="别家组织")
    stranger = await make_user("stranger", Role.MEMBER, organization=stranger_org)
    browser = await signed_in(new_browser, stranger)
    assert (await browser.get(f"/organizations/{organization.id}/listing")).status_code == 404
    project = await BrandProject.get(organization_id=organization.id)
    assert (await browser.post(f"/brand-projects/{project.id}/delete", {})).status_code == 404
    assert await BrandProject.filter(id=project.id).exists()


async def test_a_logo_is_checked_by_its_content_and_served_with_its_digest(new_browser, member, listed, organization,
                                                                          settings):
    from incubator.auth.service import load_principal
    from incubator.directory import service
    from incubator.errors import ValidationFailed

    principal = await load_principal(member)
    fake = UploadFile(io.BytesIO(b"%PDF-1.4"), filename="logo.png", headers=Headers({"content-type": "image/png"}))
    try:
        await service.set_logo(principal, organization.id, fake, settings)
        raise AssertionError("a PDF named .png was taken")
    except ValidationFailed:
        pass
    real = UploadFile(io.BytesIO(PNG), filename="logo.png", headers=Headers({"content-type": "image/png"}))
    listing = await service.set_logo(principal, organization.id, real, settings)
    browser = new_browser()
    served = await browser.get(f"/directory/{organization.id}/logo")
    assert served.status_code == 200 and served.content == PNG and served.headers["content-type"] == "image/png"
    again = await browser.get(f"/directory/{organization.id}/logo", headers={"If-None-Match": served.headers["etag"]})
    assert again.status_code == 304 and listing.logo_sha256 in served.headers["etag"]
