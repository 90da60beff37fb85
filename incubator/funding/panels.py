"""The seed-funding section of the organization page (a panel the funding manifest declares)."""

from __future__ import annotations

from incubator import access
from incubator.access import Principal
from incubator.funding import service
from incubator.funding.models import Grant
from incubator.organizations.models import Organization


async def organization_grants(principal: Principal, organization: Organization) -> dict | None:
    grants = await access.scope(Grant, principal).filter(organization_id=organization.id).order_by("-created_at")
    may_draft = service.may_draft_grant(principal, organization)
    if not grants and not may_draft:
        return None
    return {"grants": grants, "may_draft": may_draft}
