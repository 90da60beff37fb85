"""Organization pages: the list, the organization's page with its path, the public application
form, admission, registration, documents, follow-ups and the spreadsheet import."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route
from tortoise.expressions import Q

from incubator import access, capability, clock, uploads
from incubator.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from incubator.i18n import current_locale
from incubator.i18n import gettext as _
from incubator.organizations import admission, graduation, importer, service
from incubator.organizations.models import (
    FIELD_LABELS,
    KIND_LABELS,
    REGISTRATION_LABELS,
    RESIDENT_STAGES,
    STAGE_LABELS,
    SUPPORT_LABELS,
    Agreement,
    Application,
    Document,
    FollowUp,
    ImportBatch,
    Organization,
    OrganizationDomain,
    OrganizationKind,
    Registration,
    ServiceDomain,
    SpaceAllocation,
    Stage,
    StageChange,
)
from incubator.parks.models import Park
from incubator.roles import Role
from incubator.web import (
    current,
    flash,
    form_data,
    paginate,
    path_int,
    query_int,
    query_text,
    redirect,
    render,
    status_for,
)

REFERENCE = re.compile(r"[A-Za-z0-9_-]{8,40}")
SORTS = {
    "name": ("name_zh", "id"),
    "stage": ("stage", "name_zh"),
    "admitted": ("-admitted_on", "name_zh"),
    "updated": ("-updated_at", "id"),
}


def _choices(labels: dict) -> list[tuple[str, str]]:
    return [(key.value, _(label)) for key, label in labels.items()]


async def _domains() -> list[ServiceDomain]:
    return await ServiceDomain.filter(is_active=True).order_by("sort", "id")


async def _domain_options() -> list[tuple[int, str]]:
    return [(d.id, d.display_name(current_locale())) for d in await _domains()]


# ---- list ------------------------------------------------------------------------------------


async def organization_list(request: Request) -> Response:
    principal = current(request)
    params = request.query_params
    query = query_text(request, "q")
    organizations = access.scope(Organization, principal).select_related("park")
    if query:
        organizations = organizations.filter(
            Q(name_zh__icontains=query) | Q(name_en__icontains=query) | Q(credit_code__icontains=query.upper()))
    filters = {name: query_text(request, name) for name in ("park", "stage", "domain", "registration")}
    park_id, domain_id = query_int(request, "park", minimum=1), query_int(request, "domain", minimum=1)
    if park_id is not None:
        organizations = organizations.filter(park_id=park_id)
    if filters["stage"] in {s.value for s in Stage}:
        organizations = organizations.filter(stage=filters["stage"])
    if filters["registration"] in {r.value for r in Registration}:
        organizations = organizations.filter(registration=filters["registration"])
    if domain_id is not None:
        organizations = organizations.filter(domain_links__domain_id=domain_id)
    sort = params.get("sort", "name") if params.get("sort") in SORTS else "name"
    page = await paginate(request, organizations.order_by(*SORTS[sort]).distinct())
    context = {
        "organizations": page.rows, "page": page, "q": query, "filters": filters, "sort": sort,
        "parks": await access.scope(Park, principal).order_by("id"),
        "stages": _choices(STAGE_LABELS), "registrations": _choices(REGISTRATION_LABELS),
        "domains": await _domains(),
        "can_import": principal.is_(Role.ADMIN, Role.MANAGER),
        "page_params": {"q": query, **filters, "sort": sort},
    }
    return render(request, "organizations/list.html", context, block="results")


async def registration_overdue(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER, Role.OFFICIAL)
    candidates = await access.scope(Organization, principal).filter(
        stage__in=list(RESIDENT_STAGES), admitted_on__isnull=False).exclude(
        registration=Registration.REGISTERED).select_related("park").order_by("admitted_on")
    overdue = await service.registration_overdue(candidates)
    return render(request, "organizations/overdue.html", {"organizations": overdue})


# ---- the organization's page ----------------------------------------------------------------


async def my_organization(request: Request) -> Response:
    principal = access.require_role(current(request), Role.MEMBER)
    return redirect(request, f"/organizations/{principal.organization_id}")


async def organization_detail(request: Request) -> Response:
    principal = current(request)
    organization = await access.get_or_404(Organization, principal, id=path_int(request, "id"))
    return await _detail_page(request, principal, organization)


async def _detail_page(request: Request, principal, organization: Organization, errors: dict | None = None,
                       values: dict | None = None) -> Response:
    """The organization's page; after a refused stage change, its form shows why with what was typed."""
    await organization.fetch_related("park")
    managing = principal.manages(organization.park_id)
    agreement = await Agreement.filter(organization_id=organization.id).order_by("-start_on", "-id").first()
    allocation = None
    if agreement is not None:
        allocation = await SpaceAllocation.filter(agreement_id=agreement.id).select_related("space").order_by(
            "-allocated_on", "-id").first()
    context = {
        "organization": organization,
        "domains": await ServiceDomain.filter(organization_links__organization_id=organization.id),
        "application": await Application.get_or_none(organization_id=organization.id),
        "agreement": agreement,
        "allocation": allocation,
        "support_labels": SUPPORT_LABELS,
        "checks": await graduation.evaluate(organization),
        "documents": await Document.filter(organization_id=organization.id).select_related("uploaded_by"),
        "follow_ups": await FollowUp.filter(organization_id=organization.id).order_by("due_on"),
        "panels": await _panels(principal, organization),
        "can_edit": await access.can(principal, organization),
        "managing": managing,
        "transitions": [(s.value, _(STAGE_LABELS[s])) for s in service.available_transitions(organization)]
        if managing else [],
        "can_decide": managing and organization.stage in (Stage.APPLIED, Stage.SCREENING),
        "errors": errors or {},
        "values": values or {},
    }
    return render(request, "organizations/detail.html", context, status_code=400 if errors else 200)


