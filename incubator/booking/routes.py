"""The week grid of a space and a park's day view, the booking form (weekly series too), one's bookings
and what may be done with them, check-in at the door, the calendar feeds, the rules and quotas."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, time, timedelta
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from incubator import access, clock, db, i18n, workdays
from incubator.access import Principal
from incubator.booking import (
    check_in,
    decisions,
    feeds,
    forms,
    grid,
    new_bookings,
    quotas,
    slots,
    utilization,
    utilization_routes,
    watches,
)
from incubator.booking.models import (
    ACTIVE_STATUSES,
    BOOKING_STATUS_LABELS,
    ENDED_STATUSES,
    Booking,
    BookingRules,
    BookingStatus,
    FeedKind,
)
from incubator.booking.pages import (
    BookingsPage,
    BookPage,
    CheckInPage,
    DayPage,
    DoorPage,
    MovePage,
    QuotaPage,
    RulesPage,
    WeekPage,
)
from incubator.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from incubator.i18n import gettext as _
from incubator.pagecache import cached
from incubator.parks import service as parks
from incubator.parks.models import Park, Space
from incubator.roles import Role
from incubator.web import (
    absolute_url,
    current,
    export,
    export_routes,
    flash,
    form_data,
    form_errors,
    paginate,
    path_int,
    qr_svg,
    query_int,
    query_text,
    redirect_to,
    render,
    status_for,
)
from incubator.workdays import month_range


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
    rules = await slots.rules_for(space.id)
    week = await grid.week(principal, space, rules, _week_of(request))
    feed = None
    if request.headers.get("HX-Request") != "true" and await feeds.may_reset(principal, FeedKind.SPACE, space.id):
        secret = await feeds.token(request.app.state.settings.secret_key, FeedKind.SPACE, space.id)
        feed = _feed_url(request, FeedKind.SPACE, space.id, secret)
    return render(request, "booking/week.html", WeekPage(space, park, rules, week,
                                                          await new_bookings.may_book(principal, space), feed),
                  block="grid")


def _feed_url(request: Request, kind: FeedKind, owner_id: int, secret: str) -> str:
    return absolute_url(request, f"/feeds/{kind.value}/{owner_id}/{secret}.ics")


async def feed_ics(request: Request) -> Response:
    """A calendar app's subscription: no sign-in, the secret address is the key."""
    try:
        kind = FeedKind(request.path_params["kind"])
    except ValueError:
        raise NotFound(_("Not found.")) from None
    body = await feeds.calendar(request.app.state.settings.secret_key, kind, path_int(request),
                                request.path_params["token"])
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "private, max-age=300"})


async def space_feed_reset(request: Request) -> Response:
    principal = current(request)
    space = await feeds.space_of(principal, path_int(request))
    await feeds.reset(principal, FeedKind.SPACE, space.id)
    return flash(request, redirect_to(request, "booking:week", id=space.id),
                 _("The calendar has a new address: the old one no longer works."))


async def organization_feed_reset(request: Request) -> Response:
    principal = access.require_role(current(request), Role.MEMBER)
    if principal.organization_id is None:
        raise NotFound(_("Not found."))
    await feeds.reset(principal, FeedKind.ORGANIZATION, principal.organization_id)
    return flash(request, redirect_to(request, "booking:list"),
                 _("The calendar has a new address: the old one no longer works."))


async def _organization_choices(principal: Principal, space: Space) -> list[tuple[str, str]]:
    rows = await new_bookings.organizations_to_book_for(principal, space)
    if not rows:
        return []
    return [(forms.BLOCK, _("No organization: block the time")), *((str(i), name) for i, name in rows)]


