"""Reading the audit trail: the whole log, and one object's timeline."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from incubator import access
from incubator.audit import labels
from incubator.audit.models import AuditEntry
from incubator.audit.service import action_label
from incubator.errors import NotFound
from incubator.i18n import gettext as _
from incubator.roles import Role
from incubator.web import current, paginate, path_int, render

PAGE_SIZE = 50


async def audit_log(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL)
    object_type = request.query_params.get("type", "")
    entries = access.scope(AuditEntry, principal)
    if object_type in labels.kinds():
        entries = entries.filter(object_type=object_type)
    page = await paginate(request, entries.order_by("-at", "-id"), PAGE_SIZE)
    context = {
        "entries": page.rows, "page": page,
        "type": object_type, "types": [(key, labels.object_label(key)) for key in sorted(labels.kinds())],
        "action_label": action_label,
    }
    return render(request, "audit/log.html", context, block="results")


async def object_timeline(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL)
    object_type = request.path_params["type"]
    if object_type not in labels.kinds():
        raise NotFound(_("Not found."))
    object_id = str(path_int(request, "id"))
    entries = await access.scope(AuditEntry, principal).filter(
        object_type=object_type, object_id=object_id
    ).order_by("-at", "-id").limit(200)
    context = {"entries": entries, "object_type": labels.object_label(object_type), "object_id": object_id,
               "action_label": action_label}
    return render(request, "audit/timeline.html", context, block="timeline")


routes = [
    Route("/audit", audit_log, methods=["GET"], name="audit:log"),
    Route("/audit/{type:str}/{id:int}", object_timeline, methods=["GET"], name="audit:timeline"),
]
