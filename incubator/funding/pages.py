"""What each seed-funding page shows: its template's inputs, typed, in one place.

Routes build these and hand them to `web.render`; a template reads exactly these fields (plus
the base context every page has: request, principal, user, csrf_token, locale, nav, today,
flashes)."""

from __future__ import annotations

from dataclasses import dataclass, field

from incubator.funding.models import Fund, Grant, LedgerEntry, Tranche
from incubator.funding.service import LedgerView
from incubator.organizations.models import Organization
from incubator.parks.models import Park
from incubator.web import Page


@dataclass
class FundsPage:  # funding/funds.html
    funds: list[Fund]
    can_create: bool


@dataclass
class FundFormPage:  # funding/fund_form.html
    values: dict
    errors: dict[str, str]
    sources: list[tuple[str, str]]  # (code, label)
    parks: list[Park]


@dataclass
class FundPage:  # funding/fund.html
    fund: Fund
    ledger: LedgerView
    page: Page  # of the ledger, newest first (its rows are the ledger's)
    grants: list[Grant]  # the newest of them
    grant_count: int


@dataclass
class GrantFormPage:  # funding/grant_form.html
    organization: Organization
    values: dict
    errors: dict[str, str]
    funds: list[Fund]
    conditions: list[tuple[str, str]]
    review_options: list[tuple[str, str]]  # (review code, name)
    rows: range  # tranche rows of the form


@dataclass
class GrantPage:  # funding/grant.html
    grant: Grant
    tranches: list[Tranche]
    actions: frozenset[str]  # service.grant_actions
    tranche_actions: dict[int, frozenset[str]]  # tranche id → service.tranche_actions
    fund_visible: bool
    review_names: dict[str, str]
    entries: list[LedgerEntry]  # the ledger entries of the grant the principal may read
    approval_note: str | None = None  # service.four_eyes_refusal: why the proposer does not approve it
    form: str = ""  # which form on the page the errors belong to: "end", "repay", "pay-<tranche id>"
    errors: dict[str, str] = field(default_factory=dict)
    values: dict = field(default_factory=dict)


@dataclass
class GrantsPage:  # funding/grants.html
    grants: list[Grant]
    page: Page
    fund: Fund | None  # when the list is one fund's
    park: Park | None = None  # when the list is one park's organizations' (the dashboards link here)
