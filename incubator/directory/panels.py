"""The organization page's section on the public directory: listed or not, its brand projects."""

from __future__ import annotations

from incubator import access
from incubator.access import Principal
from incubator.directory.models import BrandProject, Listing
from incubator.directory.service import PUBLIC_STAGES
from incubator.organizations.models import Organization
from incubator.roles import Role


async def organization_listing(principal: Principal, organization: Organization) -> dict | None:
    listing = await access.scope(Listing, principal).filter(organization_id=organization.id).only(
        "id", "organization_id", "listed").first()
    listed = bool(listing and listing.listed)
    public = listed and organization.stage in PUBLIC_STAGES
    return {"organization_id": organization.id, "listed": listed, "public": public,
            "projects": await access.scope(BrandProject, principal).filter(organization_id=organization.id).count(),
            "own": principal.is_(Role.MEMBER) and principal.organization_id == organization.id}