async def _panels(principal, organization: Organization) -> list[tuple[capability.Panel, dict]]:
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
    changes = await StageChange.filter(organization_id=organization.id).order_by("-at", "-id")
    return render(request, "organizations/timeline.html", {"organization": organization, "changes": changes,
                                                           "field_labels": FIELD_LABELS}, block="timeline")


async def change_stage(request: Request) -> Response:
    principal = current(request)
    organization = await access.get_or_404(Organization, principal, "change", id=path_int(request, "id"))
    data = await form_data(request)
    try:
        await service.change_stage(principal, organization, data.get("stage", ""), data)
    except PermissionDenied:
        raise  # a 403 page, not a message on the organization
    except DomainError as exc:
        return await _detail_page(request, principal, organization, exc.errors, data)
    return flash(request, redirect(request, f"/organizations/{organization.id}"),
                 _("The stage is now %(stage)s.", stage=organization.stage_label))


# ---- profile -----------------------------------------------------------------------------------


def _profile_values(organization: Organization, domain_ids: list[int]) -> dict:
    values = {name: "" if getattr(organization, name) is None else str(getattr(organization, name))
              for name in service.PROFILE_FIELDS}
    values["kind"] = OrganizationKind(organization.kind).value
    values["domain_ids"] = [str(d) for d in domain_ids]
    return values


async def _profile_context(organization: Organization, values: dict, errors: dict) -> dict:
    return {"organization": organization, "values": values, "errors": errors, "domain_options": await _domain_options(),
            "kinds": _choices(KIND_LABELS)}


async def profile_edit(request: Request) -> Response:
    principal = current(request)
    organization = await access.get_or_404(Organization, principal, "change", id=path_int(request, "id"))
    domain_ids = await OrganizationDomain.filter(organization_id=organization.id).values_list("domain_id", flat=True)
    context = await _profile_context(organization, _profile_values(organization, list(domain_ids)), {})
    return render(request, "organizations/form.html", context)


async def profile_update(request: Request) -> Response:
    principal = current(request)
    organization = await access.get_or_404(Organization, principal, "change", id=path_int(request, "id"))
    form = await request.form()
    data = await form_data(request)
    domain_ids = [str(v) for v in form.getlist("domain_ids")]
    try:
        await service.update_profile(principal, organization, data, domain_ids)
    except ValidationFailed as exc:
        context = await _profile_context(organization, {**data, "domain_ids": domain_ids}, exc.errors)
        return render(request, "organizations/form.html", context, status_code=400)
    return flash(request, redirect(request, f"/organizations/{organization.id}"), _("The profile has been saved."))


# ---- registration ------------------------------------------------------------------------------


def _registration_values(organization: Organization) -> dict:
    values = {name: "" if getattr(organization, name) is None else str(getattr(organization, name))
              for name in service.REGISTRATION_FIELDS}
    values["registration"] = Registration(organization.registration).value
    return values


async def _managed(request: Request) -> tuple:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    organization = await access.get_or_404(Organization, principal, "change", id=path_int(request, "id"))
    return principal, organization


async def registration_edit(request: Request) -> Response:
    _principal, organization = await _managed(request)
    context = {"organization": organization, "values": _registration_values(organization), "errors": {},
               "registrations": _choices(REGISTRATION_LABELS)}
    return render(request, "organizations/registration.html", context)


