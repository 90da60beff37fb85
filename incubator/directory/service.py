"""The public directory's rules: what is public, and the organization's changes to what it publishes.

Public: an organization that agreed to be listed (`Listing.listed`), incubating (any resident stage)
or graduated, shown with what the directory chose to publish and nothing else: its names, logo,
service domains, park, description, the contact point it typed for the public, its brand projects,
and "incubating" or "graduated" (never the stage itself). Everything a public page reads goes
through `public_organizations` and the column lists below, so nothing private can reach it by a
template's mistake: the templates receive `Entry` values, not models.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from incubator import access, clock, events, uploads
from incubator.access import Principal
from incubator.audit import service as audit
from incubator.config import Settings
from incubator.directory import rules
from incubator.directory.commands import ProjectDetails, SaveListing
from incubator.directory.models import BrandProject, Listing
from incubator.errors import NotFound, PermissionDenied, ValidationFailed
from incubator.i18n import N_
from incubator.i18n import gettext as _
from incubator.organizations.models import RESIDENT_STAGES, Organization, OrganizationDomain, ServiceDomain, Stage
from incubator.parks.models import Park

PUBLIC_STAGES = tuple(sorted(s.value for s in (*RESIDENT_STAGES, Stage.GRADUATED)))
PAGE_SIZE = 24
LOGO_KINDS = ("png", "jpg", "jpeg")
LOGO_MAX_BYTES = 1024 * 1024
# The organization's columns a public page may read: nothing else is ever selected.
PUBLIC_COLUMNS = ("id", "name_zh", "name_en", "park_id", "stage", "description")
INCUBATING, GRADUATED = N_("Incubating"), N_("Graduated")


@dataclass(frozen=True)
class Project:
    name: str
    domain: str
    started_on: date
    ended_on: date | None
    people_reached: int
    summary: str


@dataclass(frozen=True)
class Entry:
    """An organization as the public sees it."""

    id: int
    name: str
    name_other: str  # the name in the other language, when it has one
    park: str
    status: str  # "Incubating" or "Graduated", translated
    domains: list[str]
    description: str
    contact: str  # the contact point it typed for the public (its website, if it wants it shown)
    has_logo: bool
    projects: list[Project]
    people_reached: int  # by all its brand projects


def is_public(organization: Organization, listing: Listing) -> bool:
    """The rule `public_organizations` applies in the database, for one organization at hand."""
    return listing.listed and organization.stage in PUBLIC_STAGES


def public_organizations() -> QuerySet[Organization]:
    """The organizations the public may see: listed, incubating or graduated."""
    listed = Subquery(Listing.filter(listed=True).values("organization_id"))
    return Organization.filter(id__in=listed, stage__in=list(PUBLIC_STAGES))


async def public_parks(locale: str) -> list[tuple[int, str]]:
    return [(p.id, p.display_name(locale)) for p in await Park.filter(is_active=True).only(
        "id", "name_zh", "name_en").order_by("id")]


async def public_domains(locale: str) -> list[tuple[int, str]]:
    return [(d.id, d.display_name(locale)) for d in await ServiceDomain.filter(is_active=True).order_by("sort", "id")]


def _search(q: str, domain_id: int | None, park_id: int | None) -> QuerySet[Organization]:
    found = public_organizations()
    if q:
        found = found.filter(Q(name_zh__icontains=q) | Q(name_en__icontains=q) | Q(description__icontains=q))
    if domain_id is not None:
        found = found.filter(id__in=Subquery(OrganizationDomain.filter(domain_id=domain_id).values("organization_id")))
    if park_id is not None:
        found = found.filter(park_id=park_id)
    return found


async def _entries(organizations: list[Organization], locale: str, *, projects: bool) -> list[Entry]:
    """The public face of these organizations: four queries whatever their number."""
    ids = [o.id for o in organizations]
    parks = {p.id: p.display_name(locale) for p in await Park.filter(
        id__in=list({o.park_id for o in organizations})).only("id", "name_zh", "name_en")}
    domain_names = {d.id: d.display_name(locale) for d in await ServiceDomain.all()}
    domains: dict[int, list[str]] = {}
    for organization_id, domain_id in await OrganizationDomain.filter(organization_id__in=ids).order_by(
            "domain_id").values_list("organization_id", "domain_id"):
        domains.setdefault(organization_id, []).append(domain_names.get(domain_id, ""))
    listings = {row.organization_id: row for row in await Listing.filter(organization_id__in=ids).only(
        "id", "organization_id", "contact", "logo_name")}
    brand: dict[int, list[Project]] = {}
    reached: dict[int, int] = {}
    for p in await BrandProject.filter(organization_id__in=ids).order_by("-started_on", "id"):
        reached[p.organization_id] = reached.get(p.organization_id, 0) + p.people_reached
        if projects:
            brand.setdefault(p.organization_id, []).append(Project(
                p.name, domain_names.get(p.domain_id, "") if p.domain_id else "", p.started_on, p.ended_on,
                p.people_reached, p.summary))
    result = []
    for o in organizations:
        name = o.display_name(locale)
        other = o.name_zh if name != o.name_zh else o.name_en
        listing = listings.get(o.id)
        result.append(Entry(
            o.id, name, other, parks.get(o.park_id, ""), _(GRADUATED if o.stage == Stage.GRADUATED else INCUBATING),
            domains.get(o.id, []), o.description, listing.contact if listing else "",
            bool(listing and listing.logo_name), brand.get(o.id, []), reached.get(o.id, 0)))
    return result


@dataclass(frozen=True)
class DirectoryPage:
    entries: list[Entry]
    number: int
    has_next: bool
    total: int


async def directory(q: str, domain_id: int | None, park_id: int | None, number: int, locale: str) -> DirectoryPage:
    """One page of the directory, by name; searched (names and description), by domain and park."""
    found = _search(q, domain_id, park_id)
    total = await found.count()
    rows = list(await found.only(*PUBLIC_COLUMNS).order_by("name_zh", "id").offset(
        (number - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1))
    entries = await _entries(rows[:PAGE_SIZE], locale, projects=False)
    return DirectoryPage(entries, number, len(rows) > PAGE_SIZE, total)


async def entry(organization_id: int, locale: str) -> Entry:
    """An organization's public page; NotFound unless it is public."""
    organization = await public_organizations().only(*PUBLIC_COLUMNS).get_or_none(id=organization_id)
    if organization is None:
        raise NotFound(_("Not found."))
    return (await _entries([organization], locale, projects=True))[0]


