"""What a user asks of their API tokens, as typed, immutable commands (the forms build them)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from msgspec import Meta, Struct

from incubator.validation import IN_SERVICE, within

NAME_MAX = 60
MAX_DAYS = 366  # a token lives at most a year: an integration renews it


class NewToken(Struct, frozen=True, kw_only=True):
    name: Annotated[str, Meta(min_length=1, max_length=NAME_MAX)]
    expires_on: Annotated[date, within(IN_SERVICE)]  # at most MAX_DAYS ahead: the service's rule
