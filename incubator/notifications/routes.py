"""The inbox page, and the unread count the navigation refreshes with htmx."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from incubator import access, db
from incubator.i18n import gettext as _
from incubator.notifications import forms, service
from incubator.notifications.models import Notification
from incubator.notifications.pages import InboxPage, UnreadBadge
from incubator.pagecache import cached
from incubator.web import absolute_url, current, export, export_routes, form_data, paginate, redirect, render


async def inbox(request: Request) -> Response:
    principal = current(request)
    page = await paginate(request, access.scope(Notification, principal).order_by("-created_at", "-id"))
    return render(request, "notifications/inbox.html",
                  InboxPage(notifications=page.rows, page=page, texts={n.id: service.text(n) for n in page.rows}))


async def _inbox_export(request: Request, kind: str) -> Response:
    """Every message of the inbox (web.export), newest first, each with its page's address."""
    principal = current(request)
    ids: list[int] = await db.flat(access.scope(Notification, principal).order_by("-created_at", "-id").values_list(
        "id", flat=True))

    async def rows_of(chunk: list[int]) -> dict[int, tuple[object, ...]]:
        return {n.id: (n.created_at, service.text(n), n.read_at,
                       absolute_url(request, n.link) if n.link.startswith("/") else n.link)
                for n in await Notification.filter(id__in=chunk)}

    return await export(kind, _("Inbox"), [_("Received"), _("Message"), _("Read"), _("Link")], ids, rows_of)


async def unread_badge(request: Request) -> Response:
    response = render(request, "notifications/_badge.html", UnreadBadge(await service.unread_count(current(request))))
    response.headers["Vary"] = "HX-Request"
    return response


async def mark_read(request: Request) -> Response:
    principal = current(request)
    data = await form_data(request)
    await service.mark_read(principal, forms.mark_read(data))  # a wrong id: 400
    return redirect(request, forms.return_to(data))


routes = [
    Route("/inbox", cached(inbox), methods=["GET"], name="notifications:inbox"),
    *export_routes("/inbox", "notifications:export", _inbox_export),
    Route("/inbox/unread", unread_badge, methods=["GET"], name="notifications:unread"),
    Route("/inbox/read", mark_read, methods=["POST"], name="notifications:read"),
]
