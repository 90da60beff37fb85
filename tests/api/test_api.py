"""The data API's reads: filters, keyset pages that stay stable while rows are inserted, ETags,
problems for bad requests, the figures it computes, the shape every answer has (the same Structs
the OpenAPI document is generated from), and a constant number of queries per page."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import msgspec
import pytest
import pytest_asyncio

from incubator import db
from incubator.api import openapi, resources
from incubator.app import create_app
from incubator.funding.models import Fund, Grant
from incubator.organizations.models import Organization, OrganizationDomain, Registration, ServiceDomain, Stage
from incubator.parks.models import Space, SpaceKind
from incubator.training.models import Person, Seat, Topic, TrainingSession
from tests.api.test_tokens import bearer, make_token
from tests.conftest import Browser


@pytest_asyncio.fixture
async def api(browser, official):
    """A client of the API with an official's token (every park in scope)."""
    secret = await make_token(official)

    async def get(url: str, **headers: str):
        return await browser.client.get(url, headers={**bearer(secret), **headers})

    return get


async def test_organizations_filter_by_park_stage_domain_registration_and_change(api, park, other_park):
    domain = await ServiceDomain.get(code="elderly")
    a = await Organization.create(park=park, name_zh="甲", stage=Stage.INCUBATING, registration=Registration.PREPARING)
    b = await Organization.create(park=park, name_zh="乙", stage=Stage.APPLIED)
    c = await Organization.create(park=other_park, name_zh="丙", stage=Stage.INCUBATING)
    await OrganizationDomain.create(organization=a, domain=domain)
    await OrganizationDomain.create(organization=c, domain=domain)

    async def ids(query: str) -> list[int]:
        response = await api(f"/api/v1/organizations?{query}")
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()["items"]]

    assert await ids("") == [a.id, b.id, c.id]
    assert await ids(f"park={park.id}") == [a.id, b.id]
    assert await ids("stage=incubating") == [a.id, c.id]
    assert await ids("domain=elderly") == [a.id, c.id]
    assert await ids(f"domain=elderly&park={other_park.id}") == [c.id]
    assert await ids("registration=preparing") == [a.id]
    later = datetime.now(UTC) + timedelta(hours=1)
    await Organization.filter(id=b.id).update(updated_at=later)
    assert await ids("updated_since=" + later.isoformat().replace("+00:00", "Z")) == [b.id]
    first = (await api(f"/api/v1/organizations/{a.id}")).json()
    assert first["domains"] == ["elderly"] and first["stage"] == "incubating" and "mobile" not in first


async def test_a_stage_change_shows_in_updated_since(api, park, manager):
    """Stages move by a conditional UPDATE (no auto-now column): it must still stamp updated_at."""
    from incubator import events
    from incubator.access import Principal
    from incubator.organizations.service import record_stage

    organization = await Organization.create(park=park, name_zh="甲", stage=Stage.SCREENING)
    await Organization.filter(id=organization.id).update(updated_at=datetime(2026, 1, 1, tzinfo=UTC))
    since = "/api/v1/organizations?updated_since=2026-06-01T00:00:00Z"
    assert (await api(since)).json()["items"] == []
    async with events.transaction():
        await record_stage(Principal(manager, frozenset({park.id})), organization, Stage.SCREENING, Stage.REJECTED)
    assert [row["id"] for row in (await api(since)).json()["items"]] == [organization.id]


async def test_pages_follow_next_links_and_stay_stable_while_rows_are_inserted(api, park):
    made = [await Organization.create(park=park, name_zh=f"组织{n}") for n in range(5)]
    url, seen, pages = "/api/v1/organizations?limit=2", [], 0
    while url:
        body = (await api(url)).json()
        seen += [row["id"] for row in body["items"]]
        pages += 1
        if pages == 1:  # rows inserted while the client pages through come after those read
            made += [await Organization.create(park=park, name_zh=f"新{n}") for n in range(2)]
        url = body["next"]
        if url:
            parts = urlsplit(url)
            assert parts.path == "/api/v1/organizations" and "limit=2" in parts.query
            url = f"{parts.path}?{parts.query}"
    assert seen == [o.id for o in made] and pages == 4