async def public_logo(organization_id: int) -> Listing:
    """The logo of a public organization (its storage name, type and digest); NotFound otherwise."""
    listing = await Listing.filter(organization_id__in=Subquery(public_organizations().values("id"))).only(
        "id", "organization_id", "logo_name", "logo_type", "logo_sha256").get_or_none(organization_id=organization_id)
    if listing is None or not listing.logo_name:
        raise NotFound(_("Not found."))
    return listing


# ---- the organization's side ---------------------------------------------------------------

LISTING_FIELDS = ["listed", "contact", "logo_sha256"]


async def _allows(decision: Q | bool, organization_id: int) -> bool:
    """A rule's decision (rules.py) for one organization, asked of the organization's own row."""
    if isinstance(decision, bool):
        return decision
    return await Organization.filter(decision, id=organization_id).exists()


async def listing_for(principal: Principal, organization_id: int) -> tuple[Organization, Listing, bool, bool]:
    """The organization (if the principal sees it), its listing (unsaved and unlisted until it is
    first saved), whether the principal may change it (the organization's members only: the
    consent is theirs) and whether they keep its brand projects."""
    organization = await access.get_or_404(Organization, principal, id=organization_id)
    listing = await Listing.get_or_none(organization_id=organization.id) or Listing(
        organization_id=organization.id, listed=False, contact="")
    return (organization, listing, await _allows(rules.publishers(principal, "id"), organization.id),
            await _allows(rules.project_keepers(principal, "id"), organization.id))


