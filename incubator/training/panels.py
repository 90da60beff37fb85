"""The training section of the organization page: hours its people attended, by year and topic,
against the park's minimum for graduation (a panel the training manifest declares)."""

from __future__ import annotations

from incubator.access import Principal
from incubator.organizations.models import Organization
from incubator.roles import Role
from incubator.training import hours
from incubator.training.models import hours_text


def sees_hours(principal: Principal, organization: Organization) -> bool:
    """Its members, its park's managers, officials and administrators (as the seats' access rule)."""
    return (principal.is_(Role.ADMIN, Role.OFFICIAL) or principal.organization_id == organization.id
            or (organization.park_id is not None and principal.manages(organization.park_id)))


async def organization_hours(principal: Principal, organization: Organization) -> dict | None:
    """One query whatever the organization's data (the page's query count is pinned)."""
    if not sees_hours(principal, organization):
        return None
    minimum, rows = await hours.organization_hours(organization)
    total = sum(row.minutes for row in rows)
    return {"rows": rows, "total": hours_text(total), "minimum": minimum, "met": total >= minimum * 60}