async def registration_update(request: Request) -> Response:
    principal, organization = await _managed(request)
    data = await form_data(request)
    try:
        await service.update_registration(principal, organization, data)
    except ValidationFailed as exc:
        context = {"organization": organization, "values": data, "errors": exc.errors,
                   "registrations": _choices(REGISTRATION_LABELS)}
        return render(request, "organizations/registration.html", context, status_code=400)
    return flash(request, redirect(request, f"/organizations/{organization.id}"),
                 _("The registration has been saved."))


async def check_credit_code(request: Request) -> Response:
    """htmx inline validation of a credit code while it is typed."""
    from incubator.organizations import credit_code

    current(request)
    raw = request.query_params.get("credit_code", "")
    problem, normalised = None, ""
    if raw.strip():
        try:
            normalised = credit_code.parse(raw).code
        except credit_code.CreditCodeError as exc:
            problem = exc.message
    return render(request, "organizations/_credit_code_check.html", {"problem": problem, "normalised": normalised})


# ---- admission ---------------------------------------------------------------------------------


async def _admission_context(organization: Organization, values: dict, errors: dict) -> dict:
    park = await Park.get(id=organization.park_id)
    return {
        "organization": organization, "park": park, "values": values, "errors": errors,
        "criteria": await admission.criteria_for(park),
        "desks": await admission.free_desks(park),
        "supports": _choices(SUPPORT_LABELS),
        "application": await Application.get_or_none(organization_id=organization.id),
        "reviews": await organization.admission_reviews.all(),
    }


async def admission_form(request: Request) -> Response:
    _principal, organization = await _managed(request)
    application = await Application.get_or_none(organization_id=organization.id)
    values = {"start_on": clock.today().isoformat(), "term_months": "12", "decision": "admit",
              "supports": application.supports if application else []}
    return render(request, "organizations/admission.html", await _admission_context(organization, values, {}))


async def admission_decide(request: Request) -> Response:
    principal, organization = await _managed(request)
    form = await request.form()
    data = await form_data(request)
    supports = [str(v) for v in form.getlist("supports")]
    try:
        review = await admission.decide_admission(principal, organization, data, supports)
    except DomainError as exc:
        context = await _admission_context(organization, {**data, "supports": supports}, exc.errors)
        return render(request, "organizations/admission.html", context, status_code=400)
    message = _("Admitted: the agreement is signed.") if review.decision == "admit" else _(
        "The application has been rejected; the reason is kept.")
    return flash(request, redirect(request, f"/organizations/{organization.id}"), message)


# ---- public application --------------------------------------------------------------------------


async def _public_park(request: Request) -> Park:
    park = await Park.get_or_none(id=path_int(request, "id"), is_active=True)
    if park is None:
        raise NotFound(_("Not found."))
    return park


async def apply_form(request: Request) -> Response:
    park = await _public_park(request)
    context = {"park": park, "values": {"kind": "unregistered", "supports": []}, "errors": {},
               "domain_options": await _domain_options(), "kinds": _choices(KIND_LABELS),
               "supports": _choices(SUPPORT_LABELS)}
    return render(request, "organizations/apply.html", context)


async def apply_submit(request: Request) -> Response:
    park = await _public_park(request)
    form = await request.form()
    data = await form_data(request)
    domain_ids = [str(v) for v in form.getlist("domain_ids")]
    supports = [str(v) for v in form.getlist("supports")]
    address = request.client.host if request.client else ""
    try:
        submitted = await admission.submit_application(park, data, domain_ids, supports, address)
    except DomainError as exc:
        context = {"park": park, "values": {**data, "domain_ids": domain_ids, "supports": supports},
                   "errors": exc.errors, "domain_options": await _domain_options(), "kinds": _choices(KIND_LABELS),
                   "supports": _choices(SUPPORT_LABELS),
                   "duplicate": isinstance(exc, admission.LikelyDuplicate)}
        return render(request, "organizations/apply.html", context, status_code=status_for(exc))
    return redirect(request, f"/applications/{submitted.reference}")


async def application_status(request: Request) -> Response:
    """The applicant's receipt and status page, reached by the unguessable reference only."""
    reference = request.path_params["reference"]
    if not REFERENCE.fullmatch(reference):  # what token_urlsafe(12) makes: never look up anything else
        raise NotFound(_("Not found."))
    application = await Application.get_or_none(reference=reference).select_related("organization__park")
    if application is None:
        raise NotFound(_("Not found."))
    organization = application.organization
    rejection = None
    if organization.stage == Stage.REJECTED:
        rejection = await StageChange.filter(organization_id=organization.id, to_stage="rejected").first()
    return render(request, "organizations/application_status.html",
                  {"application": application, "organization": organization, "rejection": rejection})


