from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from incubator import access
from incubator.web import current, render
from tests.sample_capability.models import Lantern


async def lanterns(request: Request) -> Response:
    principal = current(request)
    rows = await access.scope(Lantern, principal).order_by("name")
    return render(request, "lanterns/list.html", {"lanterns": rows})


routes = [Route("/lanterns", lanterns, methods=["GET"], name="lanterns:list")]
