"""The flags a manager acts on, across the parks the user may see."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from incubator import access
from incubator.auth.models import Role
from incubator.flags.models import Flag
from incubator.flags.service import LABELS, label
from incubator.i18n import N_
from incubator.i18n import gettext as _
from incubator.parks.models import Park
from incubator.web import current, paginate, render

KIND_NAMES = {
    "review_due": N_("Review due soon"),
    "review_overdue": N_("Review overdue"),
    "term_ending": N_("Term ending"),
    "unregistered": N_("Unregistered too long"),
    "follow_up_due": N_("Follow-up due"),
    "tranche_ready": N_("Tranche ready to pay"),
    "tranche_held": N_("Tranche held"),
}


async def flag_list(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL, Role.MANAGER)
    params = request.query_params
    flags = access.scope(Flag, principal).select_related("park", "organization")
    kind = params.get("kind", "")
    if kind in LABELS:
        flags = flags.filter(kind=kind)
    park = params.get("park", "")
    if park.isdigit():
        flags = flags.filter(park_id=int(park))
    resolved = params.get("resolved") == "1"
    flags = flags.filter(resolved_at__isnull=not resolved)
    page = await paginate(request, flags.order_by("due_on", "id"))
    context = {
        "flags": page.rows, "page": page, "label": label, "kind": kind, "park": park, "resolved": resolved,
        "kinds": [(k, _(v)) for k, v in KIND_NAMES.items()],
        "parks": await access.scope(Park, principal).order_by("id"),
        "page_params": {"kind": kind, "park": park, "resolved": "1" if resolved else ""},
    }
    return render(request, "flags/list.html", context, block="results")


routes = [Route("/flags", flag_list, methods=["GET"], name="flags:list")]