# ---- documents and follow-ups ----------------------------------------------------------------------


async def document_upload(request: Request) -> Response:
    principal = current(request)
    organization = await access.get_or_404(Organization, principal, "change", id=path_int(request, "id"))
    form = await request.form()
    title = form.get("title")
    try:
        await service.add_document(principal, organization, title if isinstance(title, str) else "",
                                   form.get("file"), request.app.state.settings)
    except ValidationFailed as exc:
        return flash(request, redirect(request, f"/organizations/{organization.id}#documents"),
                     "; ".join(exc.errors.values()), "error")
    finally:
        await form.close()
    return flash(request, redirect(request, f"/organizations/{organization.id}#documents"),
                 _("The document has been uploaded."))


async def document_download(request: Request) -> Response:
    principal = current(request)
    document = await access.get_or_404(Document, principal, id=path_int(request, "id"))
    path = uploads.path_of(request.app.state.settings, document.storage_name)
    if not path.exists():
        raise NotFound(_("Not found."))
    return FileResponse(path, media_type=document.content_type, filename=document.filename,
                        content_disposition_type="attachment")


async def follow_up_record(request: Request) -> Response:
    principal = current(request)
    follow_up = await access.get_or_404(FollowUp, principal, "change", id=path_int(request, "id"))
    data = await form_data(request)
    try:
        await service.record_follow_up(principal, follow_up, data)
    except ValidationFailed as exc:
        return flash(request, redirect(request, f"/organizations/{follow_up.organization_id}#follow-ups"),
                     "; ".join(exc.errors.values()), "error")
    return flash(request, redirect(request, f"/organizations/{follow_up.organization_id}#follow-ups"),
                 _("The check-in has been recorded."))


# ---- import ------------------------------------------------------------------------------------


async def import_template(request: Request) -> Response:
    access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    return Response(importer.template_workbook(),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename*=UTF-8''%E7%BB%84%E7%BB%87%E5%AF%BC%E5%85%A5"
                                                    "%E6%A8%A1%E6%9D%BF.xlsx"})


