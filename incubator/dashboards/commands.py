"""What a user asks of the dashboard, as typed, immutable commands: closing and reopening a month."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from incubator.i18n import N_

REASON_MAX = 1000


class Reopen(Struct, frozen=True):
    month: Annotated[str, Meta(max_length=7)] = ""  # YYYY-MM
    # Why the month's figures are live again (audited); the form asks for one.
    reason: Annotated[str, Meta(max_length=REASON_MAX, extra={"required": N_("Say why the month is reopened.")})] = ""
