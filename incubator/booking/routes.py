"""The week grid of a space, the booking form, one's bookings and cancelling them."""

from __future__ import annotations

from datetime import date, time

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from incubator import access, clock
from incubator.access import Principal
from incubator.booking import forms, grid, service
from incubator.booking.models import ACTIVE_STATUSES, Booking
from incubator.booking.pages import BookingsPage, BookPage, WeekPage
from incubator.errors import DomainError, NotFound, PermissionDenied
from incubator.i18n import gettext as _
from incubator.organizations.models import RESIDENT_STAGES, Organization
from incubator.parks.models import Park, Space
from incubator.roles import Role
from incubator.web import current, flash, form_data, form_errors, path_int, redirect, render, status_for


async def _bookable_space(request: Request) -> tuple[Space, Park]:
    space = await Space.get_or_none(id=path_int(request), bookable=True, is_active=True)
    if space is None:
        raise NotFound(_("Not found."))
    return space, await Park.get(id=space.park_id)


def _week_of(request: Request) -> date:
    try:
        return grid.monday_of(date.fromisoformat(request.query_params.get("week", "")))
    except ValueError:
        return grid.monday_of(clock.today())


async def week_page(request: Request) -> Response:
    principal = current(request)
    space, park = await _bookable_space(request)
    rules = await service.rules_for(space.id)
    week = await grid.week(principal, space, rules, _week_of(request))
    return render(request, "booking/week.html", WeekPage(space, park, rules, week,
                                                          await service.may_book(principal, space)), block="grid")


async def _organization_choices(principal: Principal, space: Space) -> list[tuple[str, str]]:
    if principal.is_(Role.MEMBER):
        return []
    rows = await Organization.filter(park_id=space.park_id, stage__in=list(RESIDENT_STAGES)).order_by(
        "name_zh").values_list("id", "name_zh")
    return [(forms.BLOCK, _("No organization: block the time")), *((str(i), name) for i, name in rows)]


async def book_form(request: Request) -> Response:
    principal = current(request)
    space, park = await _bookable_space(request)
    if not await service.may_book(principal, space):
        raise NotFound(_("Not found."))
    rules = await service.rules_for(space.id)
    params = request.query_params
    values = {"day": params.get("day", ""), "start": params.get("start", ""), "attendees": "1"}
    try:
        start = time.fromisoformat(values["start"])
        end_minutes = start.hour * 60 + start.minute + rules.min_minutes
        values["end"] = f"{end_minutes // 60:02d}:{end_minutes % 60:02d}" if end_minutes < 24 * 60 else ""
    except ValueError:
        values["start"] = ""
    return render(request, "booking/form.html", BookPage(
        space, park, rules, await _organization_choices(principal, space), values, {}))


async def book_submit(request: Request) -> Response:
    principal = current(request)
    space, park = await _bookable_space(request)
    if not await service.may_book(principal, space):
        raise NotFound(_("Not found."))  # as the form's page answers them
    data = await form_data(request)
    try:
        booking = await service.book(principal, forms.book(space.id, data, manager=not principal.is_(Role.MEMBER)))
    except DomainError as exc:
        rules = await service.rules_for(space.id)
        page = BookPage(space, park, rules, await _organization_choices(principal, space), data,
                        form_errors(exc, forms.FIELDS))
        return render(request, "booking/form.html", page, status_code=status_for(exc))
    message = _("Requested: a manager will confirm it.") if booking.status == "pending" else _("Booked.")
    return flash(request, redirect(request, f"/spaces/{space.id}/week?week={grid.monday_of(booking_day(booking))}"),
                 message)


def booking_day(booking: Booking) -> date:
    return clock.local_date(booking.starts_at)


async def bookings_page(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL, Role.MANAGER, Role.MEMBER)
    bookings = await access.scope(Booking, principal).filter(
        status__in=list(ACTIVE_STATUSES), ends_at__gt=clock.now()).select_related("space", "organization").only(
        "id", "starts_at", "ends_at", "status", "purpose", "attendees", "organization_id", "space_id",
        "space__id", "space__name", "organization__id", "organization__name_zh").order_by("starts_at", "id").limit(200)
    cancellable = {b.id for b in bookings if service.cancel_allowed(principal, b)}
    return render(request, "booking/list.html", BookingsPage(
        list(bookings), cancellable, principal.is_(Role.ADMIN, Role.MANAGER), await _spaces_for(principal)))


async def _spaces_for(principal: Principal) -> list[Space]:
    spaces = Space.filter(bookable=True, is_active=True).only("id", "name", "park_id", "capacity", "kind")
    if principal.is_(Role.MEMBER):
        organization = await Organization.get_or_none(id=principal.organization_id).only("id", "park_id")
        if organization is None:
            return []
        spaces = spaces.filter(park_id=organization.park_id)
    elif principal.is_(Role.MANAGER):
        spaces = spaces.filter(park_id__in=list(principal.park_ids))
    return list(await spaces.order_by("park_id", "name").limit(100))


async def booking_cancel(request: Request) -> Response:
    principal = current(request)
    data = await form_data(request)
    try:
        await service.cancel(principal, path_int(request), forms.cancel(data))
    except DomainError as exc:
        if isinstance(exc, (NotFound, PermissionDenied)):
            raise
        return flash(request, redirect(request, "/bookings"), exc.message, "error")
    return flash(request, redirect(request, "/bookings"), _("The booking has been cancelled."))


routes = [
    Route("/spaces/{id:int}/week", week_page, methods=["GET"], name="booking:week"),
    Route("/spaces/{id:int}/book", book_form, methods=["GET"], name="booking:form"),
    Route("/spaces/{id:int}/book", book_submit, methods=["POST"], name="booking:book"),
    Route("/bookings", bookings_page, methods=["GET"], name="booking:list"),
    Route("/bookings/{id:int}/cancel", booking_cancel, methods=["POST"], name="booking:cancel"),
]
