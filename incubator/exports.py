"""Excel workbooks and CSV files: the one place that writes them, so nothing a user typed can break
an export.

Text typed into a name or purpose ends up in cells and sheet titles. Excel and openpyxl refuse
some of it: `/ \\ ? * [ ] :` in a sheet title, titles over 31 characters, control characters in
a cell; and openpyxl writes text starting with "=" as a live formula. Here titles are made safe
and unique, cell text is cleaned, and text that looks like a formula is stored as text.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum

from openpyxl import Workbook
from openpyxl.styles import Font

from incubator import clock

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"  # a workbook's media type
Row = Sequence[object]
Sheet = tuple[str, Sequence[str], Iterable[Row]]

TITLE_MAX = 31  # Excel's limit on a sheet title
CELL_MAX = 32_767  # Excel's limit on the text of a cell
_TITLE_FORBIDDEN = re.compile(r"[\\/?*\[\]:]")
# Characters XML 1.0 cannot carry (the workbook is XML): control characters but tab and line
# breaks, lone surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# What a spreadsheet would take for the start of a formula.
_FORMULA_START = ("=", "+", "-", "@")
_RESERVED_TITLES = {"history"}  # Excel keeps this name for itself


def clean_text(text: str) -> str:
    return _NOT_XML.sub("", text)[:CELL_MAX]


def _fit(text: str, limit: int) -> str:
    # Excel counts UTF-16 units: a character beyond the basic plane (an emoji) counts twice.
    while len(text.encode("utf-16-le")) // 2 > limit:
        text = text[:-1]
    return text


def sheet_title(title: str, taken: Iterable[str] = (), fallback: str = "Sheet") -> str:
    """A title Excel accepts: forbidden characters replaced, not blank, not starting or ending with
    an apostrophe, at most 31 characters, and unlike `taken` (Excel ignores case)."""
    text = _TITLE_FORBIDDEN.sub("_", " ".join(clean_text(str(title)).split())).strip("'").strip()
    if not text or text.lower() in _RESERVED_TITLES:
        text = (text + " " + fallback).strip() if text else fallback
    used = {t.lower() for t in taken}
    candidate = _fit(text, TITLE_MAX).rstrip("'").strip() or fallback
    number = 2
    while candidate.lower() in used:
        suffix = f" ({number})"
        candidate = _fit(text, TITLE_MAX - len(suffix)).rstrip("'").strip() + suffix
        number += 1
    return candidate


def _cell_value(value: object) -> object:
    """What openpyxl can write: numbers, dates and clean text. Aware datetimes are shown in the
    configured time zone (Excel has none)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime):
        return value.astimezone(clock.zone()).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return value
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    if isinstance(value, Enum):
        value = value.value
    return clean_text(str(value))


def _write_row(sheet, row_number: int, values: Iterable[object]) -> None:
    for column, value in enumerate(values, start=1):
        clean = _cell_value(value)
        cell = sheet.cell(row=row_number, column=column, value=clean)
        if isinstance(clean, str) and clean.startswith(_FORMULA_START):
            # Text, never a formula: a name typed as =HYPERLINK(…) stays those characters.
            cell.data_type = "s"
            cell.quotePrefix = True


def _fill(sheet, headers: Sequence[str], rows: Iterable[Row]) -> None:
    _write_row(sheet, 1, headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=2):
        _write_row(sheet, number, row)
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(12, len(str(header)) * 2 + 4)


def workbook(
    title: str | None = None,
    headers: Sequence[str] | None = None,
    rows: Iterable[Row] | None = None,
    *,
    sheets: Iterable[Sheet] | None = None,
) -> bytes:
    """An .xlsx file: one sheet (`title`, `headers`, `rows`), or several (`sheets=[(title,
    headers, rows), …]`), each with a bold header row. Whatever the text, it does not fail."""
    if sheets is None:
        if title is None or headers is None:
            raise TypeError("workbook() needs title and headers, or sheets")
        sheets = [(title, headers, rows or ())]
    book = Workbook()
    for default in book.worksheets:  # the empty sheet a new workbook starts with
        book.remove(default)
    titles: list[str] = []
    for number, (sheet_name, sheet_headers, sheet_rows) in enumerate(sheets, start=1):
        titles.append(sheet_title(sheet_name, titles, fallback=f"Sheet{number}"))
        _fill(book.create_sheet(titles[-1]), sheet_headers, sheet_rows)
    if not titles:
        book.create_sheet("Sheet1")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def yuan(fen: int) -> float:
    return round(fen / 100, 2)


CSV = "text/csv; charset=utf-8"


def _csv_value(value: object) -> str:
    clean = _cell_value(value)
    if clean is None:
        return ""
    if isinstance(clean, datetime):
        return clean.strftime("%Y-%m-%d %H:%M")
    if isinstance(clean, date | time):
        return clean.isoformat()
    text = str(clean)
    # A spreadsheet opening the file would run text starting like a formula: keep it text.
    return "'" + text if isinstance(clean, str) and text.startswith(_FORMULA_START) else text


def csv_bytes(headers: Sequence[str], rows: Iterable[Row]) -> bytes:
    """A CSV file Excel opens with its Chinese intact: UTF-8 with a byte-order mark, CRLF line ends,
    values as the workbook writes them (dates as ISO text, times where the users are)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_value(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")