async def book_form(request: Request) -> Response:
    """The booking form, filled in from the week grid's slot; a time already taken offers to watch it."""
    principal = current(request)
    space, park = await _bookable_space(request)
    if not await new_bookings.may_book(principal, space):
        raise NotFound(_("Not found."))
    rules = await slots.rules_for(space.id)
    params = request.query_params
    values = {"day": params.get("day", ""), "start": params.get("start", ""), "attendees": "1", "weeks": "1"}
    try:
        start = time.fromisoformat(values["start"])
        end_minutes = start.hour * 60 + start.minute + rules.min_minutes
        values["end"] = f"{end_minutes // 60:02d}:{end_minutes % 60:02d}" if end_minutes < 24 * 60 else ""
    except ValueError:
        values["start"] = ""
    watchable = False
    if values["start"] and values.get("end"):
        try:
            watchable = await watches.is_taken(space.id, forms.watch(space.id, values))
        except ValidationFailed:
            pass  # a day that is no date: the form says so when it is sent
    return render(request, "booking/form.html", BookPage(
        space, park, rules, await _organization_choices(principal, space), values, {}, watchable=watchable))


async def book_submit(request: Request) -> Response:
    """Books; a weekly series is first shown date by date (what stands in each date's way, to skip)
    and booked once the user confirms those dates."""
    principal = current(request)
    space = await new_bookings.bookable_space(path_int(request))  # its park only if the form is shown again
    if not await new_bookings.may_book(principal, space):
        raise NotFound(_("Not found."))  # as the form's page answers them
    form = await request.form()
    data = await form_data(request)
    skipped = [value for value in form.getlist("skip") if isinstance(value, str)]

    async def again(errors: dict[str, str], status_code: int, plan: list[new_bookings.Occurrence] | None = None,
                    watchable: bool = False) -> Response:
        values: dict = {**data, "skip": skipped}
        if plan:  # the dates that cannot be booked are skipped unless the user says otherwise
            values["skip"] = sorted({*skipped, *(o.day.isoformat() for o in plan if o.problem)})
            values["confirmed"] = data.get("weeks", "")
        page = BookPage(space, await Park.get(id=space.park_id), await slots.rules_for(space.id),
                        await _organization_choices(principal, space), values, errors, plan or [], watchable)
        return render(request, "booking/form.html", page, status_code=status_code)

    command = None
    try:
        command = forms.book(space.id, data, manager=not principal.is_(Role.MEMBER), skipped=skipped)
        if command.weeks > 1 and data.get("confirmed") != str(command.weeks):
            return await again({}, 200, await new_bookings.plan(principal, command))
        booking = await new_bookings.book(principal, command, space)
    except DomainError as exc:
        plan = None
        if command is not None and command.weeks > 1 and isinstance(exc, (Conflict, ValidationFailed)):
            try:  # a series refused on saving: the dates again, as they stand now
                plan = await new_bookings.plan(principal, command)
            except DomainError:
                plan = None  # the form's own error says what is wrong
        return await again(form_errors(exc, forms.FIELDS), status_for(exc), plan,
                           watchable=isinstance(exc, Conflict) and not data.get("confirmed"))
    message = _("Requested: a manager will confirm it.") if booking.status == "pending" else _("Booked.")
    week = grid.monday_of(clock.local_date(booking.starts_at))
    return flash(request, redirect_to(request, "booking:week", {"week": week}, id=space.id), message)


async def watch_submit(request: Request) -> Response:
    """Be told when a taken time frees (from the refused booking form)."""
    principal = current(request)
    space = await new_bookings.bookable_space(path_int(request))
    if not await new_bookings.may_book(principal, space):
        raise NotFound(_("Not found."))
    data = await form_data(request)
    try:
        await watches.watch(principal, forms.watch(space.id, data))
    except DomainError as exc:
        if isinstance(exc, (NotFound, PermissionDenied)):
            raise
        return flash(request, redirect_to(request, "booking:week", {"week": data.get("day", "")}, id=space.id),
                     exc.message, "error")
    return flash(request, redirect_to(request, "booking:week", {"week": data.get("day", "")}, id=space.id),
                 _("You will be told if this time frees."))


