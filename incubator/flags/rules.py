"""Flags are for the managers of the flagged park and for the district."""

from tortoise.expressions import Q

from incubator.access import Principal, rule
from incubator.auth.models import Role
from incubator.flags.models import Flag


@rule(Flag, "view")
def view_flags(p: Principal) -> Q | bool:
    if p.is_(Role.ADMIN, Role.OFFICIAL):
        return True
    if p.is_(Role.MANAGER):
        return Q(park_id__in=list(p.park_ids))
    return False


@rule(Flag, "change")
def change_flags(p: Principal) -> Q | bool:
    return False  # flags are raised and resolved by the jobs, from the state of things
