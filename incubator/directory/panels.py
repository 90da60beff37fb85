"""The organization page's link to what it publishes in the public directory. No query: the
organization page's queries are pinned (tests/test_city_query_counts.py), and the listing page says
whether it is listed and shows the brand projects."""

from __future__ import annotations

from incubator.access import Principal
from incubator.organizations.models import Organization
from incubator.roles import Role


async def organization_listing(principal: Principal, organization: Organization) -> dict | None:
    if principal.is_(Role.EVALUATOR):
        return None
    return {"organization_id": organization.id,
            "own": principal.is_(Role.MEMBER) and principal.organization_id == organization.id}