ENDED_DAYS = 30  # how far back the list of ended bookings looks
LIST_SIZE = 50
# The list's views: to come (""), the managers' queue ("pending"), ended lately ("ended"), and the
# utilization figures' bookings in some months: those counted as booked and the no-shows.
VIEWS = ("", BookingStatus.PENDING.value, "ended", "booked", "no_show")


def _listed(request: Request, principal: Principal) -> tuple[QuerySet[Booking], dict[str, str]]:
    """The bookings the list's filters choose, in its order. `months` (a month or a span) bounds
    the start of any view; the booked and no-show views, without it, show this month. Booked
    counts as the utilization figures count (confirmed, of an organization or held by a training
    session); a no-show is an organization's booking released because nobody checked in."""
    now = clock.now()
    bookings = access.scope(Booking, principal)
    view = query_text(request, "status")
    view = view if view in VIEWS else ""
    months = query_text(request, "months")
    span = month_range(months)
    if span is None and view in ("booked", "no_show"):
        this_month = clock.today().replace(day=1)
        months, span = this_month.isoformat()[:7], (this_month, workdays.add_months(this_month, 1))
    elif span is None:
        months = ""
    if view == "ended":
        bookings = bookings.filter(status__in=list(ENDED_STATUSES))
        if span is None:
            bookings = bookings.filter(starts_at__gt=now - timedelta(days=ENDED_DAYS),
                                       starts_at__lt=now + timedelta(days=366))
        bookings = bookings.order_by("-starts_at", "-id")
    elif view == "booked":
        bookings = bookings.filter(utilization.counted_as_booked()).order_by("starts_at", "id")
    elif view == "no_show":
        bookings = bookings.filter(utilization.counted_as_no_show()).order_by("starts_at", "id")
    else:
        statuses = [BookingStatus.PENDING] if view else list(ACTIVE_STATUSES)
        bookings = bookings.filter(status__in=statuses, ends_at__gt=now).order_by("starts_at", "id")
    if span is not None:
        bookings = bookings.filter(starts_at__gte=clock.local_instant(span[0]),
                                   starts_at__lt=clock.local_instant(span[1]))
    park_id = query_int(request, "park", minimum=1)
    if park_id is not None:
        bookings = bookings.filter(space_id__in=Subquery(Space.filter(park_id=park_id).values("id")))
    params = {"status": view, "months": months, "park": "" if park_id is None else str(park_id)}
    return bookings, {k: v for k, v in params.items() if v}


async def bookings_page(request: Request) -> Response:
    """Bookings to come (the managers' queue with ?status=pending), those ended lately and why
    (?status=ended), or the bookings behind the utilization figures (?status=booked|no_show), of a
    park, in some months; a page at a time."""
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL, Role.MANAGER, Role.MEMBER)
    bookings, params = _listed(request, principal)
    page = await paginate(request, bookings.select_related("space", "organization").only(
        "id", "starts_at", "ends_at", "status", "purpose", "attendees", "organization_id", "space_id", "checked_in_at",
        "series_id", "end_reason", "held_by", "space__id", "space__name", "organization__id", "organization__name_zh"
    ), LIST_SIZE)
    rows = page.rows
    feed = None
    if principal.is_(Role.MEMBER) and principal.organization_id is not None:
        feed = _feed_url(request, FeedKind.ORGANIZATION, principal.organization_id,
                         await feeds.token(request.app.state.settings.secret_key, FeedKind.ORGANIZATION,
                                     principal.organization_id))
    return render(request, "booking/list.html", BookingsPage(
        bookings=rows,
        cancellable={b.id for b in rows if decisions.cancel_allowed(principal, b)},
        needs_reason={b.id for b in rows if decisions.cancel_needs_reason(principal, b)},
        spaces=await new_bookings.bookable_spaces(principal),
        decidable={b.id for b in rows if decisions.decide_allowed(principal, b)},
        view=params.get("status", ""),
        checkable={b.id for b in rows if check_in.mark_allowed(principal, b)},
        door_checkable={b.id for b in rows if check_in.check_in_allowed(principal, b)},
        movable={b.id for b in rows if decisions.move_allowed(principal, b)},
        reasons={b.id: decisions.end_reason(b) for b in rows if b.end_reason},
        feed_url=feed, page=page, params=params, export_query=urlencode(params),
        park=await parks.named(principal, query_int(request, "park", minimum=1))))


