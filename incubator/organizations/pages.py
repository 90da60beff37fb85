"""What each organization page shows: its template's inputs, typed, in one place.

Routes build these and hand them to `web.render`; a template reads exactly these fields (plus
the base context every page has: request, principal, user, csrf_token, locale, nav, today,
flashes). `values` and `errors` are a form's inputs as typed and its errors by input name."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from incubator.capability import Panel
from incubator.organizations.graduation import Check
from incubator.organizations.models import (
    AdmissionCriterion,
    AdmissionReview,
    Agreement,
    Application,
    Document,
    FollowUp,
    ImportBatch,
    Organization,
    ServiceDomain,
    SpaceAllocation,
    StageChange,
)
from incubator.parks.models import Park, Space
from incubator.web import Page

Choices = list[tuple[str, str]]  # (code, label in the reader's language)


@dataclass
class ListPage:  # organizations/list.html (block "results" for htmx)
    organizations: list[Organization]  # this page of the results, only routes.path.LIST_COLUMNS read
    page: Page
    q: str
    filters: dict[str, str]  # park, stage, domain, registration as given
    sort: str
    parks: list[Park]  # the filter's choices (id and names)
    parks_by_id: dict[int, Park]
    stages: Choices
    registrations: Choices
    domains: list[ServiceDomain]
    actions: frozenset[str]  # service.list_actions
    page_params: dict[str, str]  # the query the pager keeps
    events: Choices  # admitted, graduated, exited: the filter by when (with "months")
    export_query: str  # the filters as a query string, for the .xlsx and .csv links


@dataclass
class OverduePage:  # organizations/overdue.html
    organizations: list[Organization]
    page: Page
    params: dict[str, str]  # the filters given (park, domain), kept by the pager
    export_query: str  # the same, as a query string for the .xlsx and .csv links


@dataclass
class DetailPage:  # organizations/detail.html
    organization: Organization  # `park` fetched
    actions: frozenset[str]  # service.organization_actions
    transitions: Choices  # service.stage_targets, for the stage form
    domains: list[ServiceDomain]
    application: Application | None  # for those with "read_application"
    agreement: Agreement | None  # the latest
    allocation: SpaceAllocation | None  # the agreement's latest desk, `space` fetched
    support_labels: dict
    checks: list[Check]  # the graduation checklist
    documents: list[Document]
    follow_ups: list[FollowUp]
    panels: list[tuple[Panel, dict]]  # other capabilities' sections, with their data
    form: str = "stage"  # the form `errors` and `values` belong to: "stage", "document", "follow_up_<id>"
    errors: dict[str, str] = field(default_factory=dict)
    values: dict = field(default_factory=dict)


@dataclass
class TimelinePage:  # organizations/timeline.html (block "timeline" for htmx)
    organization: Organization
    changes: list[StageChange]
    field_labels: dict[str, str]


@dataclass
class ProfileFormPage:  # organizations/form.html
    organization: Organization
    values: dict[str, Any]  # domain_ids is a list
    errors: dict[str, str]
    domain_options: list[tuple[int, str]]
    kinds: Choices


@dataclass
class RegistrationPage:  # organizations/registration.html
    organization: Organization
    values: dict[str, str]
    errors: dict[str, str]
    registrations: Choices


@dataclass
class CreditCodeCheck:  # organizations/_credit_code_check.html
    problem: str | None
    normalised: str


@dataclass
class AdmissionPage:  # organizations/admission.html
    organization: Organization
    park: Park
    values: dict[str, Any]  # supports is a list
    errors: dict[str, str]
    criteria: list[AdmissionCriterion]  # a score_<id> input each
    desks: list[Space]  # free desks and offices
    supports: Choices
    application: Application | None
    reviews: list[AdmissionReview]  # earlier admission reviews


@dataclass
class ApplyPage:  # organizations/apply.html
    park: Park
    values: dict[str, Any]  # domain_ids and supports are lists
    errors: dict[str, str]
    domain_options: list[tuple[int, str]]
    kinds: Choices
    supports: Choices
    duplicate: bool = False  # ask to confirm a likely duplicate


@dataclass
class ApplicationStatusPage:  # organizations/application_status.html
    application: Application  # `organization__park` fetched
    organization: Organization
    rejection: StageChange | None  # why, when rejected


@dataclass
class ImportPage:  # organizations/import.html
    parks: list[Park]  # those the principal may import into
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportPreviewPage:  # organizations/import_preview.html
    batch: ImportBatch  # `park` fetched
    columns: list[tuple[str, str]]  # (Chinese header, field)
    column_labels: dict[str, str]  # field → label in the reader's language
    field_labels: dict[str, str]
    valid: int  # rows without errors
    may_confirm: bool  # importer.may_confirm


@dataclass
class CriteriaPage:  # organizations/criteria.html
    park: Park
    values: dict[str, str]  # name_zh_N, name_en_N, weight_N, max_score_N
    errors: dict[str, str]
    rows: range


@dataclass
class DomainsPage:  # organizations/domains.html
    domains: list[ServiceDomain]
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
