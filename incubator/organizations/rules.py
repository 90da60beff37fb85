"""An organization's data is for its members, its park's managers, and the district.

Its children (agreement, desk, application, admission reviews, timeline) follow the organization;
the application and its admission reviews are the park's business, not the members'. Service
domains and admission scorecards are reference data every signed-in user reads."""

from typing import Any

from tortoise.expressions import Q, Subquery

from incubator.access import Principal, rule
from incubator.organizations.models import (
    AdmissionCriterion,
    AdmissionReview,
    Agreement,
    Application,
    Document,
    FollowUp,
    ImportBatch,
    Organization,
    OrganizationDomain,
    ServiceDomain,
    SpaceAllocation,
    StageChange,
)
from incubator.roles import Role


def _q(lookup: str, value: Any) -> Q:
    """A filter on a lookup built at run time (a prefix through a relation)."""
    filters: dict[str, Any] = {lookup: value}
    return Q(**filters)


def organization_scope(p: Principal, prefix: str) -> Q | bool:
    if p.is_(Role.ADMIN, Role.OFFICIAL):
        return True
    if p.is_(Role.MANAGER):
        return _q(f"{prefix}park_id__in", list(p.park_ids))
    if p.is_(Role.MEMBER) and p.organization_id is not None:
        return _q(f"{prefix}id", p.organization_id)
    return False


def by_organization_id(p: Principal, field: str = "organization_id") -> Q | bool:
    """`organization_scope` for a row that holds the organization's id: a manager's parks as a
    semi-join (`id IN (SELECT …)`) instead of a join, so the database can walk the park's
    organizations and then their rows by an index on `field`, rather than every row of the kind."""
    if p.is_(Role.MANAGER):
        return _q(f"{field}__in", Subquery(Organization.filter(park_id__in=list(p.park_ids)).values("id")))
    if p.is_(Role.MEMBER) and p.organization_id is not None:
        return _q(field, p.organization_id)
    return organization_scope(p, "organization__")


@rule(Organization, "view")
def view_organizations(p: Principal) -> Q | bool:
    return organization_scope(p, "")


@rule(Organization, "change")
def change_organizations(p: Principal) -> Q | bool:
    # Members change their own profile; stages, agreements and registration are further
    # limited to managers and administrators by the services.
    if p.is_(Role.OFFICIAL):
        return False
    return organization_scope(p, "")


@rule(Document, "view")
def view_documents(p: Principal) -> Q | bool:
    return organization_scope(p, "organization__")


@rule(Document, "change")
def change_documents(p: Principal) -> Q | bool:
    return False if p.is_(Role.OFFICIAL) else organization_scope(p, "organization__")


@rule(FollowUp, "view")
def view_follow_ups(p: Principal) -> Q | bool:
    return organization_scope(p, "organization__")


@rule(FollowUp, "change")
def change_follow_ups(p: Principal) -> Q | bool:
    if p.is_(Role.ADMIN):
        return True
    if p.is_(Role.MANAGER):
        return Q(organization__park_id__in=list(p.park_ids))
    return False


@rule(ImportBatch, "view")
def view_imports(p: Principal) -> Q | bool:
    if p.is_(Role.ADMIN):
        return True
    if p.is_(Role.MANAGER):
        return Q(park_id__in=list(p.park_ids), created_by_id=p.id)
    return False


@rule(ImportBatch, "change")
def change_imports(p: Principal) -> Q | bool:
    return view_imports(p)


def _park_staff(p: Principal, prefix: str) -> Q | bool:
    """What only the park's side reads: administrators, officials and the park's managers."""
    if p.is_(Role.ADMIN, Role.OFFICIAL):
        return True
    if p.is_(Role.MANAGER):
        return _q(f"{prefix}park_id__in", list(p.park_ids))
    return False


@rule(Agreement, "view")
def view_agreements(p: Principal) -> Q | bool:
    return organization_scope(p, "organization__")


@rule(SpaceAllocation, "view")
def view_allocations(p: Principal) -> Q | bool:
    return organization_scope(p, "agreement__organization__")


@rule(StageChange, "view")
def view_timeline(p: Principal) -> Q | bool:
    return organization_scope(p, "organization__")


@rule(OrganizationDomain, "view")
def view_domain_links(p: Principal) -> Q | bool:
    return organization_scope(p, "organization__")


@rule(Application, "view")
def view_applications(p: Principal) -> Q | bool:
    return _park_staff(p, "organization__")


@rule(AdmissionReview, "view")
def view_admission_reviews(p: Principal) -> Q | bool:
    return _park_staff(p, "organization__")


@rule(ServiceDomain, "view")
def view_service_domains(p: Principal) -> Q | bool:
    return True  # reference data, also offered on the public application form


@rule(AdmissionCriterion, "view")
def view_admission_criteria(p: Principal) -> Q | bool:
    return True  # a park's scorecard is no secret; changing it goes through the park's change scope
