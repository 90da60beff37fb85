"""Organization pages (the full profile and path arrive with the organizations issue)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.expressions import Q

from incubator import access
from incubator.organizations.models import Organization
from incubator.web import current, paginate, path_int, render


async def organization_list(request: Request) -> Response:
    principal = current(request)
    query = request.query_params.get("q", "").strip()
    organizations = access.scope(Organization, principal).select_related("park")
    if query:
        organizations = organizations.filter(Q(name_zh__icontains=query) | Q(name_en__icontains=query))
    page = await paginate(request, organizations.order_by("park_id", "id"))
    context = {"organizations": page.rows, "page": page, "q": query}
    return render(request, "organizations/list.html", context, block="results")


async def organization_detail(request: Request) -> Response:
    principal = current(request)
    organization = await access.get_or_404(Organization, principal, id=path_int(request, "id"))
    await organization.fetch_related("park")
    return render(request, "organizations/detail.html", {"organization": organization})


routes = [
    Route("/organizations", organization_list, methods=["GET"], name="organizations:list"),
    Route("/organizations/{id:int}", organization_detail, methods=["GET"], name="organizations:detail"),
]
