"""The public directory's pages (no sign-in, one kept copy for every visitor) and the organization's
pages for what it publishes."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from incubator import access, i18n, uploads
from incubator.directory import forms, service
from incubator.directory.models import BrandProject
from incubator.directory.pages import DirectoryListPage, EntryPage, ListingPage, ProjectPage
from incubator.errors import NotFound, ValidationFailed
from incubator.i18n import gettext as _
from incubator.pagecache import cached
from incubator.web import (
    current,
    flash,
    form_data,
    form_errors,
    path_int,
    query_int,
    query_text,
    redirect_to,
    render,
)

PUBLIC_CACHE = "public, max-age=300"  # a proxy in front may keep public pages five minutes


def public_page(endpoint: Callable[[Request, str], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """A public page: its language from ?lang=en or ?lang=zh_CN (the links carry it, passed to the
    endpoint as `lang`; "" for the visitor's own: public pages have no language form, which would
    need the visitor's CSRF token), and a Cache-Control that lets a proxy keep it."""
    @functools.wraps(endpoint)
    async def serve(request: Request) -> Response:
        wanted = query_text(request, "lang")
        token = i18n.set_locale(wanted) if wanted in i18n.LOCALES else None
        request.state.locale = i18n.current_locale()
        try:
            response = await endpoint(request, "" if token is None else request.state.locale)
        finally:
            if token is not None:
                i18n.reset_locale(token)
        response.headers["Cache-Control"] = PUBLIC_CACHE
        return response

    return serve


@public_page
async def directory_page(request: Request, lang: str) -> Response:
    locale = i18n.current_locale()
    q = query_text(request, "q")[:50]
    domain_id, park_id = query_int(request, "domain", minimum=1), query_int(request, "park", minimum=1)
    page = await service.directory(q, domain_id, park_id, query_int(request, "page", minimum=1) or 1, locale)
    params = {k: v for k, v in {"q": q, "domain": "" if domain_id is None else str(domain_id),
                                "park": "" if park_id is None else str(park_id), "lang": lang}.items() if v}
    return render(request, "directory/list.html", DirectoryListPage(
        page, q, domain_id, park_id, await service.public_domains(locale), await service.public_parks(locale),
        params, lang), block="results")


@public_page
async def entry_page(request: Request, lang: str) -> Response:
    return render(request, "directory/entry.html", EntryPage(await service.entry(path_int(request),
                                                                                 i18n.current_locale()), lang))


async def logo(request: Request) -> Response:
    request.state.public = True  # no cookie with it: proxies may keep it
    listing = await service.public_logo(path_int(request))
    etag = f'"{listing.logo_sha256}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    path = uploads.path_of(request.app.state.settings, listing.logo_name)
    if not path.exists():
        raise NotFound(_("Not found."))
    return Response(path.read_bytes(), media_type=listing.logo_type,
                    headers={"ETag": etag, "Cache-Control": PUBLIC_CACHE, "X-Content-Type-Options": "nosniff"})


# ---- the organization's side ---------------------------------------------------------------

async def _listing_page(request: Request, organization_id: int, *, errors: dict | None = None,
                        values: dict | None = None, project_errors: dict | None = None,
                        project_values: dict | None = None, status_code: int = 200) -> Response:
    principal = current(request)
    organization, listing, may_publish, keeps_projects = await service.listing_for(principal, organization_id)
    locale = i18n.current_locale()
    return render(request, "directory/listing.html", ListingPage(
        organization, listing, may_publish, keeps_projects,
        await service.projects_of(principal, organization.id), await service.public_domains(locale),
        values or {"listed": "1" if listing.listed else "", "contact": listing.contact}, errors or {},
        project_values or {}, project_errors or {}, service.is_public(organization, listing)),
        status_code=status_code)


async def listing_form(request: Request) -> Response:
    return await _listing_page(request, path_int(request))


async def listing_save(request: Request) -> Response:
    organization_id = path_int(request)
    await service.check_publisher(current(request), organization_id)
    data = await form_data(request)
    try:
        listing = await service.save_listing(current(request), organization_id, forms.listing(data))
    except ValidationFailed as exc:
        return await _listing_page(request, organization_id, errors=form_errors(exc), values=data,
                                   status_code=400)
    message = (_("Your organization is listed in the public directory.") if listing.listed
               else _("Your organization is not listed in the public directory."))
    return flash(request, redirect_to(request, "directory:listing", id=organization_id), message)


async def logo_upload(request: Request) -> Response:
    organization_id = path_int(request)
    await service.check_publisher(current(request), organization_id)
    form = await request.form()
    try:
        await service.set_logo(current(request), organization_id, form.get("logo"), request.app.state.settings)
    except ValidationFailed as exc:
        return await _listing_page(request, organization_id, errors=form_errors(exc), status_code=400)
    finally:
        await form.close()
    return flash(request, redirect_to(request, "directory:listing", id=organization_id), _("The logo is saved."))


async def project_add(request: Request) -> Response:
    organization_id = path_int(request)
    await service.check_project_keeper(current(request), organization_id)
    data = await form_data(request)
    try:
        await service.add_project(current(request), organization_id, forms.project(data))
    except ValidationFailed as exc:
        return await _listing_page(request, organization_id, project_errors=form_errors(exc), project_values=data,
                                   status_code=400)
    return flash(request, redirect_to(request, "directory:listing", id=organization_id),
                 _("The brand project is added."))


async def _project(request: Request) -> BrandProject:
    return await access.get_or_404(BrandProject, current(request), "change", id=path_int(request))


async def project_form(request: Request) -> Response:
    project = await _project(request)
    values = {"name": project.name, "domain_id": str(project.domain_id or ""), "started_on": str(project.started_on),
              "ended_on": str(project.ended_on or ""), "people_reached": str(project.people_reached),
              "summary": project.summary}
    return render(request, "directory/project.html", ProjectPage(
        project, await service.public_domains(i18n.current_locale()), values, {}))


async def project_save(request: Request) -> Response:
    project = await _project(request)
    data = await form_data(request)
    try:
        await service.update_project(current(request), project.id, forms.project(data))
    except ValidationFailed as exc:
        return render(request, "directory/project.html", ProjectPage(
            project, await service.public_domains(i18n.current_locale()), data, form_errors(exc)), status_code=400)
    return flash(request, redirect_to(request, "directory:listing", id=project.organization_id),
                 _("The brand project is saved."))


async def project_delete(request: Request) -> Response:
    organization_id = await service.delete_project(current(request), path_int(request))
    return flash(request, redirect_to(request, "directory:listing", id=organization_id),
                 _("The brand project is removed."))


routes = [
    Route("/directory", cached(directory_page, public=True), methods=["GET"], name="directory:list"),
    Route("/directory/{id:int}", cached(entry_page, public=True), methods=["GET"], name="directory:entry"),
    Route("/directory/{id:int}/logo", logo, methods=["GET"], name="directory:logo"),
    Route("/organizations/{id:int}/listing", listing_form, methods=["GET"], name="directory:listing"),
    Route("/organizations/{id:int}/listing", listing_save, methods=["POST"], name="directory:listing_save"),
    Route("/organizations/{id:int}/listing/logo", logo_upload, methods=["POST"], name="directory:logo_upload"),
    Route("/organizations/{id:int}/brand-projects", project_add, methods=["POST"], name="directory:project_add"),
    Route("/brand-projects/{id:int}", project_form, methods=["GET"], name="directory:project"),
    Route("/brand-projects/{id:int}", project_save, methods=["POST"], name="directory:project_save"),
    Route("/brand-projects/{id:int}/delete", project_delete, methods=["POST"], name="directory:project_delete"),
]
