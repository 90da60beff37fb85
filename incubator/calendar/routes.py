"""The working-day calendar: the administrator's corrections to the official holidays."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from incubator import access
from incubator.calendar import service as calendar
from incubator.calendar.models import WorkdayOverride
from incubator.errors import ValidationFailed
from incubator.i18n import gettext as _
from incubator.roles import Role
from incubator.web import current, flash, form_data, path_int, redirect, render


async def _calendar_context(principal, values: dict, errors: dict) -> dict:
    return {"overrides": await access.scope(WorkdayOverride, principal).order_by("-day"), "values": values,
            "errors": errors, "can_change": principal.is_(Role.ADMIN)}


async def calendar_page(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL, Role.MANAGER)
    return render(request, "calendar/overrides.html", await _calendar_context(principal, {"is_working": "1"}, {}))


async def calendar_save(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN)
    data = await form_data(request)
    try:
        await calendar.set_override(principal, data)
    except ValidationFailed as exc:
        return render(request, "calendar/overrides.html", await _calendar_context(principal, data, exc.errors),
                      status_code=400)
    return flash(request, redirect(request, "/calendar"), _("The calendar has been corrected."))


async def calendar_remove(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN)
    override = await access.get_or_404(WorkdayOverride, principal, "change", id=path_int(request, "id"))
    await calendar.remove_override(principal, override)
    return flash(request, redirect(request, "/calendar"), _("The correction has been removed."))


routes = [
    Route("/calendar", calendar_page, methods=["GET"], name="calendar:overrides"),
    Route("/calendar", calendar_save, methods=["POST"], name="calendar:save"),
    Route("/calendar/{id:int}/delete", calendar_remove, methods=["POST"], name="calendar:remove"),
]
