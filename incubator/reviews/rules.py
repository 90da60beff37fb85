"""Reviews are seen by those who see the organization, and by the evaluators assigned to them;
their indicators likewise. A park's review plan is its managers' and the district's."""

from typing import Any

from tortoise.expressions import Q, Subquery

from incubator.access import ADMINS, Principal, extend, ladder, rule
from incubator.organizations.models import Document
from incubator.organizations.rules import by_organization_id, organization_scope, through_organizations
from incubator.reviews.models import Indicator, Milestone, Review, ReviewAssignment, ReviewFact
from incubator.roles import Role


def _reviews(p: Principal, prefix: str) -> Q | bool:
    if p.is_(Role.EVALUATOR):
        # A semi-join on their assignments: a join would repeat a review per panel member.
        filters: dict[str, Any] = {
            f"{prefix}id__in": Subquery(ReviewAssignment.filter(evaluator_id=p.id).values("review_id"))}
        return Q(**filters)
    if not prefix:
        return by_organization_id(p)
    return organization_scope(p, f"{prefix}organization__")


@rule(Review, "view")
def view_reviews(p: Principal) -> Q | bool:
    return _reviews(p, "")


@rule(Review, "change")
def change_reviews(p: Principal) -> Q | bool:
    return ladder(p, park=through_organizations("organization_id"), everything=ADMINS)


@rule(Indicator, "view")
def view_indicators(p: Principal) -> Q | bool:
    return _reviews(p, "review__")


@rule(ReviewFact, "view")
def view_facts(p: Principal) -> Q | bool:
    """What other records say about the organization is read with the review it is evidence on."""
    return _reviews(p, "review__")


@rule(Indicator, "change")
def change_indicators(p: Principal) -> Q | bool:
    return ladder(p, park="review__organization__park_id", everything=ADMINS)


@rule(Milestone, "view")
def view_milestones(p: Principal) -> Q | bool:
    return ladder(p, park="park_id")


@rule(Milestone, "change")
def change_milestones(p: Principal) -> Q | bool:
    return ladder(p, park="park_id", everything=ADMINS)


@rule(ReviewAssignment, "view")
def view_assignments(p: Principal) -> Q | bool:
    if p.is_(Role.EVALUATOR):
        return Q(evaluator_id=p.id)
    return ladder(p, park="review__organization__park_id")


@rule(ReviewAssignment, "change")
def change_assignments(p: Principal) -> Q | bool:
    # Only the evaluator declares and scores; managers act on the review, not on the scores.
    return Q(evaluator_id=p.id) if p.is_(Role.EVALUATOR) else False


@extend(Document, "view")
def evaluators_read_evidence(p: Principal) -> Q | bool:
    """An evaluator reads the documents attached as evidence to the reviews assigned to them."""
    return Q(review__assignments__evaluator_id=p.id) if p.is_(Role.EVALUATOR) else False