async def _changeable(principal: Principal, organization_id: int) -> Listing:
    """The listing the principal may change, made (unlisted) the first time."""
    organization, _listing, may, _keeps = await listing_for(principal, organization_id)
    if not may:
        raise PermissionDenied(_("Only the organization itself decides what it publishes."))
    listing = await Listing.get_or_none(organization_id=organization.id)
    if listing is None:
        try:
            listing = await Listing.create(organization_id=organization.id, updated_at=clock.now())
        except IntegrityError:  # made meanwhile by another request
            listing = await Listing.get(organization_id=organization.id)
    return listing


async def save_listing(principal: Principal, organization_id: int, command: SaveListing) -> Listing:
    """The organization's consent and the contact point it publishes; audited."""
    listing = await _changeable(principal, organization_id)
    async with events.transaction():
        await audit.save_and_record(principal, listing, {"listed": command.listed, "contact": command.contact,
                                                         "updated_at": clock.now()}, LISTING_FIELDS)
    return listing


async def set_logo(principal: Principal, organization_id: int, upload: object, settings: Settings) -> Listing:
    """A new logo (PNG or JPEG, at most 1 MB, checked by its content); the old file is removed."""
    await check_publisher(principal, organization_id)
    small = dataclasses.replace(settings, max_upload_bytes=LOGO_MAX_BYTES)
    # A wrong file: refused before anything is written (the listing is made on its first change);
    # a record that could not be saved: the file removed again.
    async with uploads.kept(upload, small, LOGO_KINDS) as stored:
        listing = await _changeable(principal, organization_id)
        old = listing.logo_name
        async with events.transaction():
            await audit.save_and_record(principal, listing, {
                "logo_name": stored.storage_name, "logo_type": stored.content_type, "logo_sha256": stored.sha256,
                "updated_at": clock.now()}, LISTING_FIELDS)
    if old:
        uploads.path_of(settings, old).unlink(missing_ok=True)
    return listing


async def projects_of(principal: Principal, organization_id: int) -> list[BrandProject]:
    return list(await access.scope(BrandProject, principal).filter(organization_id=organization_id).select_related(
        "domain").order_by("-started_on", "id"))


async def check_project_keeper(principal: Principal, organization_id: int) -> None:
    """NotFound or PermissionDenied unless the principal keeps the organization's brand projects:
    asked before a form is read, so whoever may not is refused whatever they sent."""
    _organization, _listing, _may, keeps = await listing_for(principal, organization_id)
    if not keeps:
        raise PermissionDenied(_("You may not change this organization's brand projects."))


async def check_publisher(principal: Principal, organization_id: int) -> None:
    """As check_project_keeper, for what the organization publishes (its members only); writes nothing."""
    _organization, _listing, may, _keeps = await listing_for(principal, organization_id)
    if not may:
        raise PermissionDenied(_("Only the organization itself decides what it publishes."))


async def _check_domain(command: ProjectDetails) -> None:
    if command.domain_id is not None and not await ServiceDomain.exists(id=command.domain_id):
        raise ValidationFailed({"domain_id": _("Choose one of the options.")})


PROJECT_FIELDS = ["name", "domain_id", "started_on", "ended_on", "people_reached", "summary"]


async def add_project(principal: Principal, organization_id: int, command: ProjectDetails) -> BrandProject:
    await check_project_keeper(principal, organization_id)
    await _check_domain(command)
    async with events.transaction():
        project = await BrandProject.create(organization_id=organization_id, created_at=clock.now(),
                                            **{name: getattr(command, name) for name in PROJECT_FIELDS})
        await audit.record(principal, "create", project, audit.diff({}, audit.snapshot(project, PROJECT_FIELDS)))
    return project


async def update_project(principal: Principal, project_id: int, command: ProjectDetails) -> BrandProject:
    project = await access.get_or_404(BrandProject, principal, "change", id=project_id)
    await _check_domain(command)
    async with events.transaction():
        await audit.save_and_record(principal, project, {name: getattr(command, name) for name in PROJECT_FIELDS},
                                    PROJECT_FIELDS)
    return project


async def delete_project(principal: Principal, project_id: int) -> int:
    """Removes the project; returns its organization's id."""
    project = await access.get_or_404(BrandProject, principal, "change", id=project_id)
    async with events.transaction():
        await audit.record(principal, "delete", project, audit.diff(audit.snapshot(project, PROJECT_FIELDS), {}))
        await project.delete()
    return project.organization_id
