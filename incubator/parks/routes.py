"""Park and space pages."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.expressions import Q

from incubator import access, capability
from incubator.auth.models import ParkManager
from incubator.errors import ValidationFailed
from incubator.i18n import gettext as _
from incubator.parks import service
from incubator.parks.models import (
    PARK_KIND_LABELS,
    SPACE_KIND_LABELS,
    WEEKDAY_LABELS,
    WEEKDAYS,
    Park,
    ParkKind,
    Space,
    SpaceKind,
)
from incubator.roles import Role
from incubator.web import current, flash, form_data, path_int, query_text, redirect, render


async def park_list(request: Request) -> Response:
    principal = current(request)
    query = query_text(request, "q")
    parks = access.scope(Park, principal)
    if query:
        parks = parks.filter(Q(name_zh__icontains=query) | Q(name_en__icontains=query) | Q(theme__icontains=query))
    editable = set(await access.scope(Park, principal, "change").values_list("id", flat=True))
    context = {"parks": await service.attach_figures(await parks.order_by("id")), "q": query, "editable": editable,
               "figures": capability.park_figures(), "can_create": principal.is_(Role.ADMIN)}
    return render(request, "parks/list.html", context, block="results")


async def park_detail(request: Request) -> Response:
    principal = current(request)
    park = await access.get_or_404(Park, principal, id=path_int(request, "id"))
    spaces = await access.scope(Space, principal).filter(park_id=park.id)
    managers = await ParkManager.filter(park_id=park.id).select_related("user")
    context = {
        "park": park,
        "spaces": spaces,
        "managers": [link.user for link in managers],
        "can_edit": await access.can(principal, park),
        "can_read_audit": principal.is_(Role.ADMIN, Role.OFFICIAL),
        "hours_summary": service.opening_hours_summary,
    }
    return render(request, "parks/detail.html", context)


def _park_form(values: dict, errors: dict, park: Park | None, admin: bool) -> dict:
    return {
        "values": values, "errors": errors, "park": park, "admin": admin,
        "kinds": [(k.value, _(PARK_KIND_LABELS[k])) for k in ParkKind],
    }


async def park_new(request: Request) -> Response:
    access.require_role(current(request), Role.ADMIN)
    return render(request, "parks/form.html", _park_form(service.park_form_values(None), {}, None, True))


async def park_create(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN)
    data = await form_data(request)
    try:
        park = await service.create_park(principal, data)
    except ValidationFailed as exc:
        return render(request, "parks/form.html", _park_form(data, exc.errors, None, True), status_code=400)
    return flash(request, redirect(request, f"/parks/{park.id}"), _("The park has been created."))


async def park_edit(request: Request) -> Response:
    principal = current(request)
    park = await access.get_or_404(Park, principal, "change", id=path_int(request, "id"))
    admin = principal.is_(Role.ADMIN)
    return render(request, "parks/form.html", _park_form(service.park_form_values(park), {}, park, admin))


async def park_update(request: Request) -> Response:
    principal = current(request)
    park = await access.get_or_404(Park, principal, "change", id=path_int(request, "id"))
    data = await form_data(request)
    admin = principal.is_(Role.ADMIN)
    try:
        await service.update_park(principal, park, data)
    except ValidationFailed as exc:
        return render(request, "parks/form.html", _park_form(data, exc.errors, park, admin), status_code=400)
    return flash(request, redirect(request, f"/parks/{park.id}"), _("The park has been saved."))


def _space_form(values: dict, errors: dict, park: Park, space: Space | None) -> dict:
    return {
        "values": values, "errors": errors, "park": park, "space": space,
        "kinds": [(k.value, _(SPACE_KIND_LABELS[k])) for k in SpaceKind],
        "weekdays": WEEKDAYS, "weekday_labels": WEEKDAY_LABELS,
    }


async def space_new(request: Request) -> Response:
    principal = current(request)
    park = await access.get_or_404(Park, principal, "change", id=path_int(request, "id"))
    return render(request, "parks/space_form.html", _space_form(service.space_form_values(None), {}, park, None))


async def space_create(request: Request) -> Response:
    principal = current(request)
    park = await access.get_or_404(Park, principal, "change", id=path_int(request, "id"))
    data = await form_data(request)
    try:
        await service.create_space(principal, park, data)
    except ValidationFailed as exc:
        return render(request, "parks/space_form.html", _space_form(data, exc.errors, park, None), status_code=400)
    return flash(request, redirect(request, f"/parks/{park.id}"), _("The space has been added."))


async def space_edit(request: Request) -> Response:
    principal = current(request)
    space = await access.get_or_404(Space, principal, "change", id=path_int(request, "id"))
    park = await Park.get(id=space.park_id)
    return render(request, "parks/space_form.html", _space_form(service.space_form_values(space), {}, park, space))


async def space_update(request: Request) -> Response:
    principal = current(request)
    space = await access.get_or_404(Space, principal, "change", id=path_int(request, "id"))
    park = await Park.get(id=space.park_id)
    data = await form_data(request)
    try:
        await service.update_space(principal, space, data)
    except ValidationFailed as exc:
        return render(request, "parks/space_form.html", _space_form(data, exc.errors, park, space), status_code=400)
    return flash(request, redirect(request, f"/parks/{park.id}"), _("The space has been saved."))


routes = [
    Route("/parks", park_list, methods=["GET"], name="parks:list"),
    Route("/parks/new", park_new, methods=["GET"], name="parks:new"),
    Route("/parks", park_create, methods=["POST"], name="parks:create"),
    Route("/parks/{id:int}", park_detail, methods=["GET"], name="parks:detail"),
    Route("/parks/{id:int}/edit", park_edit, methods=["GET"], name="parks:edit"),
    Route("/parks/{id:int}", park_update, methods=["POST"], name="parks:update"),
    Route("/parks/{id:int}/spaces/new", space_new, methods=["GET"], name="parks:space_new"),
    Route("/parks/{id:int}/spaces", space_create, methods=["POST"], name="parks:space_create"),
    Route("/spaces/{id:int}/edit", space_edit, methods=["GET"], name="parks:space_edit"),
    Route("/spaces/{id:int}", space_update, methods=["POST"], name="parks:space_update"),
]
