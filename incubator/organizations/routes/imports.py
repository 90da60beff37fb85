"""Importing a park's spreadsheet of organizations: the template, the upload, the preview, the confirmation."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from incubator import access, exports
from incubator.errors import DomainError, ValidationFailed
from incubator.i18n import gettext as _
from incubator.organizations import importer
from incubator.organizations.models import FIELD_LABELS, ImportBatch
from incubator.organizations.pages import ImportPage, ImportPreviewPage
from incubator.parks.models import Park
from incubator.roles import Role
from incubator.web import current, download, flash, path_int, redirect_to, render


async def import_template(request: Request) -> Response:
    access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    return download(importer.template_workbook(), "组织导入模板.xlsx", exports.XLSX)


async def import_page(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    parks = await access.scope(Park, principal, "change").order_by("id")
    return render(request, "organizations/import.html", ImportPage(parks))


async def import_upload(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    form = await request.form()
    parks = await access.scope(Park, principal, "change").order_by("id")
    park_id = form.get("park_id")
    try:
        park = next((p for p in parks if str(p.id) == park_id), None)
        if park is None:
            raise ValidationFailed({"park_id": _("Choose one of the options.")})
        batch = await importer.preview(principal, park, form.get("file"), request.app.state.settings)
    except ValidationFailed as exc:
        values = {"park_id": park_id if isinstance(park_id, str) else ""}
        return render(request, "organizations/import.html", ImportPage(parks, exc.errors, values), status_code=400)
    finally:
        await form.close()
    return redirect_to(request, "organizations:import_preview", id=batch.id)


async def import_preview(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    batch = await access.get_or_404(ImportBatch, principal, id=path_int(request, "id"))
    await batch.fetch_related("park")
    return render(request, "organizations/import_preview.html", ImportPreviewPage(
        batch=batch, columns=importer.COLUMNS,
        column_labels={field: _(FIELD_LABELS[field]) for _header, field in importer.COLUMNS},
        field_labels=FIELD_LABELS, valid=sum(1 for r in batch.rows if not r["errors"]),
        may_confirm=importer.may_confirm(principal, batch)))


async def import_confirm(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    batch = await access.get_or_404(ImportBatch, principal, "change", id=path_int(request, "id"))
    try:
        summary = await importer.confirm(principal, batch)
    except DomainError as exc:
        return flash(request, redirect_to(request, "organizations:import_preview", id=batch.id), exc.message, "error")
    return flash(request, redirect_to(request, "organizations:list"),
                 _("Import done: %(created)s created, %(updated)s updated, %(skipped)s rows with errors skipped.",
                   **summary))


routes = [
    Route("/organizations/import", import_page, methods=["GET"], name="organizations:import"),
    Route("/organizations/import", import_upload, methods=["POST"], name="organizations:import_upload"),
    Route("/organizations/import/template.xlsx", import_template, methods=["GET"],
          name="organizations:import_template"),
    Route("/imports/{id:int}", import_preview, methods=["GET"], name="organizations:import_preview"),
    Route("/imports/{id:int}/confirm", import_confirm, methods=["POST"], name="organizations:import_confirm"),
]
