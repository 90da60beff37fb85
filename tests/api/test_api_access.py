"""The access matrix of the data API: every list, for every role, answers exactly the rows that role's
pages may show (access.scope, the one mechanism), never another park's or organization's secrets;
an object outside the scope is 404; the dashboard's figures are for the roles that read dashboards."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from tortoise.queryset import QuerySet

from incubator import access
from incubator.api import resources
from incubator.auth import service as auth_service
from incubator.auth.models import Role
from incubator.booking.models import Booking
from incubator.funding.models import Fund, Grant
from incubator.organizations.models import Organization
from incubator.parks.models import Park, Space
from incubator.reviews.models import Review, ReviewStatus
from incubator.training.models import TrainingSession
from tests.api.test_tokens import bearer, make_token
from tests.test_access_matrix import World

# Each list: the rows a role may read, as the pages' scope defines them.
LISTS: dict[str, Callable[[access.Principal], QuerySet]] = {
    "/parks": lambda p: access.scope(Park, p),
    "/spaces": lambda p: access.scope(Space, p),
    "/organizations": lambda p: access.scope(Organization, p),
    "/reviews": lambda p: access.scope(Review, p).filter(status=ReviewStatus.DECIDED),
    "/funds": lambda p: access.scope(Fund, p),
    "/grants": lambda p: access.scope(Grant, p),
    "/training-sessions": lambda p: access.scope(TrainingSession, p),
    "/bookings": lambda p: access.scope(Booking, p),
}
# What each role's organization list holds in the world: org A is the member's, park A the manager's.
ORGANIZATIONS = {Role.ADMIN: {"org_a", "org_a2", "org_b"}, Role.OFFICIAL: {"org_a", "org_a2", "org_b"},
                 Role.MANAGER: {"org_a", "org_a2"}, Role.MEMBER: {"org_a"}}


def test_every_list_operation_is_in_the_matrix():
    listed = {op.path for op in resources.operations() if "{" not in op.path and op.path != "/dashboard"}
    assert listed == set(LISTS)


async def _everything(browser, secret: str, path: str) -> tuple[list[int], str]:
    ids, text, url = [], "", f"/api/v1{path}?limit=500"
    while url:
        response = await browser.client.get(url, headers=bearer(secret))
        assert response.status_code == 200, response.text
        body = response.json()
        ids += [row["id"] for row in body["items"]]
        text += response.text
        url = body["next"]
    return ids, text


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
async def test_each_list_answers_exactly_the_roles_scope(world: World, browser, role):
    await Review.filter(id__in=[world.review_a.id, world.review_b.id]).update(
        status=ReviewStatus.DECIDED, decision="pass", decided_at=datetime(2026, 11, 2, tzinfo=UTC))
    user = world.users[role]
    secret = await make_token(user)
    principal = await auth_service.load_principal(user)
    for path, scoped in LISTS.items():
        ids, _text = await _everything(browser, secret, path)
        assert ids == sorted(await scoped(principal).values_list("id", flat=True)), (role, path)
    organizations, _text = await _everything(browser, secret, "/organizations")
    expected = ORGANIZATIONS.get(role)
    if expected is not None:
        assert set(organizations) == {getattr(world, name).id for name in expected}


@pytest.mark.parametrize("role", [Role.MANAGER, Role.MEMBER, Role.EVALUATOR], ids=lambda r: r.value)
async def test_no_list_shows_another_parks_or_organizations_secrets(world: World, browser, role):
    secret = await make_token(world.users[role])
    for path in LISTS:
        if path in ("/parks", "/spaces"):
            continue  # parks and spaces are public within the district (parks.rules)
        ids, text = await _everything(browser, secret, path)
        for private in ("SECRET-ORG-B", "SECRET-BOOKING-B", "SECRET-SESSION-B", "SECRET-FUND-B"):
            assert private not in text, (path, private)
        foreign = {"/organizations": world.org_b.id, "/bookings": world.booking_b.id,
                   "/training-sessions": world.session_b.id, "/grants": world.grant_b.id, "/funds": world.fund_b.id}
        assert foreign.get(path) not in ids, path


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
async def test_an_organization_outside_the_scope_is_404(world: World, browser, role):
    secret = await make_token(world.users[role])
    principal = await auth_service.load_principal(world.users[role])
    for org in (world.org_a, world.org_a2, world.org_b):
        visible = await access.scope(Organization, principal).filter(id=org.id).exists()
        response = await browser.client.get(f"/api/v1/organizations/{org.id}", headers=bearer(secret))
        assert response.status_code == (200 if visible else 404), (role, org.name_zh)
        if not visible:
            assert org.name_zh not in response.text


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
async def test_dashboard_figures_are_for_the_roles_that_read_dashboards(world: World, browser, role):
    secret = await make_token(world.users[role])
    response = await browser.client.get("/api/v1/dashboard", headers=bearer(secret))
    assert response.status_code == (200 if role in (Role.ADMIN, Role.OFFICIAL, Role.MANAGER) else 404)
    other_park = await browser.client.get(f"/api/v1/dashboard?park={world.park_b.id}", headers=bearer(secret))
    assert other_park.status_code == (200 if role in (Role.ADMIN, Role.OFFICIAL) else 404)
    if other_park.status_code == 404:
        assert "SECRET-PARK-B" not in other_park.text

