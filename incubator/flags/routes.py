"""The flags a manager acts on, across the parks the user may see."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from incubator import access, capability
from incubator.flags.models import Flag
from incubator.flags.service import LIST_COLUMNS, label, parks_of
from incubator.i18n import gettext as _
from incubator.pagecache import cached
from incubator.parks.models import Park
from incubator.roles import Role
from incubator.web import current, paginate, query_int, render


async def flag_list(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL, Role.MANAGER)
    params = request.query_params
    flags = access.scope(Flag, principal).only(*LIST_COLUMNS)
    kind = params.get("kind", "")
    kinds = capability.flag_kinds()
    if kind in kinds:
        flags = flags.filter(kind=kind)
    park_id = query_int(request, "park", minimum=1)
    park = "" if park_id is None else str(park_id)
    if park_id is not None:
        flags = flags.filter(park_id=park_id)
    resolved = params.get("resolved") == "1"
    flags = flags.filter(resolved_at__isnull=not resolved)
    page = await paginate(request, flags.order_by("due_on", "id"))
    context = {
        "flags": page.rows, "flag_parks": await parks_of(page.rows), "page": page, "label": label,
        "kind": kind, "park": park, "resolved": resolved,
        "kinds": [(key, _(known.name)) for key, known in kinds.items()],
        "parks": await access.scope(Park, principal).only("id", "name_zh", "name_en").order_by("id"),
        "page_params": {"kind": kind, "park": park, "resolved": "1" if resolved else ""},
    }
    return render(request, "flags/list.html", context, block="results")


routes = [Route("/flags", cached(flag_list), methods=["GET"], name="flags:list")]
