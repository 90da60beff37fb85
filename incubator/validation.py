"""Submitted text into clean values: the shared checks, and the decoder that turns a form into
its command.

Each check records a translated message against its field and returns None when the
input is wrong, so a form reports every wrong field at once.

A form's limits are its command's (`<capability>/commands.py`): `decode` and `Checker.read` read each
field of the command by its type, in the locale's ways (1.2万, 2026/03/01, 8：30, 1,200, a ticked
box), check it against the field's annotated type with `msgspec.convert` and, when it does not
fit, say why in the words of the checks below. See `Checker.read` for how the field's `Meta`
speaks to the form.

Whatever a check returns is safe to hand to the database even before `done()` (services look
up names for uniqueness before they report): control characters are gone, text is no longer
than its column and integers fit the 32-bit id and count columns.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, time
from enum import StrEnum
from typing import Annotated, Any, TypeVar

import msgspec
from msgspec import Meta, Struct
from msgspec import inspect as mi

from incubator.errors import ValidationFailed
from incubator.i18n import N_
from incubator.i18n import gettext as _
from incubator.money import MoneyError, parse_fen

E = TypeVar("E", bound=StrEnum)
S = TypeVar("S", bound=Struct)
# A field's own reader: (the checker, the input's name) → the value, or None when left empty. It
# records its errors on the checker.
Parser = Callable[["Checker", str], Any]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# Control characters (Unicode category Cc) other than tab and newline: a NUL is refused by
# PostgreSQL, the others break exports and show as nothing. Carriage returns are line breaks.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# The id and count columns are 32-bit INTEGER.
INT_MIN = -(2**31)
INT_MAX = 2**31 - 1


@dataclass(frozen=True)
class DateRange:
    """The dates a field may plausibly hold. A slip of the keyboard (9999-12-31, 0001-01-01) is
    refused on its field rather than stored: asyncpg writes date.max and date.min to PostgreSQL
    as `infinity` and `-infinity`, and any far date makes nonsense of the terms, flags and figures
    computed from it."""

    earliest: date
    latest: date

    def __contains__(self, day: date) -> bool:
        return self.earliest <= day <= self.latest

    def message(self) -> str:
        return _("Enter a date between %(earliest)s and %(latest)s.",
                 earliest=self.earliest.isoformat(), latest=self.latest.isoformat())


# Every date field's range unless it says otherwise: what people record of the past and plan.
PLAUSIBLE = DateRange(date(1900, 1, 1), date(2100, 12, 31))
# What the incubator itself plans or records as it happens (funds, payments, agreements, tokens,
# working days): nothing of it predates the district's first funds (fiscal years start at 2000).
IN_SERVICE = DateRange(date(2000, 1, 1), date(2100, 12, 31))
# Some organizations registered today were founded long ago (a guild, a charity of the 1800s).
FOUNDING = DateRange(date(1800, 1, 1), date(2100, 12, 31))


def within(days: DateRange) -> Meta:
    """A date field's range, annotated on the command: `Annotated[date, within(IN_SERVICE)]`."""
    return Meta(extra={"within": days})


# An email address as a command holds it (empty where the field has a default).
Email = Annotated[str, Meta(max_length=254, pattern=_EMAIL.pattern,
                            extra={"message": N_("Enter a valid email address.")})]


def has_control_characters(value: str) -> bool:
    return CONTROL.search(value.replace("\r\n", "\n").replace("\r", "\n")) is not None


def without_control_characters(value: str) -> str:
    """Line breaks as newlines, other control characters removed: for input read outside a
    form, where there is no field to show a message on (search boxes, filters)."""
    return CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def parse_int(raw: str, minimum: int = INT_MIN, maximum: int = INT_MAX) -> int | None:
    """An integer within bounds (32-bit by default), or None: never an exception, whatever the text."""
    raw = raw.strip()
    if not raw or len(raw) > 40:
        return None
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if minimum <= value <= maximum else None


