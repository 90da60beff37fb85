"""Small, shared checks that services use to turn submitted text into clean values.

Each check records a translated message against its field and returns None when the
input is wrong, so a service reports every wrong field at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TypeVar

from incubator.errors import ValidationFailed
from incubator.i18n import gettext as _

E = TypeVar("E", bound=StrEnum)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class Checker:
    def __init__(self, data: Mapping[str, str]) -> None:
        self.data = data
        self.errors: dict[str, str] = {}

    def raw(self, name: str) -> str:
        value = self.data.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def done(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)

    def text(self, name: str, max_length: int, required: bool = False) -> str:
        value = self.raw(name)
        if required and not value:
            self.fail(name, _("This field is required."))
        elif len(value) > max_length:
            self.fail(name, _("At most %(n)s characters.", n=max_length))
        return value

    def integer(
        self, name: str, minimum: int | None = None, maximum: int | None = None, required: bool = False
    ) -> int | None:
        raw = self.raw(name).replace(",", "").replace("，", "")
        if not raw:
            if required:
                self.fail(name, _("This field is required."))
            return None
        try:
            value = int(raw)
        except ValueError:
            self.fail(name, _("Enter a whole number."))
            return None
        if minimum is not None and value < minimum:
            self.fail(name, _("Enter a number of at least %(n)s.", n=minimum))
            return None
        if maximum is not None and value > maximum:
            self.fail(name, _("Enter a number of at most %(n)s.", n=maximum))
            return None
        return value

    def choice(self, name: str, enum: type[E], required: bool = True) -> E | None:
        raw = self.raw(name)
        if not raw and not required:
            return None
        try:
            return enum(raw)
        except ValueError:
            self.fail(name, _("Choose one of the options."))
            return None

    def one_of(self, name: str, options: Iterable[str]) -> str | None:
        raw = self.raw(name)
        if raw not in set(options):
            self.fail(name, _("Choose one of the options."))
            return None
        return raw

    def flag(self, name: str) -> bool:
        return self.raw(name).lower() in {"1", "on", "true", "yes"}

    def email(self, name: str, required: bool = False) -> str:
        value = self.text(name, 254, required=required)
        if value and not _EMAIL.match(value):
            self.fail(name, _("Enter a valid email address."))
        return value

    def time_of_day(self, name: str) -> str | None:
        raw = self.raw(name).replace("：", ":")
        if not raw:
            return None
        if len(raw) == 4 and raw[1] == ":":
            raw = "0" + raw
        if not _TIME.match(raw):
            self.fail(name, _("Enter a time as HH:MM, for example 08:30."))
            return None
        return raw
