"""Flags are for the managers of the flagged park, for the district, and for the flagged
organization's members."""

from tortoise.expressions import Q

from incubator.access import Principal, rule
from incubator.flags.models import Flag
from incubator.roles import Role


@rule(Flag, "view")
def view_flags(p: Principal) -> Q | bool:
    if p.is_(Role.ADMIN, Role.OFFICIAL):
        return True
    if p.is_(Role.MANAGER):
        return Q(park_id__in=list(p.park_ids))
    if p.is_(Role.MEMBER) and p.organization_id is not None:
        return Q(organization_id=p.organization_id)  # what is flagged about their own organization
    return False


@rule(Flag, "change")
def change_flags(p: Principal) -> Q | bool:
    return False  # flags are raised and resolved by the jobs, from the state of things
