"""Training's records: feedback after a session, the figures per park, topic and month (page and
.xlsx), attendance certificates and their public verification, and each user's calendar feed."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from incubator import access, clock, exports, uploads
from incubator.errors import DomainError, NotFound, ValidationFailed
from incubator.i18n import gettext as _
from incubator.parks.models import Park
from incubator.roles import Role
from incubator.training import certificates, feedback, feeds, figures, forms, materials, planning
from incubator.training.models import Material, Seat, Topic, TrainingSession
from incubator.training.pages import CertificatePage, FiguresPage, TopicsPage, VerifyPage
from incubator.training.routes import session_view
from incubator.web import (
    absolute_url,
    current,
    download,
    flash,
    form_data,
    path_int,
    qr_svg,
    query_int,
    redirect_to,
    render,
)


async def feedback_submit(request: Request) -> Response:
    principal = access.require_role(current(request), Role.MEMBER)
    seat = await access.get_or_404(Seat, principal, id=path_int(request))
    try:
        await feedback.give_feedback(principal, seat.id, forms.feedback(await form_data(request)))
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return flash(request, redirect_to(request, "training:detail", id=seat.session_id, fragment="feedback"),
                     exc.message, "error")
    return flash(request, redirect_to(request, "training:detail", id=seat.session_id, fragment="feedback"),
                 _("Thank you for rating."))


async def material_upload(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    session = await access.get_or_404(TrainingSession, principal, "change", id=path_int(request))
    form = await request.form()
    title = form.get("title")
    try:
        await materials.add_material(principal, session.id, title if isinstance(title, str) else "",
                                     form.get("file"), request.app.state.settings)
    except ValidationFailed as exc:
        return await session_view(request, principal, session, exc.errors, 400,
                                  {"title": title if isinstance(title, str) else ""})
    finally:
        await form.close()
    return flash(request, redirect_to(request, "training:detail", id=session.id, fragment="materials"),
                 _("The file has been added."))


async def material_download(request: Request) -> Response:
    """Whoever sees the session downloads its materials."""
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL, Role.MANAGER, Role.MEMBER)
    material = await Material.get_or_none(id=path_int(request))
    if material is None:
        raise NotFound(_("Not found."))
    await access.get_or_404(TrainingSession, principal, id=material.session_id)
    path = uploads.path_of(request.app.state.settings, material.storage_name)
    if not path.exists():
        raise NotFound(_("Not found."))
    return FileResponse(path, media_type=material.content_type, filename=material.filename,
                        content_disposition_type="attachment")


async def topics_page(request: Request) -> Response:
    access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    return render(request, "training/topics.html", TopicsPage(await planning.topics(), {}, {}))


async def topic_add(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    data = await form_data(request)
    try:
        await planning.add_topic(principal, forms.topic(data))
    except ValidationFailed as exc:
        return render(request, "training/topics.html", TopicsPage(await planning.topics(), data, exc.errors),
                      status_code=400)
    return flash(request, redirect_to(request, "training:topics"), _("The topic has been added."))


async def _scope(request: Request) -> tuple[list[Park], Park | None, int]:
    """The parks whose figures the viewer reads (officials and administrators every park, managers
    theirs), the one chosen (?park=) and the year (?year=)."""
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL, Role.MANAGER)
    parks = Park.all().only("id", "name_zh", "name_en").order_by("id")
    if principal.is_(Role.MANAGER):
        parks = parks.filter(id__in=list(principal.park_ids))
    visible = list(await parks)
    chosen_id = query_int(request, "park", minimum=1)
    chosen = next((p for p in visible if p.id == chosen_id), None)
    if chosen_id is not None and chosen is None:
        raise NotFound(_("Not found."))
    year = query_int(request, "year", minimum=2000, maximum=2999) or clock.today().year
    return visible, chosen, year


def headers() -> list[str]:
    return [_("Sessions held"), _("Hours delivered"), _("Signed up"), _("Attended"), _("Absent"), _("Attended hours"),
            _("Attendance (%)"), _("No-shows (%)"), _("Ratings"), _("Average rating"), _("Satisfied (%)")]


async def _report(parks: list[Park], chosen: Park | None, year: int) -> figures.Report:
    ids = [chosen.id] if chosen else [p.id for p in parks]
    return await figures.park_figures(ids, date(year, 1, 1), date(year + 1, 1, 1))


async def figures_page(request: Request) -> Response:
    parks, chosen, year = await _scope(request)
    report = await _report(parks, chosen, year)
    topics = {t.id: t for t in await Topic.all()}
    return render(request, "training/figures.html", FiguresPage(parks, chosen, year, report, topics, headers()))


async def _figures_rows(request: Request) -> tuple[str, list[str], list[tuple[object, ...]]]:
    parks, chosen, year = await _scope(request)
    report = await _report(parks, chosen, year)
    names = {p.id: p.name_zh for p in parks}
    topics = {t.id: t.name_zh for t in await Topic.all()}
    rows = [(names.get(park_id, ""), topics.get(topic_id, ""), month, *values.cells())
            for (park_id, topic_id, month), values in sorted(report.rows.items(),
                                                             key=lambda item: (item[0][0], item[0][2], item[0][1]))]
    rows.append((_("Total"), "", "", *report.total().cells()))
    return _("Training %(year)s", year=year), [_("Park"), _("Topic"), _("Month"), *headers()], rows


async def figures_xlsx(request: Request) -> Response:
    title, columns, rows = await _figures_rows(request)
    return download(exports.workbook(title, columns, rows), title + ".xlsx", exports.XLSX)


async def figures_csv(request: Request) -> Response:
    title, columns, rows = await _figures_rows(request)
    return download(exports.csv_bytes(columns, rows), title + ".csv", exports.CSV)


def _verify_url(request: Request, certificate: certificates.Certificate) -> str:
    return absolute_url(request, f"/certificates/{certificate.serial}/{certificate.code}")


async def seat_certificate(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL, Role.MANAGER, Role.MEMBER)
    certificate = await certificates.for_seat(principal, path_int(request), request.app.state.settings.secret_key)
    url = _verify_url(request, certificate)
    return render(request, "training/certificate.html", CertificatePage(certificate, qr_svg(url, scale=4), url))


async def course_certificate(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL, Role.MANAGER, Role.MEMBER)
    certificate = await certificates.for_course(principal, path_int(request), path_int(request, "person_id"),
                                                request.app.state.settings.secret_key)
    url = _verify_url(request, certificate)
    return render(request, "training/certificate.html", CertificatePage(certificate, qr_svg(url, scale=4), url))


async def verify_page(request: Request) -> Response:
    """Public: whoever holds a certificate's address (its QR code) reads what it certifies."""
    serial, code = request.path_params["serial"][:40], request.path_params["code"][:40]
    certificate = await certificates.verify(serial, code, request.app.state.settings.secret_key)
    return render(request, "training/verify.html", VerifyPage(certificate, serial),
                  status_code=200 if certificate else 404)