async def import_page(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    parks = await access.scope(Park, principal, "change").order_by("id")
    return render(request, "organizations/import.html", {"parks": parks, "errors": {}, "values": {}})


async def import_upload(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    form = await request.form()
    parks = await access.scope(Park, principal, "change").order_by("id")
    park_id = form.get("park_id")
    try:
        park = next((p for p in parks if str(p.id) == park_id), None)
        if park is None:
            raise ValidationFailed({"park_id": _("Choose one of the options.")})
        batch = await importer.preview(principal, park, form.get("file"), request.app.state.settings)
    except ValidationFailed as exc:
        return render(request, "organizations/import.html",
                      {"parks": parks, "errors": exc.errors, "values": {"park_id": park_id}}, status_code=400)
    finally:
        await form.close()
    return redirect(request, f"/imports/{batch.id}")


async def import_preview(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    batch = await access.get_or_404(ImportBatch, principal, id=path_int(request, "id"))
    await batch.fetch_related("park")
    headers = dict((field, header) for header, field in importer.COLUMNS)
    valid = sum(1 for r in batch.rows if not r["errors"])
    return render(request, "organizations/import_preview.html",
                  {"batch": batch, "headers": headers, "columns": importer.COLUMNS, "valid": valid,
                   "field_labels": FIELD_LABELS,
                   "column_labels": {field: _(FIELD_LABELS[field]) for _header, field in importer.COLUMNS}})


async def import_confirm(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    batch = await access.get_or_404(ImportBatch, principal, "change", id=path_int(request, "id"))
    try:
        summary = await importer.confirm(principal, batch)
    except DomainError as exc:
        return flash(request, redirect(request, f"/imports/{batch.id}"), exc.message, "error")
    return flash(request, redirect(request, "/organizations"),
                 _("Import done: %(created)s created, %(updated)s updated, %(skipped)s rows with errors skipped.",
                   **summary))


# ---- the park's admission scorecard ---------------------------------------------------------------


def _criteria_values(criteria: list) -> dict[str, str]:
    values: dict[str, str] = {}
    for index, c in enumerate(criteria):
        values |= {f"name_zh_{index}": c.name_zh, f"name_en_{index}": c.name_en,
                   f"weight_{index}": str(c.weight), f"max_score_{index}": str(c.max_score)}
    return values


async def criteria_page(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    park = await access.get_or_404(Park, principal, "change", id=path_int(request, "id"))
    criteria = await admission.criteria_for(park)
    context = {"park": park, "values": _criteria_values(criteria), "errors": {},
               "rows": range(min(len(criteria) + 2, admission.MAX_CRITERIA))}
    return render(request, "organizations/criteria.html", context)


async def criteria_save(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    park = await access.get_or_404(Park, principal, "change", id=path_int(request, "id"))
    data = await form_data(request)
    try:
        await admission.save_criteria(principal, park, data)
    except ValidationFailed as exc:
        context = {"park": park, "values": data, "errors": exc.errors, "rows": range(admission.MAX_CRITERIA)}
        return render(request, "organizations/criteria.html", context, status_code=400)
    return flash(request, redirect(request, f"/parks/{park.id}"), _("The admission scorecard has been saved."))


# ---- service domains -------------------------------------------------------------------------


async def domains_page(request: Request) -> Response:
    access.require_role(current(request), Role.ADMIN)
    return render(request, "organizations/domains.html",
                  {"domains": await ServiceDomain.all().order_by("sort", "id"), "errors": {}, "values": {}})


async def domain_create(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN)
    data = await form_data(request)
    try:
        await service.create_domain(principal, data)
    except ValidationFailed as exc:
        return render(request, "organizations/domains.html",
                      {"domains": await ServiceDomain.all().order_by("sort", "id"), "errors": exc.errors,
                       "values": data}, status_code=400)
    return flash(request, redirect(request, "/service-domains"), _("The service domain has been added."))


routes = [
    Route("/organizations", organization_list, methods=["GET"], name="organizations:list"),
    Route("/organizations/registration-overdue", registration_overdue, methods=["GET"],
          name="organizations:overdue"),
    Route("/organizations/import", import_page, methods=["GET"], name="organizations:import"),
    Route("/organizations/import", import_upload, methods=["POST"], name="organizations:import_upload"),
    Route("/organizations/import/template.xlsx", import_template, methods=["GET"],
          name="organizations:import_template"),
    Route("/organizations/check-credit-code", check_credit_code, methods=["GET"],
          name="organizations:check_credit_code"),
    Route("/my-organization", my_organization, methods=["GET"], name="organizations:mine"),
    Route("/organizations/{id:int}", organization_detail, methods=["GET"], name="organizations:detail"),
    Route("/organizations/{id:int}/timeline", organization_timeline, methods=["GET"], name="organizations:timeline"),
    Route("/organizations/{id:int}/stage", change_stage, methods=["POST"], name="organizations:stage"),
    Route("/organizations/{id:int}/edit", profile_edit, methods=["GET"], name="organizations:edit"),
    Route("/organizations/{id:int}/edit", profile_update, methods=["POST"], name="organizations:update"),
    Route("/organizations/{id:int}/registration", registration_edit, methods=["GET"],
          name="organizations:registration"),
    Route("/organizations/{id:int}/registration", registration_update, methods=["POST"],
          name="organizations:registration_update"),
    Route("/organizations/{id:int}/admission", admission_form, methods=["GET"], name="organizations:admission"),
    Route("/organizations/{id:int}/admission", admission_decide, methods=["POST"],
          name="organizations:admission_decide"),
    Route("/organizations/{id:int}/documents", document_upload, methods=["POST"],
          name="organizations:document_upload"),
    Route("/documents/{id:int}", document_download, methods=["GET"], name="organizations:document"),
    Route("/follow-ups/{id:int}", follow_up_record, methods=["POST"], name="organizations:follow_up"),
    Route("/imports/{id:int}", import_preview, methods=["GET"], name="organizations:import_preview"),
    Route("/imports/{id:int}/confirm", import_confirm, methods=["POST"], name="organizations:import_confirm"),
    Route("/parks/{id:int}/apply", apply_form, methods=["GET"], name="organizations:apply"),
    Route("/parks/{id:int}/apply", apply_submit, methods=["POST"], name="organizations:apply_submit"),
    Route("/applications/{reference:str}", application_status, methods=["GET"],
          name="organizations:application_status"),
    Route("/parks/{id:int}/admission-criteria", criteria_page, methods=["GET"], name="organizations:criteria"),
    Route("/parks/{id:int}/admission-criteria", criteria_save, methods=["POST"], name="organizations:criteria_save"),
    Route("/service-domains", domains_page, methods=["GET"], name="organizations:domains"),
    Route("/service-domains", domain_create, methods=["POST"], name="organizations:domain_create"),
]