async def _bookings_export(request: Request, kind: str) -> Response:
    """The list as filtered, every booking (web.export)."""
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL, Role.MANAGER, Role.MEMBER)
    bookings, _params = _listed(request, principal)
    ids: list[int] = await db.flat(bookings.values_list("id", flat=True))
    locale = i18n.current_locale()
    headers = [_("Starts"), _("Ends"), _("Space"), _("Park"), _("Organization"), _("Purpose"), _("Attendees"),
               _("Status"), _("Checked in"), _("Why it ended")]

    async def rows_of(chunk: list[int]) -> dict[int, tuple[object, ...]]:
        found = await Booking.filter(id__in=chunk).select_related("space__park", "organization")
        return {b.id: (b.starts_at, b.ends_at, b.space.name, b.space.park.display_name(locale),
                       b.organization.display_name(locale) if b.organization else _("Blocked time"), b.purpose,
                       b.attendees, _(BOOKING_STATUS_LABELS[b.status]), b.checked_in_at, decisions.end_reason(b))
                for b in found}

    return await export(kind, _("Bookings"), headers, ids, rows_of)


async def _booking_for(request: Request, may: Callable[[Principal, Booking], bool]) -> tuple[Principal, Booking]:
    """The booking of the path, if the principal sees it and may act on it: asked before the form is
    read, so whoever may not gets 404 or 403 whatever they sent."""
    principal = current(request)
    booking = await access.get_or_404(Booking, principal, id=path_int(request))
    if not may(principal, booking):
        raise PermissionDenied(_("You may not do that."))
    return principal, booking


async def _act(request: Request, may: Callable[[Principal, Booking], bool],
               action: Callable[[Principal, int, dict[str, str]], Awaitable[object]], done: str,
               list_query: dict[str, str] | None = None) -> Response:
    """A button on the bookings list: allowed or not is asked before the form is read; a refusal of
    the service (validation, a conflict) comes back to the list as a message. `list_query`: the
    list's view to come back to (the managers' queue of requests)."""
    principal, booking = await _booking_for(request, may)
    data = await form_data(request)
    try:
        await action(principal, booking.id, data)
    except DomainError as exc:
        if isinstance(exc, (NotFound, PermissionDenied)):
            raise
        return flash(request, redirect_to(request, "booking:list", list_query), exc.message, "error")
    return flash(request, redirect_to(request, "booking:list", list_query), done)


async def booking_cancel(request: Request) -> Response:
    return await _act(request, decisions.cancel_allowed,
                      lambda p, booking_id, data: decisions.cancel(p, booking_id, forms.cancel(data)),
                      _("The booking has been cancelled."))


async def move_form(request: Request) -> Response:
    principal, booking = await _booking_for(request, decisions.move_allowed)
    local = booking.starts_at.astimezone(clock.zone())
    values = {"space_id": str(booking.space_id), "day": local.date().isoformat(), "start": f"{local:%H:%M}",
              "end": f"{booking.ends_at.astimezone(clock.zone()):%H:%M}"}
    return render(request, "booking/move.html", await _move_page(principal, booking, values, {}))


async def _move_page(principal: Principal, booking: Booking, values: dict[str, str],
                     errors: dict[str, str]) -> MovePage:
    space = await Space.get(id=booking.space_id).only("id", "name", "park_id")
    targets = await decisions.move_targets(principal, space.park_id)
    return MovePage(booking, space, [(str(s.id), s.name) for s in targets], values, errors)


