"""Putting messages in users' inboxes (inside the caller's transaction), and reading them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from incubator.i18n import N_, gettext, localised
from incubator.notifications.models import Notification

MESSAGES = {
    "review_assigned": N_("You are an evaluator on %(review)s: declare any conflict of interest, then score."),
    "flag": N_("New flag: %(flag)s"),
}


async def notify(user_id: int, kind: str, link: str = "", details: dict | None = None) -> None:
    await Notification.create(user_id=user_id, kind=kind, link=link[:200], details=details or {},
                              created_at=datetime.now(UTC))


async def notify_many(user_ids: Iterable[int], kind: str, link: str = "", details: dict | None = None) -> int:
    now = datetime.now(UTC)
    rows = [Notification(user_id=u, kind=kind, link=link[:200], details=details or {}, created_at=now)
            for u in sorted(set(user_ids))]
    await Notification.bulk_create(rows)
    return len(rows)


async def bulk_notify(kind: str, messages: list[tuple[int, str, dict]]) -> int:
    """Many messages of one kind: (user id, link, details) each, in one statement."""
    now = datetime.now(UTC)
    await Notification.bulk_create([Notification(user_id=u, kind=kind, link=link[:200], details=details,
                                                 created_at=now) for u, link, details in messages], batch_size=500)
    return len(messages)


def text(notification: Notification) -> str:
    template = MESSAGES.get(notification.kind)
    if template is None:
        return notification.kind
    if notification.kind == "flag":
        from incubator.flags.service import describe

        details = notification.details
        return gettext(template, flag=describe(details.get("flag_kind", ""), details))
    return gettext(template, **localised(notification.details))


async def unread_count(user_id: int) -> int:
    return await Notification.filter(user_id=user_id, read_at__isnull=True).count()


async def mark_read(user_id: int, notification_id: int | None = None) -> int:
    query = Notification.filter(user_id=user_id, read_at__isnull=True)
    if notification_id is not None:
        query = query.filter(id=notification_id)
    return await query.update(read_at=datetime.now(UTC))
