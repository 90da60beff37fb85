"""The token form: submitted text into a typed command, every wrong field reported at once (the
expiry's bounds are the service's rule: tokens.create)."""

from __future__ import annotations

from collections.abc import Mapping

from incubator.api.commands import NAME_MAX, NewToken
from incubator.validation import IN_SERVICE, Checker


def new_token(data: Mapping[str, str]) -> NewToken:
    check = Checker(data)
    name = check.text("name", NAME_MAX, required=True)
    expires_on = check.date("expires_on", required=True, within=IN_SERVICE)
    check.done()
    assert expires_on is not None  # done() raised otherwise
    return NewToken(name=name, expires_on=expires_on)
