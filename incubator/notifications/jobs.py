"""The inbox's scheduled job: the daily digest through the outbox, when mail is configured."""

from __future__ import annotations

from incubator.config import Settings
from incubator.notifications import mail


async def email_digest(settings: Settings) -> dict:
    queued = await mail.queue_digests(settings)
    return {"queued": queued, **await mail.send_pending(settings)}
