"""The working-day calendar: the administrator's corrections to the official holidays."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from incubator import access
from incubator.access import Principal
from incubator.calendar import forms
from incubator.calendar import service as calendar
from incubator.calendar.models import WorkdayOverride
from incubator.calendar.pages import CalendarPage
from incubator.errors import DomainError
from incubator.i18n import gettext as _
from incubator.roles import Role
from incubator.web import current, flash, form_data, form_errors, path_int, redirect_to, render, status_for


async def _calendar_page(principal: Principal, values: dict, errors: dict) -> CalendarPage:
    return CalendarPage(overrides=await access.scope(WorkdayOverride, principal).order_by("-day"),
                        may_correct=calendar.may_correct(principal), values=values, errors=errors)


async def calendar_page(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL, Role.MANAGER)
    return render(request, "calendar/overrides.html", await _calendar_page(principal, {"is_working": "1"}, {}))


async def calendar_save(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN)
    data = await form_data(request)
    try:
        await calendar.set_override(principal, forms.set_override(data))
    except DomainError as exc:
        page = await _calendar_page(principal, data, form_errors(exc, forms.FIELDS))
        return render(request, "calendar/overrides.html", page, status_code=status_for(exc))
    return flash(request, redirect_to(request, "calendar:overrides"), _("The calendar has been corrected."))


async def calendar_remove(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN)
    override = await access.get_or_404(WorkdayOverride, principal, "change", id=path_int(request, "id"))
    await calendar.remove_override(principal, override)
    return flash(request, redirect_to(request, "calendar:overrides"), _("The correction has been removed."))


routes = [
    Route("/calendar", calendar_page, methods=["GET"], name="calendar:overrides"),
    Route("/calendar", calendar_save, methods=["POST"], name="calendar:save"),
    Route("/calendar/{id:int}/delete", calendar_remove, methods=["POST"], name="calendar:remove"),
]
