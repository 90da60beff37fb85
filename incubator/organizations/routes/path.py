"""The organization list, the organization's page with its path (timeline, stage changes), and
the list of those unregistered too long."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from incubator import access, capability, db, i18n
from incubator.access import Principal
from incubator.errors import DomainError, NotFound, PermissionDenied
from incubator.i18n import N_
from incubator.i18n import gettext as _
from incubator.organizations import forms, graduation, service
from incubator.organizations.models import (
    FIELD_LABELS,
    REGISTRATION_LABELS,
    RESIDENT_STAGES,
    STAGE_LABELS,
    SUPPORT_LABELS,
    Agreement,
    Application,
    Document,
    FollowUp,
    Organization,
    Registration,
    ServiceDomain,
    SpaceAllocation,
    Stage,
    StageChange,
)
from incubator.organizations.pages import DetailPage, ListPage, OverduePage, TimelinePage
from incubator.organizations.routes._common import active_domains, choices
from incubator.pagecache import cached
from incubator.parks.models import Park
from incubator.roles import Role
from incubator.web import (
    current,
    export,
    export_routes,
    flash,
    form_data,
    form_errors,
    paginate,
    path_int,
    query_int,
    query_text,
    redirect_to,
    render,
    status_for,
)
from incubator.workdays import month_range

# What the list shows, and all it reads of an organization.
LIST_COLUMNS = ("id", "name_zh", "name_en", "park_id", "stage", "registration", "credit_code", "admitted_on")
SORTS = {
    "name": ("name_zh", "id"),
    "stage": ("stage", "name_zh"),
    "admitted": ("-admitted_on", "name_zh"),
    "updated": ("-updated_at", "id"),
}


EVENTS = {"admitted": "admitted_on", "graduated": "graduated_on", "exited": "exited_on"}
RESIDENT = "resident"  # the stage filter's value for every stage of a resident organization


def _filtered(request: Request, principal: Principal) -> tuple[QuerySet[Organization], dict[str, str], str, str]:
    """The organizations the list's filters choose (as the page and its exports read them): search,
    park, stage (or every resident stage), service domain, registration, and admitted, graduated or
    exited in a month or span of months (the dashboards link here with them)."""
    query = query_text(request, "q")
    organizations = access.scope(Organization, principal)
    if query:
        organizations = organizations.filter(service.matching(query))
    filters = {name: query_text(request, name) for name in ("park", "stage", "domain", "registration", "event",
                                                            "months")}
    park_id, domain_id = query_int(request, "park", minimum=1), query_int(request, "domain", minimum=1)
    if park_id is not None:
        organizations = organizations.filter(park_id=park_id)
    if filters["stage"] == RESIDENT:
        organizations = organizations.filter(stage__in=list(RESIDENT_STAGES))
    elif filters["stage"] in {s.value for s in Stage}:
        organizations = organizations.filter(stage=filters["stage"])
    if filters["registration"] in {r.value for r in Registration}:
        organizations = organizations.filter(registration=filters["registration"])
    if domain_id is not None:
        organizations = organizations.filter(id__in=service.in_domain(domain_id))
    span = month_range(filters["months"])
    if filters["event"] in EVENTS and span is not None:
        column = EVENTS[filters["event"]]
        organizations = organizations.filter(**{f"{column}__gte": span[0], f"{column}__lt": span[1]})
    sort = request.query_params.get("sort", "name")
    return organizations, filters, sort if sort in SORTS else "name", query


async def organization_list(request: Request) -> Response:
    principal = current(request)
    organizations, filters, sort, query = _filtered(request, principal)
    page = await paginate(request, organizations.only(*LIST_COLUMNS).order_by(*SORTS[sort]))
    parks = await access.scope(Park, principal).only("id", "name_zh", "name_en").order_by("id")
    return render(request, "organizations/list.html", ListPage(
        organizations=page.rows, page=page, q=query, filters=filters, sort=sort,
        parks=parks, parks_by_id={p.id: p for p in parks},
        stages=[(RESIDENT, _("Resident (every stage in the park)")), *choices(STAGE_LABELS)],
        registrations=choices(REGISTRATION_LABELS),
        domains=await active_domains(principal),
        actions=service.list_actions(principal),
        page_params={"q": query, **filters, "sort": sort},
        events=[(value, _(label)) for value, label in EVENT_LABELS.items()],
        export_query=urlencode({"q": query, **filters, "sort": sort}),
    ), block="results")


EVENT_LABELS = {"admitted": N_("Admitted"), "graduated": N_("Graduated"), "exited": N_("Exited")}
EXPORT_COLUMNS = ("id", "name_zh", "name_en", "park_id", "stage", "registration", "credit_code", "admitted_on",
                  "term_end_on", "graduated_on", "exited_on")
def _export_headers() -> list[str]:
    return [_("Name"), _("Name (English)"), _("Park"), _("Stage"), _("Registration"), _("Credit code"),
            _("Admitted on"), _("Term ends"), _("Graduated on"), _("Exited on")]


async def _organization_export(request: Request, kind: str) -> Response:
    """The list as filtered, every row (web.export)."""
    principal = current(request)
    organizations, _filters, sort, _query = _filtered(request, principal)
    ids: list[int] = await db.flat(organizations.order_by(*SORTS[sort]).values_list("id", flat=True))
    parks = {p.id: p.display_name(i18n.current_locale())
             for p in await access.scope(Park, principal).only("id", "name_zh", "name_en")}

    async def rows_of(chunk: list[int]) -> dict[int, tuple[object, ...]]:
        return {o.id: (o.name_zh, o.name_en, parks.get(o.park_id, ""), o.stage_label, o.registration_label,
                       o.credit_code or "", o.admitted_on, o.term_end_on, o.graduated_on, o.exited_on)
                for o in await Organization.filter(id__in=chunk).only(*EXPORT_COLUMNS)}

    return await export(kind, _("Organizations"), _export_headers(), ids, rows_of)


async def _overdue(request: Request) -> tuple[QuerySet[Organization], dict[str, str]]:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER, Role.OFFICIAL)
    organizations = access.scope(Organization, principal)
    params = {name: query_text(request, name) for name in ("park", "domain")}
    park_id, domain_id = query_int(request, "park", minimum=1), query_int(request, "domain", minimum=1)
    if park_id is not None:
        organizations = organizations.filter(park_id=park_id)
    if domain_id is not None:
        organizations = organizations.filter(id__in=service.in_domain(domain_id))
    overdue = await service.registration_overdue(organizations)
    return overdue.order_by("admitted_on", "id"), {k: v for k, v in params.items() if v}


async def registration_overdue(request: Request) -> Response:
    overdue, params = await _overdue(request)
    page = await paginate(request, overdue.select_related("park").only(
        "id", "name_zh", "name_en", "admitted_on", "registration", "park__id", "park__name_zh", "park__name_en"))
    return render(request, "organizations/overdue.html", OverduePage(page.rows, page, params, urlencode(params)))


async def _overdue_export(request: Request, kind: str) -> Response:
    """The list as filtered, every row (web.export)."""
    overdue, _params = await _overdue(request)
    ids: list[int] = await db.flat(overdue.values_list("id", flat=True))
    locale = i18n.current_locale()

    async def rows_of(chunk: list[int]) -> dict[int, tuple[object, ...]]:
        return {o.id: (o.display_name(locale), o.park.display_name(locale), o.admitted_on, o.registration_label)
                for o in await Organization.filter(id__in=chunk).select_related("park")}

    return await export(kind, _("Unregistered too long"), [_("Name"), _("Park"), _("Admitted on"), _("Registration")],
                        ids, rows_of)


async def my_organization(request: Request) -> Response:
    principal = access.require_role(current(request), Role.MEMBER)
    if principal.organization_id is None:
        raise NotFound(_("Not found."))
    return redirect_to(request, "organizations:detail", id=principal.organization_id)


async def organization_detail(request: Request) -> Response:
    principal = current(request)
    organization = await access.get_or_404(Organization, principal, id=path_int(request, "id"))
    return await detail_page(request, principal, organization)


async def detail_page(request: Request, principal: Principal, organization: Organization,
                      errors: dict[str, str] | None = None, values: dict | None = None,
                      status_code: int = 200, *, form: str = "stage") -> Response:
    """The organization's page; after a refused form (`form`: "stage", "document" or
    "follow_up_<id>"), that form shows why, with what was typed."""
    await organization.fetch_related("park")
    actions = service.organization_actions(principal, organization)
    of_it = {"organization_id": organization.id}
    latest = access.scope(Agreement, principal).filter(**of_it).order_by("-start_on", "-id")
    agreement = await latest.first()
    # The latest agreement's space, asked for whether or not there is one: as many queries either way.
    allocation = await access.scope(SpaceAllocation, principal).filter(
        agreement_id=Subquery(latest.limit(1).values("id"))).select_related("space").order_by(
        "-allocated_on", "-id").first()
    application = None
    if "read_application" in actions:
        application = await access.scope(Application, principal).get_or_none(**of_it)
    page = DetailPage(
        organization=organization,
        actions=actions,
        transitions=[(s.value, _(STAGE_LABELS[s])) for s in service.stage_targets(principal, organization)],
        domains=await access.scope(ServiceDomain, principal).filter(
            organization_links__organization_id=organization.id),
        application=application,
        agreement=agreement,
        allocation=allocation,
        support_labels=SUPPORT_LABELS,
        checks=await graduation.evaluate(organization),
        documents=await access.scope(Document, principal).filter(**of_it).select_related("uploaded_by"),
        follow_ups=await access.scope(FollowUp, principal).filter(**of_it).order_by("due_on"),
        panels=await _panels(principal, organization),
        form=form,
        errors=errors or {},
        values=values or {},
    )
    return render(request, "organizations/detail.html", page, status_code=status_code)


async def _panels(principal: Principal, organization: Organization) -> list[tuple[capability.Panel, dict]]:
    """The sections other capabilities add to the page (their manifests' panels), with their data."""
    shown = []
    for panel in capability.panels():
        data = await panel.load(principal, organization)
        if data is not None:
            shown.append((panel, data))
    return shown


async def organization_timeline(request: Request) -> Response:
    principal = current(request)
    organization = await access.get_or_404(Organization, principal, id=path_int(request, "id"))
    changes = await access.scope(StageChange, principal).filter(organization_id=organization.id).order_by("-at", "-id")
    return render(request, "organizations/timeline.html", TimelinePage(organization, changes, FIELD_LABELS),
                  block="timeline")


async def change_stage(request: Request) -> Response:
    principal = current(request)
    organization = await access.get_or_404(Organization, principal, "change", id=path_int(request, "id"))
    if "change_stage" not in service.organization_actions(principal, organization):
        raise PermissionDenied(_("Your role may not do this."))
    data = await form_data(request)
    try:
        await service.change_stage(principal, organization, forms.change_stage(data))
    except PermissionDenied:
        raise  # a 403 page, not a message on the organization
    except DomainError as exc:
        return await detail_page(request, principal, organization, form_errors(exc, forms.FIELDS), data,
                                  status_for(exc))
    return flash(request, redirect_to(request, "organizations:detail", id=organization.id),
                 _("The stage is now %(stage)s.", stage=organization.stage_label))


routes = [
    Route("/organizations", cached(organization_list), methods=["GET"], name="organizations:list"),
    *export_routes("/organizations/export", "organizations:export", _organization_export),
    *export_routes("/organizations/registration-overdue", "organizations:overdue", _overdue_export),
    Route("/organizations/registration-overdue", cached(registration_overdue), methods=["GET"],
          name="organizations:overdue"),
    Route("/my-organization", my_organization, methods=["GET"], name="organizations:mine"),
    Route("/organizations/{id:int}", cached(organization_detail), methods=["GET"], name="organizations:detail"),
    Route("/organizations/{id:int}/timeline", organization_timeline, methods=["GET"], name="organizations:timeline"),
    Route("/organizations/{id:int}/stage", change_stage, methods=["POST"], name="organizations:stage"),
]