async def move_submit(request: Request) -> Response:
    principal, booking = await _booking_for(request, decisions.move_allowed)
    data = await form_data(request)
    page = await _move_page(principal, booking, data, {})
    try:
        moved = await decisions.move(principal, booking.id, forms.move(data, [int(i) for i, _n in page.spaces]))
    except DomainError as exc:
        if isinstance(exc, (NotFound, PermissionDenied)):
            raise
        page.errors = form_errors(exc, forms.FIELDS)
        return render(request, "booking/move.html", page, status_code=status_for(exc))
    week = grid.monday_of(clock.local_date(moved.starts_at))
    return flash(request, redirect_to(request, "booking:week", {"week": week}, id=moved.space_id),
                 _("The booking was moved."))


async def booking_approve(request: Request) -> Response:
    return await _act(request, decisions.decide_allowed, lambda p, booking_id, data: decisions.approve(p, booking_id),
                      _("The booking is confirmed."), {"status": BookingStatus.PENDING.value})


async def booking_reject(request: Request) -> Response:
    return await _act(request, decisions.decide_allowed,
                      lambda p, booking_id, data: decisions.reject(p, booking_id, forms.cancel(data)),
                      _("The request has been rejected."), {"status": BookingStatus.PENDING.value})


async def door_page(request: Request) -> Response:
    """The tablet at a room's door: today's bookings and today's check-in code. Its address is a
    secret of the park's managers (the booking rules page shows it); no sign-in."""
    settings = request.app.state.settings
    space, bookings, code, typed_code = await check_in.door_view(settings.secret_key, path_int(request),
                                                    request.path_params["token"])
    url = absolute_url(request, f"/spaces/{space.id}/check-in?code={code}")
    return render(request, "booking/door.html", DoorPage(space, bookings, qr_svg(url), url,
                                                             f"{typed_code[:3]} {typed_code[3:]}"))


def _scanned_page(space: Space, booking: Booking | None, code: str, refusal: DomainError | None,
                  errors: dict[str, str]) -> CheckInPage:
    """The page a door's QR code opens: one button when the check-in would succeed; the code typed
    in when only the code is wrong (an old photo of the door); else why not."""
    if refusal is None:
        return CheckInPage(space, booking, code, {}, "", "scanned")
    if booking is not None and _code_refused(refusal):
        return CheckInPage(space, booking, "", errors, "" if errors else refusal.message, "typed")
    return CheckInPage(space, booking, code, {}, refusal.message, "")


def _code_refused(error: DomainError) -> bool:
    return getattr(error, "reason", "") in (check_in.CheckInRefused.EXPIRED_CODE, check_in.CheckInRefused.WRONG_CODE)


async def check_in_page(request: Request) -> Response:
    principal = access.require_role(current(request), Role.MEMBER)
    space, _park = await _bookable_space(request)
    if not await new_bookings.may_book(principal, space):
        raise NotFound(_("Not found."))
    code = request.query_params.get("code", "")[:64]
    booking, refusal = await check_in.door_check_in_state(principal, space.id, code,
                                                          request.app.state.settings.secret_key)
    return render(request, "booking/check_in.html", _scanned_page(space, booking, code, refusal, {}))


async def check_in_submit(request: Request) -> Response:
    principal = access.require_role(current(request), Role.MEMBER)
    space, _park = await _bookable_space(request)
    if not await new_bookings.may_book(principal, space):
        raise NotFound(_("Not found."))
    data = await form_data(request)
    code = data.get("code", "")[:64]
    try:
        await check_in.check_in(principal, space.id, code, request.app.state.settings.secret_key)
    except DomainError as exc:
        if isinstance(exc, (NotFound, PermissionDenied)):
            raise
        booking = (await check_in.current_booking(principal.organization_id, space.id)
                   if principal.organization_id else None)
        return render(request, "booking/check_in.html",
                      _scanned_page(space, booking, code, exc, form_errors(exc, forms.FIELDS)),
                      status_code=status_for(exc))
    return flash(request, redirect_to(request, "booking:list"), _("Checked in. Enjoy the room."))


