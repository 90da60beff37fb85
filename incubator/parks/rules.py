"""Parks and spaces are public within the district; only their managers change them."""

from tortoise.expressions import Q

from incubator.access import ADMINS, Principal, ladder, rule
from incubator.parks.models import Park, Space


@rule(Park, "view")
def view_parks(p: Principal) -> Q | bool:
    return True


@rule(Park, "change")
def change_parks(p: Principal) -> Q | bool:
    return ladder(p, park="id", everything=ADMINS)


@rule(Space, "view")
def view_spaces(p: Principal) -> Q | bool:
    return True


@rule(Space, "change")
def change_spaces(p: Principal) -> Q | bool:
    return ladder(p, park="park_id", everything=ADMINS)
