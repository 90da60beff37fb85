"""The organizations' resources in the data API: the list, filtered, and one organization, without
personal contacts (the people's names, phones and e-mail addresses stay in the back office)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Annotated, Any

from msgspec import Meta, Struct
from tortoise.expressions import Subquery

from incubator import access
from incubator.access import Principal
from incubator.apitypes import Code, Id, ListQuery, Moment, columns
from incubator.capability import Resource
from incubator.errors import NotFound
from incubator.i18n import gettext as _
from incubator.organizations.models import (
    Organization,
    OrganizationDomain,
    OrganizationKind,
    Registration,
    ServiceDomain,
    Stage,
)


class OrganizationOut(Struct, kw_only=True):
    """An organization as the back office knows it, without personal contacts (the people's names,
    phones and e-mail addresses stay in the back office)."""

    id: int
    park_id: int
    name_zh: str
    name_en: str
    kind: OrganizationKind
    stage: Stage
    registration: Registration
    credit_code: str | None = None
    registration_authority: str
    registered_on: date | None
    founded_on: date | None
    admitted_on: date | None
    term_end_on: date | None
    graduated_on: date | None
    exited_on: date | None
    staff_count: int
    volunteer_count: int
    domains: Annotated[list[str], Meta(description="Codes of its service domains.")]
    updated_at: Annotated[datetime, Meta(description="Last change of the organization's own record.")]


class OrganizationQuery(ListQuery, kw_only=True):
    park: Id | None = None
    stage: Stage | None = None
    domain: Annotated[Code, Meta(description="A service domain's code.")] | None = None
    registration: Registration | None = None
    updated_since: Annotated[Moment, Meta(description=(
        "Only organizations changed at or after this instant: for incremental sync, pass the time "
        "the previous sync started."))] | None = None


COLUMNS = columns(OrganizationOut, "domains")


async def _in_domain(rows: Any, q: OrganizationQuery) -> Any:
    if q.domain is None:
        return rows
    # An unknown code is refused as an unknown park is (404: the schema cannot list the codes,
    # which administrators add), rather than answered with no rows as if the filter had applied.
    domain_ids = await ServiceDomain.filter(code=q.domain).values_list("id", flat=True)
    if not domain_ids:
        raise NotFound(_("No service domain has the code %(code)s.", code=q.domain))
    return rows.filter(id__in=Subquery(OrganizationDomain.filter(domain_id=domain_ids[0]).values("organization_id")))


async def _items(rows: list[dict[str, Any]]) -> list[OrganizationOut]:
    codes: dict[int, list[str]] = defaultdict(list)
    if rows:
        links = await OrganizationDomain.filter(organization_id__in=[row["id"] for row in rows]).order_by(
            "organization_id", "domain__sort", "domain__id").values_list("organization_id", "domain__code")
        for organization_id, code in links:
            codes[organization_id].append(code)
    return [OrganizationOut(**row, domains=codes.get(row["id"], [])) for row in rows]


async def _one(principal: Principal, q: None, id: int | None) -> OrganizationOut:
    rows = list(await access.scope(Organization, principal).filter(id=id).values(*COLUMNS))
    if not rows:
        raise NotFound("")
    return (await _items(rows))[0]


resources = (
    Resource("/organizations", "listOrganizations", "Organizations, filtered", "organizations", OrganizationOut,
             OrganizationQuery, model=Organization, filters={
                 "park": "park_id", "stage": "stage", "registration": "registration",
                 "updated_since": "updated_at__gte"}, narrow=_in_domain, columns=COLUMNS, items=_items),
    Resource("/organizations/{id}", "getOrganization", "One organization", "organizations", OrganizationOut,
             read=_one),
)
