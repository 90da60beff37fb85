"""The calendar's form: submitted text into a typed command (`commands.py`), reporting every
wrongly typed field at once, keyed by the form's input names (the command's field names)."""

from __future__ import annotations

from collections.abc import Mapping

from incubator.calendar.commands import SetOverride
from incubator.validation import decode

FIELDS: dict[str, str] = {}  # the form's inputs are named as the command's fields


def set_override(data: Mapping[str, str]) -> SetOverride:
    return decode(SetOverride, data, choices={"is_working": {"1": True, "0": False}})
