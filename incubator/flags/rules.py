"""Flags are for the managers of the flagged park, for the district, and for the flagged
organization's members."""

from tortoise.expressions import Q

from incubator.access import Principal, ladder, rule
from incubator.flags.models import Flag


@rule(Flag, "view")
def view_flags(p: Principal) -> Q | bool:
    # Members: what is flagged about their own organization.
    return ladder(p, park="park_id", organization="organization_id")


@rule(Flag, "change")
def change_flags(p: Principal) -> Q | bool:
    return False  # flags are raised and resolved by the jobs, from the state of things