async def test_an_etag_answers_304_until_the_data_changes(api, park):
    await Organization.create(park=park, name_zh="甲")
    first = await api("/api/v1/organizations")
    etag = first.headers["etag"]
    again = await api("/api/v1/organizations", **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    await Organization.create(park=park, name_zh="乙")
    changed = await api("/api/v1/organizations", **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


@pytest.mark.parametrize(("query", "field"), [
    ("stage=flying", "stage"), ("limit=0", "limit"), ("limit=501", "limit"), ("park=abc", "park"),
    ("park=99999999999", "park"), ("updated_since=yesterday", "updated_since"),
    ("updated_since=2026-11-01T10:00:00", "updated_since"),  # an instant needs its offset
    ("domain=%00", "query"), ("after=-1", "after"), ("park=1&park=2", "park"), ("park=null", "park"),
    ("updated_since=0.5", "updated_since"),
    # Ids, counts and keys are ASCII digits: not read as a float, a signed or padded number, other scripts.
    ("after=1e3", "after"), ("park=1e3", "park"), ("park=5.0", "park"), ("park=%2B5", "park"),
    ("park=%205", "park"), ("park=5%20", "park"), ("park=%D9%A5", "park"), ("limit=1e2", "limit"),
    ("limit=%EF%BC%95", "limit"), ("after=-0", "after"),
])
async def test_a_bad_parameter_is_a_400_problem_naming_it(api, query, field):
    response = await api(f"/api/v1/organizations?{query}")
    assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400 and problem["title"] == "Bad Request" and field in problem["errors"]


@pytest.mark.parametrize(("url", "field"), [
    ("/funds?fiscal_year=2e3", "fiscal_year"), ("/funds?park=1e0", "park"), ("/grants?fund=%2B1", "fund"),
    ("/reviews?organization=1.0", "organization"), ("/bookings?space=%D9%A1", "space"),
    ("/dashboard?park=1e3", "park"), ("/dashboard?domain=1e3", "domain"),
])
async def test_every_endpoint_reads_ids_as_digits(api, url, field):
    response = await api(f"/api/v1{url}")
    assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"
    assert field in response.json()["errors"]


async def test_the_plausible_dates_and_far_instants_are_accepted(api):
    for url in ("/training-sessions?starts_from=9999-12-31T00:00:00Z", "/bookings?starts_before=0001-01-01T00:00:00Z",
                "/reviews?decided_since=1899-12-31T23:59:59Z"):
        assert (await api(f"/api/v1{url}")).status_code == 200, url
    for since in ("1900-01-01T00:00:00Z", "2100-12-31T23:59:59Z", "2026-06-01T00:00:00%2B08:00"):
        assert (await api(f"/api/v1/organizations?updated_since={since}")).status_code == 200, since
    assert (await api("/api/v1/organizations?after=0&limit=500")).status_code == 200
    assert "after" in (await api("/api/v1/organizations?after=007")).json()["errors"]


async def test_an_unknown_service_domain_is_refused_not_ignored(api, park):
    """An unknown domain would otherwise answer the unfiltered figures as if they were the domain's."""
    domain = await ServiceDomain.get(code="elderly")
    await Organization.create(park=park, name_zh="甲", stage=Stage.INCUBATING, admitted_on=date(2026, 3, 1))
    assert (await api("/api/v1/organizations?domain=elderly")).json()["items"] == []
    unknown = await api("/api/v1/organizations?domain=99999")
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"

    filtered = await api(f"/api/v1/dashboard?period=2026&domain={domain.id}")
    assert filtered.status_code == 200 and filtered.json()["domain_id"] == domain.id
    for missing in ("99999", "2147483647"):  # refused as an unknown park is
        response = await api(f"/api/v1/dashboard?period=2026&domain={missing}")
        assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
    retired = await ServiceDomain.create(code="retired", name_zh="已停用领域", is_active=False)
    assert (await api(f"/api/v1/dashboard?period=2026&domain={retired.id}")).status_code == 404


async def test_unknown_paths_and_missing_objects_are_404_problems(api):
    for url in ("/api/v1/nothing", "/api/v1/organizations/999999", "/api/v1/organizations/0"):
        response = await api(url)
        assert response.status_code in (400, 404) and response.headers["content-type"] == "application/problem+json"
    assert (await api("/api/v1/organizations/999999")).status_code == 404


async def test_training_sessions_carry_their_attendance_figures(api, park, space, organization):
    topic = await Topic.get(code="finance")
    starts = datetime(2026, 12, 1, 1, tzinfo=UTC)
    session = await TrainingSession.create(park=park, topic=topic, title="财务", trainer="王", space=space, capacity=5,
                                           starts_at=starts, ends_at=starts + timedelta(hours=2), credit_minutes=120,
                                           seated=4)
    for n, (status, attendance) in enumerate([("seated", "present"), ("seated", "late"), ("seated", "absent"),
                                              ("seated", ""), ("waitlisted", ""), ("cancelled", "")]):
        person = await Person.create(organization=organization, name=f"学员{n}")
        await Seat.create(session=session, person=person, organization=organization, status=status,
                          signed_up_at=starts - timedelta(days=1), attendance=attendance)
    body = (await api(f"/api/v1/training-sessions?park={park.id}")).json()
    (item,) = body["items"]
    assert item["topic"] == "finance" and item["attendance"] == {
        "seated": 4, "waitlisted": 1, "present": 1, "late": 1, "absent": 1, "unmarked": 1}
    later = (await api("/api/v1/training-sessions?starts_from=2026-12-02T00:00:00%2B08:00")).json()
    assert later["items"] == []


async def test_funds_carry_their_totals_and_grants_what_was_paid(api, park, organization):
    fund = await Fund.create(name="种子基金", source="district_special", fiscal_year=2026, budget_fen=1_000_000,
                             committed_fen=300_000, disbursed_fen=100_000, valid_from=date(2026, 1, 1),
                             valid_to=date(2026, 12, 31))
    await Grant.create(fund=fund, organization=organization, purpose="p", amount_fen=300_000, disbursed_fen=100_000,
                       status="active")
    (item,) = (await api("/api/v1/funds?fiscal_year=2026")).json()["items"]
    assert (item["budget_fen"], item["committed_fen"], item["disbursed_fen"], item["available_fen"]) == (
        1_000_000, 300_000, 100_000, 700_000)
    (grant,) = (await api(f"/api/v1/grants?fund={fund.id}&status=active")).json()["items"]
    assert grant["organization_id"] == organization.id and grant["disbursed_fen"] == 100_000
    assert (await api("/api/v1/funds?fiscal_year=2025")).json()["items"] == []


async def test_the_dashboard_figures_are_the_dashboards_tables(api, park):
    await Organization.create(park=park, name_zh="甲", stage=Stage.INCUBATING, admitted_on=date(2026, 3, 1))
    body = (await api("/api/v1/dashboard?period=2026")).json()
    assert body["period"] == "2026" and body["park_id"] is None
    stages = next(t for t in body["tables"] if t["key"] == "stages")
    assert stages["rows"] and all(len(row["values"]) == len(stages["columns"]) for row in stages["rows"])
    assert (await api("/api/v1/dashboard?period=1999")).status_code == 400
    assert (await api("/api/v1/dashboard?park=999999")).status_code == 404


async def test_every_answer_has_the_shape_its_openapi_schema_names(api, park, space, organization):
    """Each operation's answer decodes strictly into the Struct its schema is generated from."""
    await Organization.filter(id=organization.id).update(stage=Stage.INCUBATING)
    document = openapi.document()
    for op in resources.operations():
        url = "/api/v1" + op.path.replace("{id}", str(organization.id))
        response = await api(url)
        assert response.status_code == 200, (url, response.text)
        msgspec.json.decode(response.content, type=op.response, strict=True)
        assert op.path in document["paths"]
    assert document["openapi"] == "3.1.0" and set(document["paths"]) == {op.path for op in resources.operations()}


async def test_the_openapi_document_needs_no_token_and_its_page_renders(browser, manager):
    response = await browser.client.get("/api/v1/openapi.json")
    security = response.json()["components"]["securitySchemes"]
    assert response.status_code == 200 and security["token"]["scheme"] == "bearer"
    await browser.login("manager")
    page = await browser.get("/api/docs")
    assert page.status_code == 200 and "GET /api/v1/organizations" in page.text and "OrganizationOut" in page.text


@pytest.mark.parametrize("rows", [3, 30])
async def test_an_organization_page_costs_the_same_queries_however_many_rows(settings, official, park, rows):
    domain = await ServiceDomain.get(code="elderly")
    for n in range(rows):
        org = await Organization.create(park=park, name_zh=f"组织{n}")
        await OrganizationDomain.create(organization=org, domain=domain)
    # The page cache off: the queries of building the answer (a kept one runs only the count).
    browser = Browser(create_app(dataclasses.replace(settings, page_cache_mb=0), manage_database=False))
    headers = bearer(await make_token(official))
    try:
        await browser.client.get("/api/v1/organizations", headers=headers)  # prepares what later ones reuse
        with db.counting_queries() as counter:
            response = await browser.client.get("/api/v1/organizations?limit=50", headers=headers)
    finally:
        await browser.aclose()
    assert response.status_code == 200 and len(response.json()["items"]) == rows
    # the token counted (1), its account (2), the organizations (3), their domains (4)
    assert counter.count == 4


async def test_spaces_are_read_by_park(api, park, other_park, space):
    elsewhere = await Space.create(park=other_park, kind=SpaceKind.DESK, name="别处", capacity=1)
    assert [row["id"] for row in (await api(f"/api/v1/spaces?park={park.id}")).json()["items"]] == [space.id]
    assert [row["id"] for row in (await api("/api/v1/spaces")).json()["items"]] == [space.id, elsewhere.id]



async def test_a_refused_parameter_is_a_sentence_in_the_callers_language(api, official):
    """Not msgspec's "Expected `int` >= 1, got `0`": the caller reads, in their language, what to send."""
    from incubator.auth.models import User

    answer = await api("/api/v1/organizations?limit=0")
    assert answer.status_code == 400
    assert answer.json()["errors"]["limit"] == "参数 limit 不能小于 1。"
    await User.filter(id=official.id).update(language="en")
    english = await api("/api/v1/organizations?limit=501&x=1")
    assert english.json()["errors"]["limit"] == "limit must be at most 500."
    assert "Expected" not in english.text and "`" not in english.text


async def test_an_unknown_domain_code_is_not_found_and_a_far_instant_selects_as_the_ranges_edge(api, park):
    """An unknown service domain is refused as an unknown park is (404), not answered as if filtered;
    a filter's instant in year 1 or 9999 (valid RFC 3339) selects as 1900 or 2100 would, without
    overflowing a conversion."""
    await Organization.create(park=park, name_zh="甲")
    assert (await api("/api/v1/organizations?domain=no-such-domain")).status_code == 404
    since_ever = await api("/api/v1/organizations?updated_since=0001-01-01T00:00:00%2B08:00")
    assert since_ever.status_code == 200 and len(since_ever.json()["items"]) == 1
    never = await api("/api/v1/organizations?updated_since=9999-12-31T23:59:59-07:00")
    assert never.status_code == 200 and never.json()["items"] == []
