"""What an administrator asks of the working-day calendar, as typed, immutable commands."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from msgspec import Meta, Struct

from incubator.validation import IN_SERVICE, within


class SetOverride(Struct, frozen=True, kw_only=True):
    """Correct one day: a working day (an official make-up day) or a day off (a holiday)."""

    day: Annotated[date, within(IN_SERVICE)]
    is_working: bool
    note: Annotated[str, Meta(max_length=100)] = ""
