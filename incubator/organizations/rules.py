"""An organization's data is for its members, its park's managers, and the district."""

from tortoise.expressions import Q

from incubator.access import Principal, rule
from incubator.organizations.models import Document, FollowUp, ImportBatch, Organization
from incubator.roles import Role


def organization_scope(p: Principal, prefix: str) -> Q | bool:
    if p.is_(Role.ADMIN, Role.OFFICIAL):
        return True
    if p.is_(Role.MANAGER):
        return Q(**{f"{prefix}park_id__in": list(p.park_ids)})
    if p.is_(Role.MEMBER) and p.organization_id is not None:
        return Q(**{f"{prefix}id": p.organization_id})
    return False


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
