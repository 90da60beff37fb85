"""An organization's data is for its members, its park's managers, and the district.

Its children (agreement, desk, application, admission reviews, timeline) follow the organization;
the application and its admission reviews are the park's business, not the members'. Service
domains and admission scorecards are reference data every signed-in user reads."""

from typing import Any

from tortoise.expressions import Q, Subquery

from incubator.access import ADMINS, STAFF, ParkRung, Principal, ladder, rule
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


def organization_scope(p: Principal, prefix: str, *, everything: tuple[Role, ...] = STAFF) -> Q | bool:
    """The ladder on the organization reached through `prefix` ("" for an organization itself)."""
    return ladder(p, park=f"{prefix}park_id", organization=f"{prefix}id", everything=everything)


def through_organizations(field: str) -> ParkRung:
    """A manager's rung on rows holding an organization's id in `field`: their parks'
    organizations as a semi-join (`field IN (SELECT id …)`) instead of a join, so the database can
    walk the park's organizations and then their rows by an index on `field`, rather than every
    row of the kind."""
    def rung(parks: list[int]) -> Q:
        filters: dict[str, Any] = {f"{field}__in": Subquery(Organization.filter(park_id__in=parks).values("id"))}
        return Q(**filters)
    return rung


def by_organization_id(p: Principal, field: str = "organization_id") -> Q | bool:
    """`organization_scope` for a row that holds the organization's id in `field`."""
    return ladder(p, park=through_organizations(field), organization=field)


@rule(Organization, "view")
def view_organizations(p: Principal) -> Q | bool:
    return organization_scope(p, "")


@rule(Organization, "change")
def change_organizations(p: Principal) -> Q | bool:
    # Members change their own profile; stages, agreements and registration are further
    # limited to managers and administrators by the services. Officials read.
    return organization_scope(p, "", everything=ADMINS)


@rule(Document, "view")
def view_documents(p: Principal) -> Q | bool:
    return organization_scope(p, "organization__")


@rule(Document, "change")
def change_documents(p: Principal) -> Q | bool:
    return organization_scope(p, "organization__", everything=ADMINS)


@rule(FollowUp, "view")
def view_follow_ups(p: Principal) -> Q | bool:
    return organization_scope(p, "organization__")


@rule(FollowUp, "change")
def change_follow_ups(p: Principal) -> Q | bool:
    return ladder(p, park="organization__park_id", everything=ADMINS)


@rule(ImportBatch, "view")
def view_imports(p: Principal) -> Q | bool:
    # A manager sees the imports they made themselves, into their parks.
    return ladder(p, park=lambda parks: Q(park_id__in=parks, created_by_id=p.id), everything=ADMINS)


@rule(ImportBatch, "change")
def change_imports(p: Principal) -> Q | bool:
    return view_imports(p)


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
    return ladder(p, park="organization__park_id")  # the park's side only, not the members


@rule(AdmissionReview, "view")
def view_admission_reviews(p: Principal) -> Q | bool:
    return ladder(p, park="organization__park_id")


@rule(ServiceDomain, "view")
def view_service_domains(p: Principal) -> Q | bool:
    return True  # reference data, also offered on the public application form


@rule(AdmissionCriterion, "view")
def view_admission_criteria(p: Principal) -> Q | bool:
    return True  # a park's scorecard is no secret; changing it goes through the park's change scope
