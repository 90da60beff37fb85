"""Park and space pages."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.expressions import Q

from incubator import access, capability
from incubator.access import Principal
from incubator.auth.models import ParkManager
from incubator.errors import DomainError
from incubator.i18n import gettext as _
from incubator.parks import forms, service
from incubator.parks.models import PARK_KIND_LABELS, SPACE_KIND_LABELS, WEEKDAY_LABELS, WEEKDAYS, Park, Space
from incubator.parks.pages import ParkFormPage, ParkPage, ParksPage, SpaceFormPage, SpacePage
from incubator.roles import Role
from incubator.web import (
    current,
    flash,
    form_data,
    form_errors,
    path_int,
    query_text,
    redirect_to,
    render,
    status_for,
)


async def park_list(request: Request) -> Response:
    principal = current(request)
    query = query_text(request, "q")
    parks = access.scope(Park, principal)
    if query:
        parks = parks.filter(Q(name_zh__icontains=query) | Q(name_en__icontains=query) | Q(theme__icontains=query))
    found = await service.attach_figures(await parks.order_by("id"))
    page = ParksPage(parks=found, q=query, figures=capability.park_figures(),
                     actions={park.id: service.park_actions(principal, park) for park in found},
                     may_create=service.may_create_parks(principal))
    return render(request, "parks/list.html", page, block="results")


async def park_detail(request: Request) -> Response:
    principal = current(request)
    park = await access.get_or_404(Park, principal, id=path_int(request, "id"))
    spaces = await access.scope(Space, principal).filter(park_id=park.id)
    links = await access.scope(ParkManager, principal).filter(park_id=park.id).select_related("user")
    page = ParkPage(
        park=park, actions=service.park_actions(principal, park), spaces=spaces,
        space_actions={s.id: service.space_actions(principal, s) for s in spaces},
        hours={s.id: service.opening_hours_summary(s.opening_hours) for s in spaces},
        managers=[link.user for link in links],
        links=[link for link in capability.park_links() if link.shows(principal, park)],
    )
    return render(request, "parks/detail.html", page)


def _park_form(park: Park | None, values: dict, errors: dict, classify: bool) -> ParkFormPage:
    return ParkFormPage(park=park, values=values, errors=errors, classify=classify,
                        kinds=[(k.value, _(label)) for k, label in PARK_KIND_LABELS.items()])


async def park_new(request: Request) -> Response:
    access.require_role(current(request), Role.ADMIN)
    return render(request, "parks/form.html", _park_form(None, forms.park_values(None), {}, True))


async def park_create(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN)
    data = await form_data(request)
    try:
        park = await service.create_park(principal, forms.create_park(data))
    except DomainError as exc:
        return render(request, "parks/form.html", _park_form(None, data, form_errors(exc, forms.FIELDS), True),
                      status_code=status_for(exc))
    return flash(request, redirect_to(request, "parks:detail", id=park.id), _("The park has been created."))


async def _park_to_change(request: Request) -> tuple[Principal, Park, bool]:
    principal = current(request)
    park = await access.get_or_404(Park, principal, "change", id=path_int(request, "id"))
    return principal, park, "classify" in service.park_actions(principal, park)


async def park_edit(request: Request) -> Response:
    _principal, park, classify = await _park_to_change(request)
    return render(request, "parks/form.html", _park_form(park, forms.park_values(park), {}, classify))


async def park_update(request: Request) -> Response:
    principal, park, classify = await _park_to_change(request)
    data = await form_data(request)
    try:
        await service.update_park(principal, park, forms.update_park(data, classify=classify))
    except DomainError as exc:
        return render(request, "parks/form.html", _park_form(park, data, form_errors(exc, forms.FIELDS), classify),
                      status_code=status_for(exc))
    return flash(request, redirect_to(request, "parks:detail", id=park.id), _("The park has been saved."))


async def space_detail(request: Request) -> Response:
    """A space: what it is, when it is open, and (as other capabilities say) its week and booking."""
    principal = current(request)
    space = await access.get_or_404(Space, principal, id=path_int(request, "id"))
    park = await access.get_or_404(Park, principal, id=space.park_id)
    links = [link for link in capability.space_links() if await link.shows(principal, space)]
    return render(request, "parks/space.html", SpacePage(
        space=space, park=park, actions=service.space_actions(principal, space),
        hours=service.opening_hours_summary(space.opening_hours), links=links))


def _space_form(park: Park, space: Space | None, values: dict, errors: dict) -> SpaceFormPage:
    return SpaceFormPage(park=park, space=space, values=values, errors=errors,
                         kinds=[(k.value, _(label)) for k, label in SPACE_KIND_LABELS.items()],
                         weekdays=[(day, _(WEEKDAY_LABELS[day])) for day in WEEKDAYS])


async def space_new(request: Request) -> Response:
    principal = current(request)
    park = await access.get_or_404(Park, principal, "change", id=path_int(request, "id"))
    return render(request, "parks/space_form.html", _space_form(park, None, forms.space_values(None), {}))


async def space_create(request: Request) -> Response:
    principal = current(request)
    park = await access.get_or_404(Park, principal, "change", id=path_int(request, "id"))
    data = await form_data(request)
    try:
        await service.create_space(principal, park, forms.space(data, existing=False))
    except DomainError as exc:
        return render(request, "parks/space_form.html", _space_form(park, None, data, form_errors(exc, forms.FIELDS)),
                      status_code=status_for(exc))
    return flash(request, redirect_to(request, "parks:detail", id=park.id), _("The space has been added."))


async def _space_to_change(request: Request) -> tuple[Principal, Space, Park]:
    principal = current(request)
    space = await access.get_or_404(Space, principal, "change", id=path_int(request, "id"))
    return principal, space, await access.get_or_404(Park, principal, "change", id=space.park_id)


async def space_edit(request: Request) -> Response:
    _principal, space, park = await _space_to_change(request)
    return render(request, "parks/space_form.html", _space_form(park, space, forms.space_values(space), {}))


async def space_update(request: Request) -> Response:
    principal, space, park = await _space_to_change(request)
    data = await form_data(request)
    try:
        await service.update_space(principal, space, forms.space(data, existing=True))
    except DomainError as exc:
        return render(request, "parks/space_form.html", _space_form(park, space, data, form_errors(exc, forms.FIELDS)),
                      status_code=status_for(exc))
    return flash(request, redirect_to(request, "parks:detail", id=park.id), _("The space has been saved."))


routes = [
    Route("/parks", park_list, methods=["GET"], name="parks:list"),
    Route("/parks/new", park_new, methods=["GET"], name="parks:new"),
    Route("/parks", park_create, methods=["POST"], name="parks:create"),
    Route("/parks/{id:int}", park_detail, methods=["GET"], name="parks:detail"),
    Route("/parks/{id:int}/edit", park_edit, methods=["GET"], name="parks:edit"),
    Route("/parks/{id:int}", park_update, methods=["POST"], name="parks:update"),
    Route("/parks/{id:int}/spaces/new", space_new, methods=["GET"], name="parks:space_new"),
    Route("/parks/{id:int}/spaces", space_create, methods=["POST"], name="parks:space_create"),
    Route("/spaces/{id:int}", space_detail, methods=["GET"], name="parks:space"),
    Route("/spaces/{id:int}/edit", space_edit, methods=["GET"], name="parks:space_edit"),
    Route("/spaces/{id:int}", space_update, methods=["POST"], name="parks:space_update"),
]
