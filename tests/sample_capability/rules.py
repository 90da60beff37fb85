"""Everyone sees the lanterns of the parks they see; managers only their parks'."""

from tortoise.expressions import Q

from incubator.access import Principal, rule
from incubator.roles import Role
from tests.sample_capability.models import Lantern


@rule(Lantern, "view")
def view_lanterns(p: Principal) -> Q | bool:
    if p.is_(Role.ADMIN, Role.OFFICIAL):
        return True
    if p.is_(Role.MANAGER):
        return Q(park_id__in=list(p.park_ids))
    return False
