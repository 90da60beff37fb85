"""The dashboard's forms: closing and reopening a month, as typed commands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from incubator.i18n import gettext as _
from incubator.validation import Checker

REASON_MAX = 1000


@dataclass(frozen=True)
class Reopen:
    month: str
    reason: str  # why the month's figures are live again (audited)


def reopen(data: Mapping[str, str]) -> Reopen:
    check = Checker(data)
    month = check.text("month", 7)
    reason = " ".join(check.text("reason", REASON_MAX).split())
    if not reason and "reason" not in check.errors:
        check.fail("reason", _("Say why the month is reopened."))
    check.done()
    return Reopen(month, reason)