async def feed_ics(request: Request) -> Response:
    """A calendar app's subscription: no sign-in, the secret address is the key."""
    body = await feeds.calendar(request.app.state.settings.secret_key, path_int(request),
                                request.path_params["token"][:80])
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "private, max-age=300"})


async def feed_reset(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL, Role.MANAGER, Role.MEMBER)
    await feeds.reset(principal)
    return flash(request, redirect_to(request, "training:list"),
                 _("The calendar has a new address: the old one no longer works."))


routes = [
    Route("/training/seats/{id:int}/feedback", feedback_submit, methods=["POST"], name="training:feedback"),
    Route("/training/{id:int}/materials", material_upload, methods=["POST"], name="training:material_upload"),
    Route("/training/materials/{id:int}", material_download, methods=["GET"], name="training:material"),
    Route("/training/topics", topics_page, methods=["GET"], name="training:topics"),
    Route("/training/topics", topic_add, methods=["POST"], name="training:topic_add"),
    Route("/training/figures", figures_page, methods=["GET"], name="training:figures"),
    Route("/training/figures.xlsx", figures_xlsx, methods=["GET"], name="training:figures_xlsx"),
    Route("/training/figures.csv", figures_csv, methods=["GET"], name="training:figures_csv"),
    Route("/training/seats/{id:int}/certificate", seat_certificate, methods=["GET"], name="training:certificate"),
    Route("/training/courses/{id:int}/people/{person_id:int}/certificate", course_certificate, methods=["GET"],
          name="training:course_certificate"),
    Route("/certificates/{serial:str}/{code:str}", verify_page, methods=["GET"], name="training:verify"),
    Route("/training/feed/{id:int}/{token:str}.ics", feed_ics, methods=["GET"], name="training:feed"),
    Route("/training/feed/reset", feed_reset, methods=["POST"], name="training:feed_reset"),
]