async def _member_booking(request: Request) -> tuple[Booking, Space]:
    # Found first: a booking outside the principal's scope is not found, whoever asks.
    booking = await access.get_or_404(Booking, current(request), id=path_int(request))
    access.require_role(current(request), Role.MEMBER)
    return booking, await Space.get(id=booking.space_id).only("id", "name", "park_id")


async def booking_check_in_page(request: Request) -> Response:
    """A member's own booking, from the bookings list: the code at its room's door is scanned or
    typed here (the action shows inside the check-in window; outside it, this page says why not)."""
    booking, space = await _member_booking(request)
    refusal = check_in.check_in_refusal(current(request), booking)
    return render(request, "booking/check_in.html", CheckInPage(
        space, booking, request.query_params.get("code", "")[:64], {},
        refusal.message if refusal else "", "" if refusal else "typed"))


async def booking_check_in_submit(request: Request) -> Response:
    booking, space = await _member_booking(request)
    data = await form_data(request)
    code = data.get("code", "")[:64]
    try:
        await check_in.check_in_booking(current(request), booking.id, code, request.app.state.settings.secret_key)
    except DomainError as exc:
        if isinstance(exc, (NotFound, PermissionDenied)):
            raise
        page = (CheckInPage(space, booking, code, form_errors(exc, forms.FIELDS), "", "typed") if _code_refused(exc)
                else CheckInPage(space, booking, code, {}, exc.message, ""))
        return render(request, "booking/check_in.html", page, status_code=status_for(exc))
    return flash(request, redirect_to(request, "booking:list"), _("Checked in. Enjoy the room."))


async def booking_mark_checked_in(request: Request) -> Response:
    return await _act(request, lambda p, booking: p.is_(Role.ADMIN, Role.MANAGER),
                      lambda p, booking_id, data: check_in.mark_checked_in(p, booking_id),
                      _("Marked as checked in."))


def _day_of(request: Request) -> date:
    try:
        return date.fromisoformat(request.query_params.get("day", ""))
    except ValueError:
        return clock.today()


async def day_page(request: Request) -> Response:
    principal = current(request)
    park = await access.get_or_404(Park, principal, id=path_int(request))
    view = await grid.day_view(principal, park.id, _day_of(request))
    return render(request, "booking/day.html", DayPage(park, view), block="grid")


def _rules_values(rules: BookingRules) -> dict[str, str]:
    return {name: str(getattr(rules, name)) for name in slots.RULE_FIELDS}


def _door_url(request: Request, space_id: int) -> str:
    return f"/door/{space_id}/{check_in.door_token(request.app.state.settings.secret_key, space_id)}"


