"""The calendar's form: submitted text into a typed command (`commands.py`), reporting every
wrongly typed field at once, keyed by the form's input names (the command's field names)."""

from __future__ import annotations

from collections.abc import Mapping

from incubator.calendar.commands import SetOverride
from incubator.validation import IN_SERVICE, Checker

FIELDS: dict[str, str] = {}  # the form's inputs are named as the command's fields


def set_override(data: Mapping[str, str]) -> SetOverride:
    check = Checker(data)
    day = check.date("day", required=True, within=IN_SERVICE)
    is_working = check.one_of("is_working", ("1", "0"))
    note = check.text("note", 100)
    check.done()
    assert day is not None
    return SetOverride(day=day, is_working=is_working == "1", note=note)
