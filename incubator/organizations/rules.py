"""An organization's data is for its members, its park's managers, and the district."""

from tortoise.expressions import Q

from incubator.access import Principal, rule
from incubator.auth.models import Role
from incubator.organizations.models import Organization


@rule(Organization, "view")
def view_organizations(p: Principal) -> Q | bool:
    if p.is_(Role.ADMIN, Role.OFFICIAL):
        return True
    if p.is_(Role.MANAGER):
        return Q(park_id__in=list(p.park_ids))
    if p.is_(Role.MEMBER) and p.organization_id is not None:
        return Q(id=p.organization_id)
    return False


@rule(Organization, "change")
def change_organizations(p: Principal) -> Q | bool:
    if p.is_(Role.ADMIN):
        return True
    if p.is_(Role.MANAGER):
        return Q(park_id__in=list(p.park_ids))
    if p.is_(Role.MEMBER) and p.organization_id is not None:
        return Q(id=p.organization_id)
    return False
