"""What a user asks of their inbox, as typed, immutable commands."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct


class MarkRead(Struct, frozen=True, kw_only=True):
    """Mark one message read, or (None) every unread message of the inbox."""

    notification_id: Annotated[int, Meta(ge=1)] | None = None