class Checker:
    """The submitted form (`data`; `lists`: its multi-valued inputs, such as ticked boxes) and the
    errors found in it so far, by input name."""

    def __init__(self, data: Mapping[str, str], lists: Mapping[str, Iterable[object]] | None = None) -> None:
        self.data = data
        self.lists = lists or {}
        self.errors: dict[str, str] = {}

    def raw(self, name: str) -> str:
        """The field's text, stripped; control characters are refused (and removed from what is
        returned, so a lookup before `done()` cannot fail on them)."""
        value = self.data.get(name, "")
        if not isinstance(value, str):
            return ""
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        if CONTROL.search(value):
            self.fail(name, _("Remove the invisible control characters (often copied along with the text)."))
            value = CONTROL.sub("", value)
        return value.strip()

    def secret(self, name: str) -> str:
        """A password as typed (not stripped): control characters are refused."""
        value = self.data.get(name, "")
        if not isinstance(value, str):
            return ""
        if CONTROL.search(value):
            self.fail(name, _("Remove the invisible control characters (often copied along with the text)."))
        return value

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def done(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)

    def _day(self, name: str) -> date | None:
        raw = self.raw(name).replace("/", "-").replace(".", "-")
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.fail(name, _("Enter a date as YYYY-MM-DD, for example 2026-03-01."))
            return None

    def text(self, name: str, max_length: int, required: bool = False) -> str:
        value = self.raw(name)
        if required and not value:
            self.fail(name, _("This field is required."))
        elif len(value) > max_length:
            self.fail(name, _("At most %(n)s characters.", n=max_length))
            return value[:max_length]  # never longer than its column, even for a lookup
        return value

    def integer(
        self, name: str, minimum: int | None = None, maximum: int | None = None, required: bool = False
    ) -> int | None:
        """A whole number; a bound not given is that of the 32-bit integer columns."""
        value = self._whole_number(name)
        if value is None:
            if required and name not in self.errors:
                self.fail(name, _("This field is required."))
            return None
        if minimum is not None and value < minimum:
            self.fail(name, _("Enter a number of at least %(n)s.", n=minimum))
            return None
        if maximum is not None and value > maximum:
            self.fail(name, _("Enter a number of at most %(n)s.", n=maximum))
            return None
        if maximum is None and value > INT_MAX:
            self.fail(name, _("This number is too large."))
            return None
        if minimum is None and value < INT_MIN:
            self.fail(name, _("This number is too small."))
            return None
        return value

    def _whole_number(self, name: str) -> int | None:
        """The number as typed (1,200 and full-width digits too), unbounded; None when empty."""
        raw = self.raw(name).replace(",", "").replace("，", "")
        if not raw:
            return None
        try:
            return int(raw)
        except ValueError:  # not a number, or thousands of digits
            self.fail(name, _("Enter a whole number."))
            return None

    def ids(self, name: str, values: Iterable[object]) -> list[int]:
        """The ids of a multiple choice (checkboxes, a multi-select), sorted and distinct."""
        ids = set()
        for value in values:
            text = "" if value is None else str(value).strip()
            if not text:
                continue
            number = parse_int(text, minimum=1) if text.isascii() and text.isdigit() else None
            if number is None:
                self.fail(name, _("Choose one of the options."))
                return []
            ids.add(number)
        return sorted(ids)

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

    def date(self, name: str, required: bool = False, within: DateRange = PLAUSIBLE) -> date | None:
        """A date as YYYY-MM-DD (also with / or . between the parts), within the field's range."""
        value = self._day(name)
        if value is None:
            if required and name not in self.errors:
                self.fail(name, _("This field is required."))
            return None
        if value not in within:
            self.fail(name, within.message())
            return None
        return value

    def money(self, name: str, required: bool = True) -> int | None:
        """An amount in yuan as people type it (12,000.50, ¥3,000, 1.2万), as integer fen."""
        raw = self.raw(name)
        if not raw:
            if required:
                self.fail(name, _("Enter an amount in yuan, for example 12,000.50."))
            return None
        try:
            return parse_fen(raw)
        except MoneyError as exc:
            self.fail(name, exc.message)
            return None

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

    # ---- a command from the form: its fields' types and limits are the command's ----------------

    def read(self, command: type[Struct], *only: str, names: Mapping[str, str] | None = None, suffix: str = "",
             required: Iterable[str] = (), choices: Mapping[str, Iterable[Any]] | None = None,
             parsers: Mapping[str, Parser] | None = None, skip: Iterable[str] = ()) -> dict[str, Any]:
        """The typed values of the command's fields (all of them, or `only` these, less `skip`), each
        read from its input `names.get(field, field) + suffix` (a row of a form: suffix "_2") by the
        field's type and checked against its annotated type and `Meta` with `msgspec.convert`.

        A field left empty takes its default and is absent from the result; a field without a
        default, or named in `required`, must be filled ("This field is required.", or the
        sentence `Meta(extra={"required": …})` gives). A wrong field is absent too, its error
        recorded under its input's name in the words of the checks above (the bounds of `ge`/`le`,
        `max_length`; `Meta(extra={"message": …})` for what breaks a pattern or a least length).
        A choice (an enum, a Literal, or `choices` known only now) is always made: empty is not one
        of the options. A bool is a checkbox: ticked or not. A date is within the range
        `Meta(extra={"within": …})` gives (PLAUSIBLE by default); an amount typed in yuan is
        marked `Meta(extra={"form": "yuan"})`, a password read as typed `Meta(extra={"form": "secret"})`.
        Anything else (a row of the form, a nested command) is read by its form's own `parsers`."""
        wanted = set(only or ())
        skipped = set(skip)
        must = set(required)
        values: dict[str, Any] = {}
        for field in _fields_of(command):
            if (wanted and field.name not in wanted) or field.name in skipped:
                continue
            value = self._read_field(field, (names or {}).get(field.name, field.name) + suffix,
                                     field.required or field.name in must, (choices or {}).get(field.name),
                                     (parsers or {}).get(field.name))
            if value is not _ABSENT:
                values[field.name] = value
        return values

    def build(self, command: type[S], values: Mapping[str, Any]) -> S:
        """The command, once every field read so far is right (else ValidationFailed, every error at once)."""
        self.done()
        return msgspec.convert(dict(values), command)

    def _read_field(self, field: _Field, name: str, required: bool, choices: Iterable[Any] | None,
                    parser: Parser | None) -> Any:
        value = self._parse(field, name, choices, parser, required)
        if name in self.errors:
            return _ABSENT
        if value is None:
            if required:
                self.fail(name, _(field.extra.get("required", N_("This field is required."))))
            return _ABSENT
        try:
            value = msgspec.convert(value, field.annotation)
        except msgspec.ValidationError:
            self.fail(name, _explain(field, value))
            return _ABSENT
        bounds = field.kind if isinstance(field.kind, mi.IntType) else None
        if bounds and bounds.le is None and bounds.lt is None and value > INT_MAX:
            self.fail(name, _("This number is too large."))  # the 32-bit columns, where no bound is given
        elif bounds and bounds.ge is None and bounds.gt is None and value < INT_MIN:
            self.fail(name, _("This number is too small."))
        elif isinstance(value, date) and value not in field.extra.get("within", PLAUSIBLE):
            self.fail(name, field.extra.get("within", PLAUSIBLE).message())
        else:
            return value
        return _ABSENT

    def _parse(self, field: _Field, name: str, choices: Iterable[Any] | None, parser: Parser | None,
               required: bool) -> Any:
        """The input as the field's type, or None when left empty (errors recorded, not raised). A
        password is never empty: its rules are its own (auth.passwords)."""
        kind = field.kind
        if parser is not None:
            return parser(self, name)
        if choices is not None or isinstance(kind, (mi.EnumType, mi.LiteralType)):
            options = _options(kind) if choices is None else choices
            texts = dict(options) if isinstance(options, Mapping) else {str(o): o for o in options}
            if field.is_collection:
                picked = [str(v) for v in self.lists.get(name, ())]
                if any(text not in texts for text in picked):
                    self.fail(name, _("Choose one of the options."))
                return [texts[text] for text in picked if text in texts] or None
            raw = self.raw(name)
            if raw not in texts:
                self.fail(name, _("Choose one of the options."))
                return None
            return texts[raw]
        if field.form == "yuan":
            return self.money(name, required=required)
        if field.form == "secret":
            return self.secret(name)
        if isinstance(kind, mi.StrType):
            return self.raw(name) or None
        if isinstance(kind, mi.BoolType):
            return self.flag(name)
        if isinstance(kind, mi.IntType):
            return self._whole_number(name)
        if isinstance(kind, mi.DateType):
            return self._day(name)
        if isinstance(kind, mi.TimeType):
            text = self.time_of_day(name)
            return None if text is None else time.fromisoformat(text)
        if field.is_collection and isinstance(_unwrap(kind.item_type)[0], mi.IntType):  # type: ignore[attr-defined]
            return self.ids(name, self.lists.get(name, ())) or None
        raise TypeError(f"{field.name}: read it with `parsers=` or give it as a fixed value")


