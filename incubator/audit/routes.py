"""Reading the audit trail: the whole log, and one object's timeline."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.queryset import QuerySet

from incubator import access, clock, db
from incubator.access import Principal
from incubator.audit import labels
from incubator.audit.models import AuditEntry
from incubator.audit.service import action_label
from incubator.errors import NotFound
from incubator.i18n import gettext as _
from incubator.roles import Role
from incubator.web import current, export, export_routes, paginate, path_int, query_text, render
from incubator.workdays import month_range

PAGE_SIZE = 50


def _listed(request: Request, principal: Principal) -> tuple[QuerySet[AuditEntry], dict[str, str]]:
    """The entries the log's filters choose (of a kind of object; in a month or a span of months),
    newest first."""
    entries = access.scope(AuditEntry, principal)
    object_type = request.query_params.get("type", "")
    if object_type in labels.kinds():
        entries = entries.filter(object_type=object_type)
    else:
        object_type = ""
    months = query_text(request, "months")
    span = month_range(months)
    if span is not None:
        entries = entries.filter(at__gte=clock.local_instant(span[0]), at__lt=clock.local_instant(span[1]))
    else:
        months = ""
    return entries.order_by("-at", "-id"), {"type": object_type, "months": months}


async def audit_log(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL)
    entries, params = _listed(request, principal)
    page = await paginate(request, entries, PAGE_SIZE)
    context = {
        "entries": page.rows, "page": page, "params": params,
        "export_query": urlencode({k: v for k, v in params.items() if v}),
        "type": params["type"], "types": [(key, labels.object_label(key)) for key in sorted(labels.kinds())],
        "action_label": action_label,
    }
    return render(request, "audit/log.html", context, block="results")


async def _audit_export(request: Request, kind: str) -> Response:
    """The log as filtered, every entry (web.export), its changes one per line."""
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL)
    entries, _params = _listed(request, principal)
    ids: list[int] = await db.flat(entries.values_list("id", flat=True))
    headers = [_("When"), _("Who"), _("IP address"), _("What"), _("Object"), _("Object id"), _("Description"),
               _("Changes")]

    async def rows_of(chunk: list[int]) -> dict[int, tuple[object, ...]]:
        return {e.id: (e.at, e.actor_name, e.address, action_label(e.action), e.object_label, e.object_id,
                       e.object_repr, "\n".join(f"{field}: {before} → {after}"
                                                for field, before, after in e.shown_changes))
                for e in await AuditEntry.filter(id__in=chunk)}

    return await export(kind, _("Audit log"), headers, ids, rows_of)


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
    *export_routes("/audit", "audit:export", _audit_export),
    Route("/audit/{type:str}/{id:int}", object_timeline, methods=["GET"], name="audit:timeline"),
]
