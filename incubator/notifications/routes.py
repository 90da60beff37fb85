"""The inbox page, and the unread count the navigation refreshes with htmx."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from incubator import access
from incubator.notifications import service
from incubator.notifications.models import Notification
from incubator.validation import Checker
from incubator.web import current, form_data, paginate, redirect, render


async def inbox(request: Request) -> Response:
    principal = current(request)
    page = await paginate(request, access.scope(Notification, principal).order_by("-created_at", "-id"))
    return render(request, "notifications/inbox.html", {"notifications": page.rows, "page": page,
                                                        "text": service.text})


async def unread_badge(request: Request) -> Response:
    principal = current(request)
    response = render(request, "notifications/_badge.html", {"unread": await service.unread_count(principal.id)})
    response.headers["Vary"] = "HX-Request"
    return response


async def mark_read(request: Request) -> Response:
    principal = current(request)
    data = await form_data(request)
    check = Checker(data)
    target = check.integer("id", minimum=1)  # none: all of them
    check.done()  # a wrong id is a 400, not "mark everything read"
    await service.mark_read(principal.id, target)
    link = data.get("next", "")
    return redirect(request, link if link.startswith("/") and not link.startswith("//") else "/inbox")


routes = [
    Route("/inbox", inbox, methods=["GET"], name="notifications:inbox"),
    Route("/inbox/unread", unread_badge, methods=["GET"], name="notifications:unread"),
    Route("/inbox/read", mark_read, methods=["POST"], name="notifications:read"),
]
