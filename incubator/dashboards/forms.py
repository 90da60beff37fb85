"""The dashboard's forms: closing and reopening a month, as typed commands."""

from __future__ import annotations

from collections.abc import Mapping

from incubator.dashboards.commands import Reopen
from incubator.validation import decode


def reopen(data: Mapping[str, str]) -> Reopen:
    """The reason is one line in the audit, however it was typed."""
    return decode(Reopen, data, required={"reason"},
                  parsers={"reason": lambda check, name: " ".join(check.raw(name).split()) or None})
