"""Parks and spaces are public within the district; only their managers change them."""

from tortoise.expressions import Q

from incubator.access import Principal, rule
from incubator.parks.models import Park, Space
from incubator.roles import Role


@rule(Park, "view")
def view_parks(p: Principal) -> Q | bool:
    return True


@rule(Park, "change")
def change_parks(p: Principal) -> Q | bool:
    if p.is_(Role.ADMIN):
        return True
    if p.is_(Role.MANAGER):
        return Q(id__in=list(p.park_ids))
    return False


@rule(Space, "view")
def view_spaces(p: Principal) -> Q | bool:
    return True


@rule(Space, "change")
def change_spaces(p: Principal) -> Q | bool:
    if p.is_(Role.ADMIN):
        return True
    if p.is_(Role.MANAGER):
        return Q(park_id__in=list(p.park_ids))
    return False
