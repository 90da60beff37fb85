"""Training pages: the sessions to come (and held), planning a session or a course, a session's page
with sign-up and its waitlist, the check-in sheet, the check-in screen and self check-in, an
organization's roster, and a park's training settings."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from incubator import access, clock, db, i18n
from incubator.access import Principal
from incubator.errors import DomainError, NotFound, PermissionDenied
from incubator.i18n import gettext as _
from incubator.organizations.models import STAGE_LABELS, Organization
from incubator.pagecache import cached
from incubator.parks import service as parks
from incubator.parks.models import Park
from incubator.roles import Role
from incubator.training import attendance, feedback, feeds, forms, hours, planning, rosters, seating
from incubator.training.models import (
    LIVE_STATUSES,
    PERSON_ROLE_LABELS,
    Audience,
    Material,
    Person,
    Seat,
    SeatStatus,
    SessionAudience,
    TrainingSession,
    hours_text,
)
from incubator.training.pages import (
    CheckInPage,
    PersonPage,
    RosterPage,
    ScreenPage,
    SessionFormPage,
    SessionPage,
    SessionsPage,
    SettingsPage,
    SheetPage,
)
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

LIST_SIZE = 100


async def _lists(request: Request, *names: str) -> dict[str, list[str]]:
    form = await request.form()
    return {name: [v for v in form.getlist(name) if isinstance(v, str)] for name in names}


def _listed(request: Request, principal: Principal) -> tuple[QuerySet[TrainingSession], dict[str, str]]:
    """The sessions the list's filters choose, cancelled ones left out: to come (soonest first) or
    held (`when=past`, latest first: the training figures count these); of a park; starting in some
    months (the dashboards link here with them)."""
    now = clock.now()
    visible = access.scope(TrainingSession, principal).filter(cancelled_at__isnull=True)
    past = query_text(request, "when") == "past"
    visible = visible.filter(ends_at__lte=now).order_by("-starts_at", "-id") if past else visible.filter(
        ends_at__gt=now).order_by("starts_at", "id")
    months = query_text(request, "months")
    span = month_range(months)
    if span is not None:
        visible = visible.filter(starts_at__gte=clock.local_instant(span[0]),
                                 starts_at__lt=clock.local_instant(span[1]))
    park_id = query_int(request, "park", minimum=1)
    if park_id is not None:
        visible = visible.filter(park_id=park_id)
    params = {"when": "past" if past else "", "months": months if span is not None else "",
              "park": "" if park_id is None else str(park_id)}
    return visible, {k: v for k, v in params.items() if v}


async def sessions_page(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL, Role.MANAGER, Role.MEMBER)
    visible, params = _listed(request, principal)
    page = await paginate(request, visible.select_related("park", "space", "topic").only(
        "id", "title", "starts_at", "ends_at", "capacity", "seated", "mandatory", "park_id", "space_id", "topic_id",
        "credit_minutes", "park__id", "park__name_zh", "park__name_en", "space__id", "space__name", "topic__id",
        "topic__name_zh", "topic__name_en"), LIST_SIZE)
    sessions = page.rows
    ids = [s.id for s in sessions]
    waiting: dict[int, int] = {}
    mine: dict[int, int] = {}
    if ids:
        waiting = dict(await Seat.filter(session_id__in=ids, status=SeatStatus.WAITLISTED).group_by(
            "session_id").annotate(n=Count("id")).values_list("session_id", "n"))
        if principal.organization_id is not None:
            mine = dict(await Seat.filter(session_id__in=ids, organization_id=principal.organization_id,
                                          status__in=list(LIVE_STATUSES)).group_by("session_id").annotate(
                n=Count("id")).values_list("session_id", "n"))
    secret = await feeds.token(request.app.state.settings.secret_key, principal.id)
    feed = absolute_url(request, f"/training/feed/{principal.id}/{secret}.ics")
    return render(request, "training/list.html", SessionsPage(
        sessions, waiting, mine, await planning.plannable_parks(principal, LIST_SIZE), params.get("when") == "past",
        rosters.keeps_roster(principal), feed, planning.reads_figures(principal), page, params, urlencode(params),
        await parks.named(principal, query_int(request, "park", minimum=1))))


async def _sessions_export(request: Request, kind: str) -> Response:
    """The list as filtered, every session (web.export)."""
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL, Role.MANAGER, Role.MEMBER)
    visible, _params = _listed(request, principal)
    ids: list[int] = await db.flat(visible.values_list("id", flat=True))
    locale = i18n.current_locale()
    headers = [_("Starts"), _("Ends"), _("Session"), _("Topic"), _("Park"), _("Space"), _("Seated"), _("Capacity"),
               _("Hours"), _("Mandatory")]

    async def rows_of(chunk: list[int]) -> dict[int, tuple[object, ...]]:
        found = await TrainingSession.filter(id__in=chunk).select_related("park", "space", "topic")
        return {s.id: (s.starts_at, s.ends_at, s.title, s.topic.display_name(locale), s.park.display_name(locale),
                       s.space.name, s.seated, s.capacity, float(s.credit_hours),
                       _("Yes") if s.mandatory else _("No")) for s in found}

    return await export(kind, _("Training"), headers, ids, rows_of)


async def _choices(park: Park, locale: str) -> dict:
    topics = [(str(t.id), t.display_name(locale)) for t in await planning.topics()]
    rooms = [(str(s.id), s.name) for s in await planning.rooms(park.id)]
    stages = [(stage.value, _(label)) for stage, label in STAGE_LABELS.items()]
    organizations = [(str(i), name) for i, name in await Organization.filter(park_id=park.id).order_by(
        "name_zh").limit(1000).values_list("id", "name_zh")]
    return {"topics": topics, "rooms": rooms, "stages": stages, "organizations": organizations}


async def _plannable_park(request: Request, principal: Principal) -> Park:
    park = await access.get_or_404(Park, principal, "change", id=path_int(request))
    if not principal.manages(park.id):
        raise NotFound(_("Not found."))
    return park


async def plan_form(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    park = await _plannable_park(request, principal)
    choices = await _choices(park, request.state.locale)
    values = {"capacity": "30", "per_organization": "2", "cancel_hours": "24", "credit_hours": "3", "weeks": "1",
              "audience": Audience.RESIDENTS.value, "start": "14:00", "end": "17:00",
              "topic_id": choices["topics"][0][0] if choices["topics"] else "",
              "space_id": choices["rooms"][0][0] if choices["rooms"] else ""}
    return render(request, "training/form.html", SessionFormPage(park, None, values, {}, **choices))


async def plan_submit(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    park = await _plannable_park(request, principal)
    data = await form_data(request)
    lists = await _lists(request, "audience_stages", "audience_organizations")
    try:
        sessions = await planning.plan(principal, forms.plan(park.id, data, lists))
    except DomainError as exc:
        if isinstance(exc, (NotFound, PermissionDenied)):
            raise
        return render(request, "training/form.html", SessionFormPage(
            park, None, {**data, **lists}, form_errors(exc, forms.FIELDS),
            **await _choices(park, request.state.locale)), status_code=status_for(exc))
    message = _("Planned: %(count)s sessions.", count=len(sessions)) if len(sessions) > 1 else _("Planned.")
    return flash(request, redirect_to(request, "training:detail", id=sessions[0].id), message)


def _session_values(session: TrainingSession, chosen: list[int]) -> dict:
    start, end = (moment.astimezone(clock.zone()) for moment in (session.starts_at, session.ends_at))
    return {
        "title": session.title, "topic_id": str(session.topic_id), "description": session.description,
        "trainer": session.trainer, "trainer_organization": session.trainer_organization,
        "trainer_external": "1" if session.trainer_external else "", "capacity": str(session.capacity),
        "per_organization": str(session.per_organization), "cancel_hours": str(session.cancel_hours),
        "audience": session.audience.value, "audience_stages": list(session.audience_stages),
        "audience_organizations": [str(i) for i in chosen], "mandatory": "1" if session.mandatory else "",
        "credit_hours": session.credit_hours, "space_id": str(session.space_id), "day": start.date().isoformat(),
        "start": f"{start:%H:%M}", "end": f"{end:%H:%M}",
    }


async def _changeable(request: Request, principal: Principal) -> tuple[TrainingSession, Park]:
    session = await access.get_or_404(TrainingSession, principal, "change", id=path_int(request))
    return session, await Park.get(id=session.park_id)


async def edit_form(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    session, park = await _changeable(request, principal)
    if not planning.edit_allowed(principal, session):
        raise NotFound(_("Not found."))
    chosen = await db.flat(SessionAudience.filter(session_id=session.id).values_list("organization_id", flat=True))
    return render(request, "training/form.html", SessionFormPage(
        park, session, _session_values(session, chosen), {}, **await _choices(park, request.state.locale)))


async def edit_submit(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    session, park = await _changeable(request, principal)
    data = await form_data(request)
    lists = await _lists(request, "audience_stages", "audience_organizations")
    try:
        changed = await planning.edit(principal, session.id, forms.edit(data, lists))
    except DomainError as exc:
        if isinstance(exc, (NotFound, PermissionDenied)):
            raise
        return render(request, "training/form.html", SessionFormPage(
            park, session, {**data, **lists}, form_errors(exc, forms.FIELDS),
            **await _choices(park, request.state.locale)), status_code=status_for(exc))
    message = _("Saved: %(count)s sessions.", count=len(changed)) if len(changed) > 1 else _("Saved.")
    return flash(request, redirect_to(request, "training:detail", id=session.id), message)


async def cancel_submit(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    session, _park = await _changeable(request, principal)
    try:
        await planning.cancel(principal, session.id, forms.cancel(await form_data(request)))
    except DomainError as exc:
        if isinstance(exc, (NotFound, PermissionDenied)):
            raise
        return flash(request, redirect_to(request, "training:detail", id=session.id), exc.message, "error")
    return flash(request, redirect_to(request, "training:list"),
                 _("The session is cancelled; everyone signed up was told."))


async def session_view(request: Request, principal: Principal, session: TrainingSession,
                       errors: dict[str, str] | None = None, status_code: int = 200,
                       values: dict[str, str] | None = None) -> Response:
    """A session's page (again, with a refused form's errors and text)."""
    session = await TrainingSession.get(id=session.id).select_related("park", "space", "topic")
    seats = list(await access.scope(Seat, principal).filter(
        session_id=session.id, status__in=list(LIVE_STATUSES)).select_related("person", "organization").only(
        "id", "status", "organization_id", "person_id", "signed_up_at", "attendance", "session_id", "person__id",
        "person__name", "organization__id", "organization__name_zh", "organization__name_en", "checked_in_at").order_by(
        "status", "signed_up_at", "id"))
    seats.sort(key=lambda s: (s.status != SeatStatus.SEATED, s.signed_up_at, s.id))
    roster: list[Person] = []
    may_sign_up = False
    if principal.is_(Role.MEMBER) and principal.organization_id is not None and seating.sign_up_open(session):
        organization = await Organization.get(id=principal.organization_id).only("id", "park_id", "stage")
        may_sign_up = await seating.in_audience(session, organization)
        if may_sign_up:
            taken = {s.person_id for s in seats}
            roster = [p for p in await Person.filter(organization_id=principal.organization_id, is_active=True)
                      .order_by("name", "id").limit(500) if p.id not in taken]
    cancellable = {s.id for s in seats if seating.seat_cancel_allowed(principal, s, session)}
    page = SessionPage(
        session, seats, seating.waitlist_places(principal, session, seats), roster, may_sign_up, cancellable,
        planning.edit_allowed(principal, session), planning.cancel_allowed(principal, session),
        seating.offers_fill(principal, session, seats), attendance.mark_allowed(principal, session),
        seating.promotes(session), attendance.attended(seats), await feedback.feedback_seats(principal, session),
        await feedback.satisfaction(session) if feedback.sees_satisfaction(principal, session) else None,
        list(await Material.filter(session_id=session.id).order_by("-uploaded_at", "-id").limit(50)), errors or {},
        values or {}, states={s.id: attendance.seat_state(s) for s in seats})
    return render(request, "training/detail.html", page, status_code=status_code)


async def session_page(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL, Role.MANAGER, Role.MEMBER)
    session = await access.get_or_404(TrainingSession, principal, id=path_int(request))
    return await session_view(request, principal, session)


async def sign_up_submit(request: Request) -> Response:
    principal = access.require_role(current(request), Role.MEMBER)
    session = await access.get_or_404(TrainingSession, principal, id=path_int(request))
    lists = await _lists(request, "person_ids")
    try:
        seats = await seating.sign_up(principal, session.id, forms.sign_up(lists["person_ids"]))
    except DomainError as exc:
        if isinstance(exc, (NotFound, PermissionDenied)):
            raise
        return await session_view(request, principal, session, form_errors(exc), status_for(exc))
    waiting = sum(1 for s in seats if s.status == SeatStatus.WAITLISTED)
    if waiting:
        message = _("Signed up: %(seated)s seated, %(waiting)s on the waitlist (you will be told if a seat frees).",
                    seated=len(seats) - waiting, waiting=waiting)
    else:
        message = _("Signed up: %(seated)s seated.", seated=len(seats))
    return flash(request, redirect_to(request, "training:detail", id=session.id), message)


async def seat_cancel(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER, Role.MEMBER)
    try:
        seat, promoted = await seating.cancel_seat(principal, path_int(request))
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        seat = await access.get_or_404(Seat, principal, id=path_int(request))
        return flash(request, redirect_to(request, "training:detail", id=seat.session_id), exc.message, "error")
    message = _("Cancelled; the seat went to the next on the waitlist.") if promoted else _("Cancelled.")
    return flash(request, redirect_to(request, "training:detail", id=seat.session_id), message)


async def fill_submit(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    session, _park = await _changeable(request, principal)
    try:
        promoted = await seating.fill(principal, session.id)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return flash(request, redirect_to(request, "training:detail", id=session.id), exc.message, "error")
    return flash(request, redirect_to(request, "training:detail", id=session.id),
                 _("%(count)s people on the waitlist have a seat now.", count=len(promoted)))


async def _sheet_seats(session: TrainingSession) -> list[Seat]:
    return list(await Seat.filter(session_id=session.id, status=SeatStatus.SEATED).select_related(
        "person", "organization").order_by("organization__name_zh", "person__name", "id"))


async def sheet_page(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL, Role.MANAGER)
    session = await access.get_or_404(TrainingSession, principal, id=path_int(request))
    session = await TrainingSession.get(id=session.id).select_related("park", "space", "topic")
    return render(request, "training/sheet.html", SheetPage(session, await _sheet_seats(session),
                                                            attendance.mark_allowed(principal, session)))


async def mark_submit(request: Request) -> Response:
    """Marks one attendee (htmx: the sheet's row comes back; else the sheet again)."""
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    seat = await access.get_or_404(Seat, principal, id=path_int(request))
    try:
        await attendance.mark(principal, seat.id, forms.mark(await form_data(request)))
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return flash(request, redirect_to(request, "training:sheet", id=seat.session_id), exc.message, "error")
    if request.headers.get("HX-Request") != "true":
        return redirect_to(request, "training:sheet", id=seat.session_id)
    session = await TrainingSession.get(id=seat.session_id).select_related("park", "space", "topic")
    fresh = await Seat.get(id=seat.id).select_related("person", "organization")
    return render(request, "training/sheet.html", SheetPage(session, [fresh], True), block="rows")


async def screen_page(request: Request) -> Response:
    """The projector's page: the check-in QR code, a new one each minute (htmx asks every 20 seconds)."""
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    session, _park = await _changeable(request, principal)
    settings = request.app.state.settings
    code = attendance.current_code(settings.secret_key, session)
    url = absolute_url(request, f"/training/{session.id}/check-in?code={code}") if code else ""
    return render(request, "training/screen.html", ScreenPage(session, qr_svg(url) if code else None, url),
                  block="code")


async def check_in_page(request: Request) -> Response:
    """Where a scanned code lands: the member ticks who of their organization is here."""
    principal = access.require_role(current(request), Role.MEMBER)
    session = await access.get_or_404(TrainingSession, principal, id=path_int(request))
    settings = request.app.state.settings
    errors: dict[str, str] = {}
    scan = ""
    if not attendance.check_in_window(session):
        errors["__all__"] = _("Check-in opens half an hour before the start and closes at the end.")
    else:
        try:
            scan = attendance.scan_pass(settings.secret_key, session.id, principal.id,
                                        request.query_params.get("code", "")[:20])
        except PermissionDenied as exc:
            errors["__all__"] = exc.message
    seats = await attendance.self_check_in_seats(principal, session)
    return render(request, "training/check_in.html",
                  CheckInPage(session, seats, attendance.attended(seats), scan, errors),
                  status_code=403 if errors else 200)


async def check_in_submit(request: Request) -> Response:
    principal = access.require_role(current(request), Role.MEMBER)
    session = await access.get_or_404(TrainingSession, principal, id=path_int(request))
    data = await form_data(request)
    lists = await _lists(request, "seat_ids")
    try:
        count = await attendance.self_check_in(principal, session.id, request.app.state.settings.secret_key,
                                               forms.self_check_in(data, lists["seat_ids"]))
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        seats = await attendance.self_check_in_seats(principal, session)
        return render(request, "training/check_in.html", CheckInPage(
            session, seats, attendance.attended(seats),
            data.get("pass", "") if not isinstance(exc, PermissionDenied) else "", form_errors(exc)),
            status_code=status_for(exc))
    return flash(request, redirect_to(request, "training:detail", id=session.id),
                 _("Checked in: %(count)s people.", count=count))


def _roles() -> list[tuple[str, str]]:
    return [(role.value, _(label)) for role, label in PERSON_ROLE_LABELS.items()]


async def _roster(principal: Principal) -> list[Person]:
    return list(await access.scope(Person, principal).filter(organization_id=principal.organization_id).order_by(
        "-is_active", "name", "id").limit(500))


async def _hours(principal: Principal) -> dict[int, str]:
    return {person_id: hours_text(minutes)
            for person_id, minutes in (await hours.person_minutes(principal.organization_id or 0)).items()}


async def roster_page(request: Request) -> Response:
    principal = access.require_role(current(request), Role.MEMBER)
    if principal.organization_id is None:
        raise NotFound(_("Not found."))
    return render(request, "training/people.html", RosterPage(
        await _roster(principal), await _hours(principal), {"role": "staff"}, {}, _roles()))


async def person_add(request: Request) -> Response:
    principal = access.require_role(current(request), Role.MEMBER)
    if principal.organization_id is None:
        raise NotFound(_("Not found."))
    data = await form_data(request)
    try:
        await rosters.add_person(principal, forms.person(data))
    except DomainError as exc:
        if isinstance(exc, (NotFound, PermissionDenied)):
            raise
        return render(request, "training/people.html", RosterPage(
            await _roster(principal), await _hours(principal), data, form_errors(exc), _roles()),
            status_code=status_for(exc))
    return flash(request, redirect_to(request, "training:people"), _("Added to the roster."))


async def person_form(request: Request) -> Response:
    principal = access.require_role(current(request), Role.MEMBER)
    person = await access.get_or_404(Person, principal, "change", id=path_int(request))
    values = {"name": person.name, "phone": person.phone, "role": person.role.value}
    return render(request, "training/person.html", PersonPage(person, values, {}, _roles()))


async def person_save(request: Request) -> Response:
    principal = access.require_role(current(request), Role.MEMBER)
    person = await access.get_or_404(Person, principal, "change", id=path_int(request))
    data = await form_data(request)
    try:
        await rosters.update_person(principal, person.id, forms.person(data))
    except DomainError as exc:
        if isinstance(exc, (NotFound, PermissionDenied)):
            raise
        return render(request, "training/person.html", PersonPage(person, data, form_errors(exc), _roles()),
                      status_code=status_for(exc))
    return flash(request, redirect_to(request, "training:people"), _("Saved."))


async def person_active(request: Request) -> Response:
    principal = access.require_role(current(request), Role.MEMBER)
    data = await form_data(request)
    person = await rosters.set_person_active(principal, path_int(request), data.get("active") == "1")
    message = _("%(name)s is back on the roster.", name=person.name) if person.is_active else _(
        "%(name)s is kept with their hours but no longer offered for sign-up.", name=person.name)
    return flash(request, redirect_to(request, "training:people"), message)


async def settings_form(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    park = await access.get_or_404(Park, principal, "change", id=path_int(request))
    current_settings = await hours.settings_for(park.id)
    return render(request, "training/settings.html", SettingsPage(
        park, {"min_hours": str(current_settings.min_hours)}, {}))


async def settings_save(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    park = await access.get_or_404(Park, principal, "change", id=path_int(request))
    data = await form_data(request)
    try:
        await hours.set_settings(principal, park.id, forms.settings(data))
    except DomainError as exc:
        if isinstance(exc, (NotFound, PermissionDenied)):
            raise
        return render(request, "training/settings.html", SettingsPage(park, data, form_errors(exc)),
                      status_code=status_for(exc))
    return flash(request, redirect_to(request, "parks:detail", id=park.id), _("The training settings have been saved."))


routes = [
    # Kept until a session or a seat changes, and for at most a few minutes: what is to come, when
    # sign-up closes and when check-in opens are a matter of time.
    Route("/training", cached(sessions_page, minutes=5), methods=["GET"], name="training:list"),
    *export_routes("/training", "training:export", _sessions_export),
    Route("/parks/{id:int}/training/new", plan_form, methods=["GET"], name="training:new"),
    Route("/parks/{id:int}/training/new", plan_submit, methods=["POST"], name="training:plan"),
    Route("/training/people", roster_page, methods=["GET"], name="training:people"),
    Route("/training/people", person_add, methods=["POST"], name="training:person_add"),
    Route("/training/people/{id:int}", person_form, methods=["GET"], name="training:person"),
    Route("/training/people/{id:int}", person_save, methods=["POST"], name="training:person_save"),
    Route("/training/people/{id:int}/active", person_active, methods=["POST"], name="training:person_active"),
    Route("/training/{id:int}", cached(session_page, minutes=1), methods=["GET"], name="training:detail"),
    Route("/training/{id:int}/edit", edit_form, methods=["GET"], name="training:edit"),
    Route("/training/{id:int}/edit", edit_submit, methods=["POST"], name="training:edit_submit"),
    Route("/training/{id:int}/cancel", cancel_submit, methods=["POST"], name="training:cancel"),
    Route("/training/{id:int}/sign-up", sign_up_submit, methods=["POST"], name="training:sign_up"),
    Route("/training/{id:int}/fill", fill_submit, methods=["POST"], name="training:fill"),
    Route("/training/{id:int}/sheet", sheet_page, methods=["GET"], name="training:sheet"),
    Route("/training/{id:int}/screen", screen_page, methods=["GET"], name="training:screen"),
    Route("/training/{id:int}/check-in", check_in_page, methods=["GET"], name="training:check_in"),
    Route("/training/{id:int}/check-in", check_in_submit, methods=["POST"], name="training:check_in_submit"),
    Route("/training/seats/{id:int}/cancel", seat_cancel, methods=["POST"], name="training:seat_cancel"),
    Route("/training/seats/{id:int}/attendance", mark_submit, methods=["POST"], name="training:mark"),
    Route("/parks/{id:int}/training-settings", settings_form, methods=["GET"], name="training:settings"),
    Route("/parks/{id:int}/training-settings", settings_save, methods=["POST"], name="training:settings_save"),
]
