"""What administrators and managers set up: a park's admission scorecard and the service domains."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from incubator import access
from incubator.errors import DomainError, ValidationFailed
from incubator.i18n import gettext as _
from incubator.organizations import admission, forms, service
from incubator.organizations.models import ServiceDomain
from incubator.organizations.pages import CriteriaPage, DomainsPage
from incubator.parks.models import Park
from incubator.roles import Role
from incubator.web import current, flash, form_data, form_errors, path_int, redirect_to, render, status_for


async def criteria_page(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    park = await access.get_or_404(Park, principal, "change", id=path_int(request, "id"))
    criteria = await admission.criteria_for(park) or admission.default_criteria(park.id)  # offered, not stored
    page = CriteriaPage(park, forms.criteria_values(criteria), {}, range(min(len(criteria) + 2, forms.MAX_CRITERIA)))
    return render(request, "organizations/criteria.html", page)


async def criteria_save(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    park = await access.get_or_404(Park, principal, "change", id=path_int(request, "id"))
    data = await form_data(request)
    try:
        await admission.save_criteria(principal, park, forms.save_criteria(data))
    except DomainError as exc:  # wrong input (400), or another manager's save at the same moment (409)
        page = CriteriaPage(park, data, form_errors(exc, forms.FIELDS), range(forms.MAX_CRITERIA))
        return render(request, "organizations/criteria.html", page, status_code=status_for(exc))
    return flash(request, redirect_to(request, "parks:detail", id=park.id),
                 _("The admission scorecard has been saved."))


async def _domains(principal) -> list[ServiceDomain]:
    return await access.scope(ServiceDomain, principal).order_by("sort", "id")


async def domains_page(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN)
    return render(request, "organizations/domains.html", DomainsPage(await _domains(principal)))


async def domain_create(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN)
    data = await form_data(request)
    try:
        await service.create_domain(principal, forms.create_domain(data))
    except ValidationFailed as exc:
        page = DomainsPage(await _domains(principal), form_errors(exc, forms.FIELDS), data)
        return render(request, "organizations/domains.html", page, status_code=400)
    return flash(request, redirect_to(request, "organizations:domains"), _("The service domain has been added."))


routes = [
    Route("/parks/{id:int}/admission-criteria", criteria_page, methods=["GET"], name="organizations:criteria"),
    Route("/parks/{id:int}/admission-criteria", criteria_save, methods=["POST"], name="organizations:criteria_save"),
    Route("/service-domains", domains_page, methods=["GET"], name="organizations:domains"),
    Route("/service-domains", domain_create, methods=["POST"], name="organizations:domain_create"),
]
