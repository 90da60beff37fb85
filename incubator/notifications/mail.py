"""The optional daily e-mail digest of unread messages, through the outbox.

Nothing is mailed unless INCUBATOR_SMTP_HOST is set. Digests are written to the outbox (one per
user and day: a unique key), committed, and only then sent; a failed send is retried later
with a growing delay, up to MAX_ATTEMPTS."""

from __future__ import annotations

import asyncio
import smtplib
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

from tortoise.exceptions import IntegrityError

from incubator import clock, events, i18n
from incubator.auth.models import User
from incubator.config import Settings
from incubator.notifications.models import Notification, OutboxEmail
from incubator.notifications.service import text

MAX_ATTEMPTS = 5


async def queue_digests(settings: Settings, today: date | None = None) -> int:
    if not settings.smtp_host:
        return 0
    today = today or clock.today()
    since = datetime.now(UTC) - timedelta(days=1)
    unread = await Notification.filter(read_at__isnull=True, created_at__gte=since).order_by("created_at")
    by_user: dict[int, list[Notification]] = {}
    for notification in unread:
        by_user.setdefault(notification.user_id, []).append(notification)
    users = await User.filter(id__in=list(by_user), is_active=True).exclude(email="")
    queued = 0
    for user in users:
        subject, body = _digest(settings, user, by_user[user.id])
        try:
            async with events.transaction():
                now = datetime.now(UTC)
                await OutboxEmail.create(key=f"digest:{user.id}:{today.isoformat()}", to=user.email, subject=subject,
                                         body=body, created_at=now, send_after=now)
            queued += 1
        except IntegrityError:
            pass  # today's digest is already in the outbox
    return queued


def _digest(settings: Settings, user: User, notifications: list[Notification]) -> tuple[str, str]:
    token = i18n.set_locale(user.language)
    try:
        subject = i18n.ngettext("Incubator: %(num)s unread message", "Incubator: %(num)s unread messages",
                                len(notifications))
        lines = [f"- {text(n)}\n  {settings.offline_base_url}{n.link or '/inbox'}" for n in notifications]
        body = "\n".join([i18n.gettext("Hello %(name)s,", name=user.display_name), "", *lines, "",
                          i18n.gettext("All messages: %(url)s", url=f"{settings.offline_base_url}/inbox")])
    finally:
        i18n.reset_locale(token)
    return subject, body


def _send(settings: Settings, email: OutboxEmail) -> None:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = email.to
    message["Subject"] = email.subject
    message.set_content(email.body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)


async def send_pending(settings: Settings) -> dict[str, int]:
    if not settings.smtp_host:
        return {"sent": 0, "failed": 0}
    now = datetime.now(UTC)
    pending = await OutboxEmail.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS, send_after__lte=now)
    sent = failed = 0
    for email in pending:
        try:
            await asyncio.to_thread(_send, settings, email)
        except (OSError, smtplib.SMTPException) as exc:
            failed += 1
            attempts = email.attempts + 1
            await OutboxEmail.filter(id=email.id).update(
                attempts=attempts, last_error=str(exc)[:1000],
                send_after=datetime.now(UTC) + timedelta(minutes=5 * 2 ** attempts))
            continue
        await OutboxEmail.filter(id=email.id).update(sent_at=datetime.now(UTC), attempts=email.attempts + 1)
        sent += 1
    return {"sent": sent, "failed": failed}


def send_directly(settings: Settings, to: str, subject: str, body: str) -> None:
    """Sends one e-mail now, not through the outbox: for a message that must not be stored, as an
    invitation holding its link (a secret kept only as a hash). Blocks (run it in a thread); raises
    OSError or smtplib.SMTPException when the server cannot be reached or refuses it."""
    _send(settings, OutboxEmail(to=to, subject=subject, body=body))
