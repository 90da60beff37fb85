"""The organization's profile and its registration track, with the credit code checked as typed."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from incubator import access, db
from incubator.errors import PermissionDenied, ValidationFailed
from incubator.i18n import gettext as _
from incubator.organizations import credit_code, forms, service
from incubator.organizations.models import (
    KIND_LABELS,
    REGISTRATION_LABELS,
    Organization,
    OrganizationDomain,
    OrganizationKind,
    Registration,
)
from incubator.organizations.pages import CreditCodeCheck, ProfileFormPage, RegistrationPage
from incubator.organizations.routes._common import choices, domain_options, managed
from incubator.web import current, flash, form_data, form_errors, path_int, redirect_to, render


def _profile_values(organization: Organization, domain_ids: list[int]) -> dict:
    values: dict = {name: "" if getattr(organization, name) is None else str(getattr(organization, name))
                    for name in service.PROFILE_FIELDS}
    values["kind"] = OrganizationKind(organization.kind).value
    values["domain_ids"] = [str(d) for d in domain_ids]
    return values


async def _profile_page(principal, organization: Organization, values: dict, errors: dict) -> ProfileFormPage:
    return ProfileFormPage(organization, values, errors, await domain_options(principal), choices(KIND_LABELS))


async def _editable(request: Request):
    principal = current(request)
    organization = await access.get_or_404(Organization, principal, "change", id=path_int(request, "id"))
    if "edit_profile" not in service.organization_actions(principal, organization):
        raise PermissionDenied(_("Your role may not do this."))
    return principal, organization


async def profile_edit(request: Request) -> Response:
    principal, organization = await _editable(request)
    domain_ids: list[int] = await db.flat(access.scope(OrganizationDomain, principal).filter(
        organization_id=organization.id).values_list("domain_id", flat=True))
    page = await _profile_page(principal, organization, _profile_values(organization, list(domain_ids)), {})
    return render(request, "organizations/form.html", page)


async def profile_update(request: Request) -> Response:
    principal, organization = await _editable(request)
    form = await request.form()
    data = await form_data(request)
    domain_ids = [str(v) for v in form.getlist("domain_ids")]
    try:
        await service.update_profile(principal, organization, forms.profile(data, domain_ids))
    except ValidationFailed as exc:
        page = await _profile_page(principal, organization, {**data, "domain_ids": domain_ids},
                                   form_errors(exc, forms.FIELDS))
        return render(request, "organizations/form.html", page, status_code=400)
    return flash(request, redirect_to(request, "organizations:detail", id=organization.id),
                 _("The profile has been saved."))


def _registration_values(organization: Organization) -> dict[str, str]:
    values = {name: "" if getattr(organization, name) is None else str(getattr(organization, name))
              for name in service.REGISTRATION_FIELDS}
    values["registration"] = Registration(organization.registration).value
    return values


async def registration_edit(request: Request) -> Response:
    _principal, organization = await managed(request)
    return render(request, "organizations/registration.html", RegistrationPage(
        organization, _registration_values(organization), {}, choices(REGISTRATION_LABELS)))


async def registration_update(request: Request) -> Response:
    principal, organization = await managed(request)
    data = await form_data(request)
    try:
        await service.update_registration(principal, organization, forms.update_registration(data))
    except ValidationFailed as exc:
        page = RegistrationPage(organization, data, form_errors(exc, forms.FIELDS), choices(REGISTRATION_LABELS))
        return render(request, "organizations/registration.html", page, status_code=400)
    return flash(request, redirect_to(request, "organizations:detail", id=organization.id),
                 _("The registration has been saved."))


async def check_credit_code(request: Request) -> Response:
    """htmx inline validation of a credit code while it is typed."""
    current(request)
    raw = request.query_params.get("credit_code", "")
    problem, normalised = None, ""
    if raw.strip():
        try:
            normalised = credit_code.parse(raw).code
        except credit_code.CreditCodeError as exc:
            problem = exc.message
    return render(request, "organizations/_credit_code_check.html", CreditCodeCheck(problem, normalised))


routes = [
    Route("/organizations/check-credit-code", check_credit_code, methods=["GET"],
          name="organizations:check_credit_code"),
    Route("/organizations/{id:int}/edit", profile_edit, methods=["GET"], name="organizations:edit"),
    Route("/organizations/{id:int}/edit", profile_update, methods=["POST"], name="organizations:update"),
    Route("/organizations/{id:int}/registration", registration_edit, methods=["GET"],
          name="organizations:registration"),
    Route("/organizations/{id:int}/registration", registration_update, methods=["POST"],
          name="organizations:registration_update"),
]
