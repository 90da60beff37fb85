"""The organization's documents (upload, download) and its follow-up check-ins after graduation."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from incubator import access, uploads
from incubator.errors import NotFound, PermissionDenied, ValidationFailed
from incubator.i18n import gettext as _
from incubator.organizations import forms, service
from incubator.organizations.models import Document, FollowUp, Organization
from incubator.organizations.routes.path import detail_page
from incubator.web import current, flash, form_data, path_int, redirect_to


async def document_upload(request: Request) -> Response:
    principal = current(request)
    organization = await access.get_or_404(Organization, principal, "change", id=path_int(request, "id"))
    if "upload_document" not in service.organization_actions(principal, organization):
        raise PermissionDenied(_("Your role may not do this."))
    form = await request.form()
    title = form.get("title")
    try:
        await service.add_document(principal, organization, title if isinstance(title, str) else "",
                                   form.get("file"), request.app.state.settings)
    except ValidationFailed as exc:
        return await detail_page(request, principal, organization, exc.errors, {"title": title or ""}, 400,
                                 form="document")
    finally:
        await form.close()
    return flash(request, redirect_to(request, "organizations:detail", id=organization.id, fragment="documents"),
                 _("The document has been uploaded."))


async def document_download(request: Request) -> Response:
    principal = current(request)
    document = await access.get_or_404(Document, principal, id=path_int(request, "id"))
    path = uploads.path_of(request.app.state.settings, document.storage_name)
    if not path.exists():
        raise NotFound(_("Not found."))
    return FileResponse(path, media_type=document.content_type, filename=document.filename,
                        content_disposition_type="attachment")


async def follow_up_record(request: Request) -> Response:
    principal = current(request)
    follow_up = await access.get_or_404(FollowUp, principal, "change", id=path_int(request, "id"))
    data = await form_data(request)
    try:
        await service.record_follow_up(principal, follow_up, forms.record_follow_up(data))
    except ValidationFailed as exc:
        organization = await access.get_or_404(Organization, principal, id=follow_up.organization_id)
        return await detail_page(request, principal, organization, exc.errors, data, 400,
                                 form=f"follow_up_{follow_up.id}")
    return flash(request, redirect_to(request, "organizations:detail", id=follow_up.organization_id,
                                      fragment="follow-ups"),
                 _("The check-in has been recorded."))


routes = [
    Route("/organizations/{id:int}/documents", document_upload, methods=["POST"],
          name="organizations:document_upload"),
    Route("/documents/{id:int}", document_download, methods=["GET"], name="organizations:document"),
    Route("/follow-ups/{id:int}", follow_up_record, methods=["POST"], name="organizations:follow_up"),
]
