"""What the directory's pages show: their templates' inputs, typed."""

from __future__ import annotations

from dataclasses import dataclass

from incubator.directory.models import BrandProject, Listing
from incubator.directory.service import DirectoryPage, Entry
from incubator.organizations.models import Organization


@dataclass
class DirectoryListPage:  # directory/list.html (block "results" for htmx)
    directory: DirectoryPage
    q: str
    domain_id: int | None
    park_id: int | None
    domains: list[tuple[int, str]]
    parks: list[tuple[int, str]]
    params: dict[str, str]  # the filters, for the pager
    lang: str  # the language the links carry ("" for the visitor's own)


@dataclass
class EntryPage:  # directory/entry.html
    entry: Entry
    lang: str


@dataclass
class ListingPage:  # directory/listing.html: what the organization publishes
    organization: Organization
    listing: Listing
    may_publish: bool  # the organization's members: its consent, contact point and logo
    may_keep_projects: bool  # its members, its park's managers, administrators
    projects: list[BrandProject]  # with their domains
    domains: list[tuple[int, str]]
    values: dict  # the listing form's text
    errors: dict[str, str]
    project_values: dict  # the new project's form
    project_errors: dict[str, str]
    public: bool  # listed, and incubating or graduated: on the public directory now (service.is_public)


@dataclass
class ProjectPage:  # directory/project.html
    project: BrandProject
    domains: list[tuple[int, str]]
    values: dict
    errors: dict[str, str]