def decode(command: type[S], data: Mapping[str, str], *, lists: Mapping[str, Iterable[object]] | None = None,
           names: Mapping[str, str] | None = None, required: Iterable[str] = (),
           choices: Mapping[str, Iterable[Any]] | None = None, parsers: Mapping[str, Parser] | None = None,
           **fixed: Any) -> S:
    """The command a form describes (see `Checker.read`), every wrong input reported at once
    (ValidationFailed, keyed by input name). `fixed`: fields the form does not hold (the space
    from the URL, a flag the page settles)."""
    check = Checker(data, lists)
    values = check.read(command, names=names, required=required, choices=choices, parsers=parsers, skip=fixed)
    return check.build(command, {**values, **fixed})


def max_length(command: type[Struct], name: str) -> int:
    """A field's `max_length` (the rows a form shows, the length a text is cut to)."""
    field = next(f for f in _fields_of(command) if f.name == name)
    return field.kind.max_length  # type: ignore[attr-defined]


_ABSENT: Any = object()
_COLLECTIONS = (mi.ListType, mi.VarTupleType, mi.SetType, mi.FrozenSetType)


@dataclass(frozen=True)
class _Field:
    name: str
    annotation: Any  # as the command declares it, Meta included: what msgspec.convert checks
    kind: mi.Type  # the same, without None and the Meta (IntType(ge=1, le=100), StrType(max_length=…)…)
    extra: Mapping[str, Any]  # the Meta's `extra`: how the form speaks of the field
    required: bool

    @property
    def form(self) -> str:
        return str(self.extra.get("form", ""))

    @property
    def is_collection(self) -> bool:
        return isinstance(self.kind, _COLLECTIONS)


