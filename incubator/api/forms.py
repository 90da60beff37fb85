"""The token form: submitted text into a typed command, every wrong field reported at once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from incubator.api.commands import MAX_DAYS, NAME_MAX, NewToken
from incubator.i18n import gettext as _
from incubator.validation import Checker


def new_token(data: Mapping[str, str], today: date) -> NewToken:
    check = Checker(data)
    name = check.text("name", NAME_MAX, required=True)
    expires_on = check.date("expires_on", required=True)
    if expires_on is not None and expires_on < today:
        check.fail("expires_on", _("The expiry cannot be in the past."))
    elif expires_on is not None and expires_on > today + timedelta(days=MAX_DAYS):
        check.fail("expires_on", _("A token may live at most a year."))
    check.done()
    assert expires_on is not None  # done() raised otherwise
    return NewToken(name=name, expires_on=expires_on)
