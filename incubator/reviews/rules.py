"""Reviews are seen by those who see the organization; plans by those who see the park."""

from tortoise.expressions import Q

from incubator.access import Principal, rule
from incubator.organizations.rules import _organization_scope
from incubator.reviews.models import Review


@rule(Review, "view")
def view_reviews(p: Principal) -> Q | bool:
    return _organization_scope(p, "organization__")


@rule(Review, "change")
def change_reviews(p: Principal) -> Q | bool:
    from incubator.auth.models import Role

    if p.is_(Role.ADMIN):
        return True
    if p.is_(Role.MANAGER):
        return Q(organization__park_id__in=list(p.park_ids))
    return False
