"""The inbox's form: submitted text into a typed command (`commands.py`)."""

from __future__ import annotations

from collections.abc import Mapping

from incubator.notifications.commands import MarkRead
from incubator.validation import decode

FIELDS = {"notification_id": "id"}  # command field → form input


def mark_read(data: Mapping[str, str]) -> MarkRead:
    """A wrong id is refused (ValidationFailed), never read as "mark everything read"."""
    return decode(MarkRead, data, names=FIELDS)


def return_to(data: Mapping[str, str]) -> str:
    """Where to go after marking a message read: the message's own page (a local path), or the inbox."""
    link = data.get("next", "")
    return link if link.startswith("/") and not link.startswith("//") else "/inbox"
