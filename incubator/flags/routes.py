"""The flags a manager acts on, across the parks the user may see."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.queryset import QuerySet

from incubator import access, capability, db, i18n
from incubator.access import Principal
from incubator.flags.models import Flag
from incubator.flags.service import LIST_COLUMNS, label, parks_of
from incubator.i18n import gettext as _
from incubator.pagecache import cached
from incubator.parks.models import Park
from incubator.roles import Role
from incubator.web import current, export, export_routes, paginate, query_int, render


def _listed(request: Request, principal: Principal) -> tuple[QuerySet[Flag], dict[str, str]]:
    """The flags the list's filters choose (open by default; of a kind; of a park), in its order."""
    flags = access.scope(Flag, principal)
    kind = request.query_params.get("kind", "")
    if kind in capability.flag_kinds():
        flags = flags.filter(kind=kind)
    else:
        kind = ""
    park_id = query_int(request, "park", minimum=1)
    if park_id is not None:
        flags = flags.filter(park_id=park_id)
    resolved = request.query_params.get("resolved") == "1"
    flags = flags.filter(resolved_at__isnull=not resolved)
    params = {"kind": kind, "park": "" if park_id is None else str(park_id), "resolved": "1" if resolved else ""}
    return flags.order_by("due_on", "id"), params


async def flag_list(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL, Role.MANAGER)
    flags, params = _listed(request, principal)
    page = await paginate(request, flags.only(*LIST_COLUMNS))
    context = {
        "flags": page.rows, "flag_parks": await parks_of(page.rows), "page": page, "label": label,
        "kind": params["kind"], "park": params["park"], "resolved": bool(params["resolved"]),
        "kinds": [(key, _(known.name)) for key, known in capability.flag_kinds().items()],
        "parks": await access.scope(Park, principal).only("id", "name_zh", "name_en").order_by("id"),
        "page_params": params, "export_query": urlencode({k: v for k, v in params.items() if v}),
    }
    return render(request, "flags/list.html", context, block="results")


async def _flag_export(request: Request, kind: str) -> Response:
    """The list as filtered, every flag (web.export)."""
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL, Role.MANAGER)
    flags, _params = _listed(request, principal)
    ids: list[int] = await db.flat(flags.values_list("id", flat=True))
    locale = i18n.current_locale()
    parks = {p.id: p.display_name(locale) for p in await access.scope(Park, principal).only("id", "name_zh", "name_en")}
    headers = [_("Flag"), _("Park"), _("Organization"), _("Due date"), _("Raised"), _("Resolved")]

    async def rows_of(chunk: list[int]) -> dict[int, tuple[object, ...]]:
        found = await Flag.filter(id__in=chunk).select_related("organization").only(
            *LIST_COLUMNS, "raised_at", "resolved_at", "organization__id", "organization__name_zh",
            "organization__name_en")
        return {flag.id: (label(flag), parks.get(flag.park_id, ""),
                          flag.organization.display_name(locale) if flag.organization else "",
                          flag.due_on, flag.raised_at, flag.resolved_at) for flag in found}

    return await export(kind, _("Flags"), headers, ids, rows_of)


routes = [
    Route("/flags", cached(flag_list), methods=["GET"], name="flags:list"),
    *export_routes("/flags", "flags:export", _flag_export),
]