async def rules_form(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    space = await access.get_or_404(Space, principal, "change", id=path_int(request))
    rules = await slots.rules_for(space.id)
    return render(request, "booking/rules.html", RulesPage(space, _rules_values(rules), {},
                                                           _door_url(request, space.id)))


async def rules_save(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    space = await access.get_or_404(Space, principal, "change", id=path_int(request))
    data = await form_data(request)
    try:
        await slots.set_rules(principal, space.id, forms.set_rules(data))
    except DomainError as exc:
        return render(request, "booking/rules.html", RulesPage(space, data, form_errors(exc, forms.FIELDS),
                                                               _door_url(request, space.id)),
                      status_code=status_for(exc))
    return flash(request, redirect_to(request, "booking:week", id=space.id), _("The booking rules have been saved."))


async def quota_form(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    park = await access.get_or_404(Park, principal, "change", id=path_int(request))
    quota = await quotas.quota_for(park.id)
    values = {"week_hours": f"{quota.week_minutes // 60}", "month_hours": f"{quota.month_minutes // 60}",
              "open_bookings": str(quota.open_bookings),
              "graduate_week_hours": f"{quota.graduate_week_minutes // 60}",
              "graduate_month_hours": f"{quota.graduate_month_minutes // 60}",
              "graduate_open_bookings": str(quota.graduate_open_bookings)}
    return render(request, "booking/quota.html", QuotaPage(park, values, {}))


async def quota_save(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    park = await access.get_or_404(Park, principal, "change", id=path_int(request))
    data = await form_data(request)
    try:
        await quotas.set_quota(principal, park.id, forms.set_quota(data))
    except DomainError as exc:
        return render(request, "booking/quota.html", QuotaPage(park, data, form_errors(exc, forms.FIELDS)),
                      status_code=status_for(exc))
    return flash(request, redirect_to(request, "parks:detail", id=park.id), _("The booking quota has been saved."))


routes = [
    # Kept until a booking changes, and for at most 15 minutes: slots become past as time goes on.
    Route("/spaces/{id:int}/week", cached(week_page, minutes=15), methods=["GET"], name="booking:week"),
    Route("/spaces/{id:int}/book", book_form, methods=["GET"], name="booking:form"),
    Route("/spaces/{id:int}/book", book_submit, methods=["POST"], name="booking:book"),
    Route("/spaces/{id:int}/watch", watch_submit, methods=["POST"], name="booking:watch"),
    # Kept a minute at most: its buttons follow the clock (the service refuses a late action anyway).
    Route("/bookings", cached(bookings_page, minutes=1), methods=["GET"], name="booking:list"),
    *export_routes("/bookings", "booking:export", _bookings_export),
    Route("/bookings/{id:int}/cancel", booking_cancel, methods=["POST"], name="booking:cancel"),
    Route("/bookings/{id:int}/move", move_form, methods=["GET"], name="booking:move"),
    Route("/bookings/{id:int}/move", move_submit, methods=["POST"], name="booking:move_submit"),
    Route("/feeds/{kind:str}/{id:int}/{token:str}.ics", feed_ics, methods=["GET"], name="booking:feed"),
    Route("/spaces/{id:int}/feed/reset", space_feed_reset, methods=["POST"], name="booking:space_feed_reset"),
    Route("/bookings/feed/reset", organization_feed_reset, methods=["POST"], name="booking:organization_feed_reset"),
    Route("/bookings/{id:int}/approve", booking_approve, methods=["POST"], name="booking:approve"),
    Route("/bookings/{id:int}/reject", booking_reject, methods=["POST"], name="booking:reject"),
    Route("/parks/{id:int}/day", cached(day_page, minutes=15), methods=["GET"], name="booking:day"),
    Route("/door/{id:int}/{token:str}", door_page, methods=["GET"], name="booking:door"),
    Route("/spaces/{id:int}/check-in", check_in_page, methods=["GET"], name="booking:check_in"),
    Route("/spaces/{id:int}/check-in", check_in_submit, methods=["POST"], name="booking:check_in_submit"),
    Route("/bookings/{id:int}/check-in", booking_mark_checked_in, methods=["POST"], name="booking:mark_checked_in"),
    Route("/bookings/{id:int}/check-in", booking_check_in_page, methods=["GET"], name="booking:check_in_booking"),
    Route("/bookings/{id:int}/check-in/code", booking_check_in_submit, methods=["POST"],
          name="booking:check_in_booking_submit"),
    Route("/spaces/{id:int}/booking-rules", rules_form, methods=["GET"], name="booking:rules"),
    Route("/spaces/{id:int}/booking-rules", rules_save, methods=["POST"], name="booking:rules_save"),
    Route("/parks/{id:int}/booking-quota", quota_form, methods=["GET"], name="booking:quota"),
    Route("/parks/{id:int}/booking-quota", quota_save, methods=["POST"], name="booking:quota_save"),
]
routes += utilization_routes.routes  # the rooms' utilization figures
