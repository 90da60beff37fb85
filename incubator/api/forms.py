"""The token form: submitted text into a typed command, every wrong field reported at once (the
expiry's bounds are the service's rule: tokens.create)."""

from __future__ import annotations

from collections.abc import Mapping

from incubator.api.commands import NewToken
from incubator.validation import decode


def new_token(data: Mapping[str, str]) -> NewToken:
    return decode(NewToken, data)
