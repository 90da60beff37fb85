"""Putting messages in users' inboxes (inside the caller's transaction), and reading them.

What each kind of message says is declared by the capability that sends it (a MessageKind in
its manifest), so the inbox imports none of them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from incubator import access, capability
from incubator.access import Principal
from incubator.i18n import gettext, localised
from incubator.notifications.commands import MarkRead
from incubator.notifications.models import Notification


async def notify(user_id: int, kind: str, link: str = "", details: dict | None = None) -> None:
    await Notification.create(user_id=user_id, kind=kind, link=link[:200], details=details or {},
                              created_at=datetime.now(UTC))


async def notify_many(user_ids: Iterable[int], kind: str, link: str = "", details: dict | None = None) -> int:
    now = datetime.now(UTC)
    rows = [Notification(user_id=u, kind=kind, link=link[:200], details=details or {}, created_at=now)
            for u in sorted(set(user_ids))]
    await Notification.bulk_create(rows)
    return len(rows)


async def bulk_notify(kind: str, messages: list[tuple[int, str, dict]], at: datetime | None = None) -> int:
    """Many messages of one kind: (user id, link, details) each, in one statement (batches of 500),
    inside the caller's transaction. `at` dates them (by default now): the time of what caused them."""
    if not messages:
        return 0
    now = at or datetime.now(UTC)
    await Notification.bulk_create([Notification(user_id=u, kind=kind, link=link[:200], details=details,
                                                 created_at=now) for u, link, details in messages], batch_size=500)
    return len(messages)


def text(notification: Notification) -> str:
    """A message in the reader's language; each capability declares its kinds in its manifest."""
    kind = next((k for k in capability.message_kinds() if k.key == notification.kind), None)
    if kind is None:
        return notification.kind
    if kind.render is not None:
        return kind.render(notification.details)
    return gettext(kind.text, **localised(notification.details))


async def unread_count(principal: Principal) -> int:
    return await access.scope(Notification, principal).filter(read_at__isnull=True).count()


async def mark_read(principal: Principal, command: MarkRead) -> int:
    """Marks the message (or every unread one) of the principal's inbox read; another's message
    is outside the scope and stays as it is."""
    query = access.scope(Notification, principal, "change").filter(read_at__isnull=True)
    if command.notification_id is not None:
        query = query.filter(id=command.notification_id)
    return await query.update(read_at=datetime.now(UTC))
