"""The public application form and its receipt, and the park's admission review."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from incubator import access, clock
from incubator.access import Principal
from incubator.errors import DomainError, NotFound, PermissionDenied
from incubator.i18n import gettext as _
from incubator.organizations import admission, forms
from incubator.organizations.models import (
    KIND_LABELS,
    SUPPORT_LABELS,
    AdmissionReview,
    Application,
    Organization,
)
from incubator.organizations.pages import AdmissionPage, ApplicationStatusPage, ApplyPage
from incubator.organizations.routes._common import choices, domain_options, managed
from incubator.parks.models import Park
from incubator.web import flash, form_data, form_errors, path_int, redirect_to, render, status_for

# ---- the admission review --------------------------------------------------------------------------


async def _admission_page(principal: Principal, organization: Organization, values: dict,
                          errors: dict[str, str]) -> AdmissionPage:
    park = await access.get_or_404(Park, principal, id=organization.park_id)
    of_it = {"organization_id": organization.id}
    return AdmissionPage(
        organization=organization, park=park, values=values, errors=errors,
        criteria=await admission.criteria_for(park),
        desks=await admission.free_desks(park),
        supports=choices(SUPPORT_LABELS),
        application=await access.scope(Application, principal).get_or_none(**of_it),
        reviews=await access.scope(AdmissionReview, principal).filter(**of_it).order_by("-at"),
    )


async def admission_form(request: Request) -> Response:
    principal, organization = await managed(request)
    application = await access.scope(Application, principal).get_or_none(organization_id=organization.id)
    values = {"start_on": clock.today().isoformat(), "term_months": "12", "decision": "admit",
              "supports": application.supports if application else []}
    return render(request, "organizations/admission.html",
                  await _admission_page(principal, organization, values, {}))


async def admission_decide(request: Request) -> Response:
    principal, organization = await managed(request)
    form = await request.form()
    data = await form_data(request)
    supports = [str(v) for v in form.getlist("supports")]
    criteria = await admission.criteria_for(await access.get_or_404(Park, principal, id=organization.park_id))
    command, problems = forms.admission_draft(data, [c.id for c in criteria], supports)
    try:
        review = await admission.decide_admission(principal, organization, command, problems)
    except PermissionDenied:
        raise
    except DomainError as exc:
        errors = form_errors(exc, forms.score_fields(command))
        page = await _admission_page(principal, organization, {**data, "supports": supports}, errors)
        return render(request, "organizations/admission.html", page, status_code=400)
    message = _("Admitted: the agreement is signed.") if review.decision == "admit" else _(
        "The application has been rejected; the reason is kept.")
    return flash(request, redirect_to(request, "organizations:detail", id=organization.id), message)


# ---- the public application --------------------------------------------------------------------------


async def _public_park(request: Request) -> Park:
    park = await Park.get_or_none(id=path_int(request, "id"), is_active=True)
    if park is None:
        raise NotFound(_("Not found."))
    return park


async def _apply_page(park: Park, values: dict, errors: dict[str, str], duplicate: bool = False) -> ApplyPage:
    return ApplyPage(park=park, values=values, errors=errors, domain_options=await domain_options(),
                     kinds=choices(KIND_LABELS), supports=choices(SUPPORT_LABELS), duplicate=duplicate)


async def apply_form(request: Request) -> Response:
    park = await _public_park(request)
    values = {"kind": "unregistered", "supports": []}
    return render(request, "organizations/apply.html", await _apply_page(park, values, {}))


async def apply_submit(request: Request) -> Response:
    park = await _public_park(request)
    form = await request.form()
    data = await form_data(request)
    domain_ids = [str(v) for v in form.getlist("domain_ids")]
    supports = [str(v) for v in form.getlist("supports")]
    address = request.client.host if request.client else ""
    try:
        submitted = await admission.submit_application(park, forms.apply(data, domain_ids, supports),
                                                       address=address)
    except DomainError as exc:
        page = await _apply_page(park, {**data, "domain_ids": domain_ids, "supports": supports},
                                 form_errors(exc, forms.FIELDS), isinstance(exc, admission.LikelyDuplicate))
        return render(request, "organizations/apply.html", page, status_code=status_for(exc))
    return redirect_to(request, "organizations:application_status", reference=submitted.reference)


async def application_status(request: Request) -> Response:
    """The applicant's receipt and status page, reached by the unguessable reference only."""
    receipt = await admission.receipt(request.path_params["reference"])
    if receipt is None:
        raise NotFound(_("Not found."))
    application = receipt.application
    return render(request, "organizations/application_status.html",
                  ApplicationStatusPage(application, application.organization, receipt.rejection))


routes = [
    Route("/organizations/{id:int}/admission", admission_form, methods=["GET"], name="organizations:admission"),
    Route("/organizations/{id:int}/admission", admission_decide, methods=["POST"],
          name="organizations:admission_decide"),
    Route("/parks/{id:int}/apply", apply_form, methods=["GET"], name="organizations:apply"),
    Route("/parks/{id:int}/apply", apply_submit, methods=["POST"], name="organizations:apply_submit"),
    Route("/applications/{reference:str}", application_status, methods=["GET"],
          name="organizations:application_status"),
]
