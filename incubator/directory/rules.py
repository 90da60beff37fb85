"""Who sees and changes what an organization publishes. Seeing (the back office's view): whoever
sees the organization. Changing the listing, its consent, contact point and logo: the organization's
members only (the consent is theirs to give). Brand projects: its members and its park's managers
(who often keep the records for the organizations they incubate), and administrators. The public
reads the directory without any of these: directory.service decides what is public."""

from tortoise.expressions import Q

from incubator.access import ADMINS, Principal, ladder, rule
from incubator.directory.models import BrandProject, Listing
from incubator.organizations.rules import by_organization_id, through_organizations


@rule(Listing, "view")
def view_listings(p: Principal) -> Q | bool:
    return by_organization_id(p)


def publishers(p: Principal, field: str = "organization_id") -> Q | bool:
    """Who decides what an organization publishes: its members. A filter on rows holding the
    organization's id in `field` (a listing's `organization_id`, an organization's `id`)."""
    return ladder(p, organization=field, everything=())


@rule(Listing, "change")
def change_listings(p: Principal) -> Q | bool:
    return publishers(p)


@rule(BrandProject, "view")
def view_brand_projects(p: Principal) -> Q | bool:
    return by_organization_id(p)


def project_keepers(p: Principal, field: str = "organization_id") -> Q | bool:
    """Who keeps an organization's brand projects, as a filter on rows holding the organization's
    id in `field` (the projects' `organization_id`, an organization's `id`)."""
    return ladder(p, park=through_organizations(field), organization=field, everything=ADMINS)


@rule(BrandProject, "change")
def change_brand_projects(p: Principal) -> Q | bool:
    return project_keepers(p)