def _unwrap(kind: mi.Type) -> tuple[mi.Type, dict[str, Any]]:
    """A type without the None it may be or'ed with, and the `extra` of its Meta."""
    extra: dict[str, Any] = {}
    while True:
        if isinstance(kind, mi.Metadata):
            extra |= kind.extra or {}
            kind = kind.type
        elif isinstance(kind, mi.UnionType) and sum(not isinstance(t, mi.NoneType) for t in kind.types) == 1:
            kind = next(t for t in kind.types if not isinstance(t, mi.NoneType))
        else:
            return kind, extra


@functools.cache
def _fields_of(command: type[Struct]) -> tuple[_Field, ...]:
    info = mi.type_info(command)
    annotations = {f.name: f.type for f in msgspec.structs.fields(command)}
    fields = []
    for field in info.fields:  # type: ignore[attr-defined]
        kind, extra = _unwrap(field.type)
        fields.append(_Field(field.name, annotations[field.name], kind, extra, field.required))
    return tuple(fields)


def _options(kind: mi.Type) -> Iterable[Any]:
    if isinstance(kind, _COLLECTIONS):
        kind = _unwrap(kind.item_type)[0]
    if isinstance(kind, mi.EnumType):
        return {str(member.value): member for member in kind.cls}
    if isinstance(kind, mi.LiteralType):
        return kind.values
    raise TypeError(f"not a choice: {kind}")


def _explain(field: _Field, value: Any) -> str:
    """Why msgspec refused the value, as the form says it (the field's Meta names the bounds)."""
    kind, message = field.kind, field.extra.get("message")
    if isinstance(kind, mi.IntType) and not message:
        low = kind.ge if kind.ge is not None else None if kind.gt is None else kind.gt + 1
        high = kind.le if kind.le is not None else None if kind.lt is None else kind.lt - 1
        if low is not None and value < low:
            return _("This number is too small.") if low == INT_MIN else _("Enter a number of at least %(n)s.", n=low)
        if high is not None and value > high:
            return _("This number is too large.") if high == INT_MAX else _("Enter a number of at most %(n)s.", n=high)
        return _("Enter a whole number.")
    if isinstance(kind, (mi.StrType, *_COLLECTIONS)):
        if kind.max_length is not None and len(value) > kind.max_length:
            return _("At most %(n)s characters.", n=kind.max_length) if isinstance(kind, mi.StrType) else \
                _("Choose one of the options.")
        if not message and isinstance(kind, mi.StrType) and kind.min_length and len(value) < kind.min_length:
            return _("Use at least %(n)s characters.", n=kind.min_length)
    return _(message) if message else _("Choose one of the options.")
