"""Interface languages: Simplified Chinese (default) and English.

Source strings are English; `locale/zh_CN/LC_MESSAGES/messages.po` holds the Chinese.
The .po file is compiled in memory when first needed, so there is no .mo to forget
to rebuild. The request's language lives in a context variable set by middleware,
so services can raise errors in the user's language without being handed it.
"""

from __future__ import annotations

import contextvars
import gettext as gettext_module
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from incubator import clock

LOCALE_DIR = Path(__file__).resolve().parent / "locale"  # the catalogs, in the package (a wheel too)
DEFAULT_LOCALE = "zh_CN"
LOCALES = ("zh_CN", "en")
LOCALE_NAMES = {"zh_CN": "简体中文", "en": "English"}

_current: contextvars.ContextVar[str] = contextvars.ContextVar("locale", default=DEFAULT_LOCALE)


def N_(message: str) -> str:
    """Marks a string for extraction; translate it where it is shown."""
    return message


def normalise_locale(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().replace("-", "_")
    for known in LOCALES:
        if value.lower() == known.lower() or value.lower().split("_")[0] == known.lower():
            return known
    return None


@cache
def translations(locale: str) -> gettext_module.NullTranslations:
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return gettext_module.NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext_module.GNUTranslations(buffer)


def set_locale(locale: str) -> contextvars.Token[str]:
    return _current.set(normalise_locale(locale) or DEFAULT_LOCALE)


def reset_locale(token: contextvars.Token[str]) -> None:
    _current.reset(token)


def current_locale() -> str:
    return _current.get()


def gettext(message: str, **variables: object) -> str:
    text = translations(current_locale()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations(current_locale()).ngettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


_ = gettext


def list_separator() -> str:
    """Between the items of an inline list: 、 in Chinese, a comma in English."""
    return "、" if current_locale().startswith("zh") else ", "


def localised(details: dict) -> dict:
    """Stored message details keep names in both languages ("review" and "review_en"); in English
    the English one wins. The `_en` keys themselves are dropped."""
    english = current_locale() == "en"
    values = {k: v for k, v in details.items() if not k.endswith("_en")}
    if english:
        values |= {k.removesuffix("_en"): v for k, v in details.items() if k.endswith("_en") and v}
    return values


@cache
def _parsed_locale(name: str) -> Locale:
    return Locale.parse(name)


def _babel_locale() -> Locale:
    return _parsed_locale(current_locale())


def _local(value: datetime) -> datetime:
    return value.astimezone(clock.zone())


def format_datetime(value: datetime | None, fmt: str = "medium") -> str:
    """`fmt` is a Babel pattern or width. "full" and "long" are the day in words and the time of
    day without Babel's zone name ("中国标准时间 14:00:00", "China Standard Time"): every time
    shown is the park's local time, and the seconds are noise."""
    if value is None:
        return ""
    local = _local(value)
    if fmt in ("full", "long"):
        return babel_dates.format_datetime(local, format=_day_and_time(fmt, current_locale()), locale=_babel_locale())
    return babel_dates.format_datetime(local, format=fmt, locale=_babel_locale())


@lru_cache(maxsize=8)
def _day_and_time(fmt: str, locale: str) -> str:
    """The locale's pattern for the day (of width `fmt`) followed by its short time of day."""
    parsed = _parsed_locale(locale)
    pattern = str(parsed.datetime_formats[fmt])  # e.g. "{1} 'at' {0}", "{1} {0}"
    day = parsed.date_formats[fmt].pattern
    time_of_day = parsed.time_formats["short"].pattern
    return pattern.replace("{1}", day).replace("{0}", time_of_day)


# Babel looks up and parses a locale's pattern on every call (~0.1 ms): a 50-row list formats a
# few hundred dates and numbers, most of them repeated from row to row and request to request.
# These are pure functions of their arguments, so each result is remembered (bounded).


def format_date(value: date | datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    return _format_date(value, fmt, current_locale())


@lru_cache(maxsize=8192)
def _format_date(value: date, fmt: str, locale: str) -> str:
    return babel_dates.format_date(value, format=fmt, locale=_parsed_locale(locale))


def format_number(value: int | float | Decimal | None) -> str:
    if value is None:
        return ""
    return _format_number(value, current_locale())


@lru_cache(maxsize=8192, typed=True)  # typed: 1, 1.0 and Decimal("1.0") are remembered apart
def _format_number(value: int | float | Decimal, locale: str) -> str:
    return babel_numbers.format_decimal(value, locale=_parsed_locale(locale))


def format_money(fen: int | None) -> str:
    """Money is stored as integer fen (分); shown as yuan with the ¥ sign."""
    if fen is None:
        return ""
    return _format_money(int(fen), current_locale())


def format_compact_money(fen: int | float) -> str:
    """A large sum at a glance, for a headline figure: ¥1766万 in Chinese, ¥17.7M in English."""
    compact = babel_numbers.format_compact_decimal(Decimal(int(fen)) / 100, locale=_parsed_locale(current_locale()),
                                                   fraction_digits=1)
    return "¥" + compact


@lru_cache(maxsize=8192)
def _format_money(fen: int, locale: str) -> str:
    return babel_numbers.format_currency(
        Decimal(fen) / 100, "CNY", locale=_parsed_locale(locale), currency_digits=True
    ).replace("CN¥", "¥")
