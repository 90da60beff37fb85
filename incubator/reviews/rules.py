"""Reviews are seen by those who see the organization, and by the evaluators assigned to them."""

from tortoise.expressions import Q

from incubator.access import Principal, extend, rule
from incubator.organizations.models import Document
from incubator.organizations.rules import organization_scope
from incubator.reviews.models import Review, ReviewAssignment
from incubator.roles import Role


@rule(Review, "view")
def view_reviews(p: Principal) -> Q | bool:
    if p.is_(Role.EVALUATOR):
        return Q(assignments__evaluator_id=p.id)
    return organization_scope(p, "organization__")


@rule(Review, "change")
def change_reviews(p: Principal) -> Q | bool:
    if p.is_(Role.ADMIN):
        return True
    if p.is_(Role.MANAGER):
        return Q(organization__park_id__in=list(p.park_ids))
    return False


@rule(ReviewAssignment, "view")
def view_assignments(p: Principal) -> Q | bool:
    if p.is_(Role.ADMIN, Role.OFFICIAL):
        return True
    if p.is_(Role.MANAGER):
        return Q(review__organization__park_id__in=list(p.park_ids))
    if p.is_(Role.EVALUATOR):
        return Q(evaluator_id=p.id)
    return False


@rule(ReviewAssignment, "change")
def change_assignments(p: Principal) -> Q | bool:
    # Only the evaluator declares and scores; managers act on the review, not on the scores.
    return Q(evaluator_id=p.id) if p.is_(Role.EVALUATOR) else False


@extend(Document, "view")
def evaluators_read_evidence(p: Principal) -> Q | bool:
    """An evaluator reads the documents attached as evidence to the reviews assigned to them."""
    return Q(review__assignments__evaluator_id=p.id) if p.is_(Role.EVALUATOR) else False
