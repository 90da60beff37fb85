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
import itertools
import math
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from incubator import clock

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"  # a workbook's media type
Row = Sequence[object]
# A sheet: its title, headers and rows, and optionally its columns' number formats.
Sheet = tuple[str, Sequence[str], Iterable[Row]] | tuple[str, Sequence[str], Iterable[Row], Sequence[str | None]]

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


# How a value of each kind reads in Excel when its column names no format of its own.
DATE_FORMAT, DATETIME_FORMAT, TIME_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm", "hh:mm"
WIDTH_SAMPLE = 200  # rows read to size the columns
WIDTH_MIN, WIDTH_MAX = 8, 60


def _width(value: object) -> int:
    """How wide a value shows, in Excel's character units: a Chinese character is two."""
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    text = value if isinstance(value, str) else f"{value:,}" if isinstance(value, int | float | Decimal) else ""
    line = max(str(text).split("\n"), key=len) if text else ""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in line)


def _cell(sheet, value: object, number_format: str | None = None, bold: bool = False) -> Any:
    clean = _cell_value(value)
    cell = WriteOnlyCell(sheet, value=clean)  # type: ignore[arg-type]  # _cell_value gives what it takes
    if isinstance(clean, str) and clean.startswith(_FORMULA_START):
        # Text, never a formula: a name typed as =HYPERLINK(…) stays those characters.
        cell.data_type = "s"
        cell.quotePrefix = True
    elif isinstance(clean, datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(clean, date):
        cell.number_format = DATE_FORMAT
    elif isinstance(clean, time):
        cell.number_format = TIME_FORMAT
    elif number_format and isinstance(clean, int | float | Decimal) and not isinstance(clean, bool):
        cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    return cell


def _fill(sheet, headers: Sequence[str], rows: Iterable[Row], formats: Sequence[str | None] = ()) -> None:
    """A bold header row that stays in view (frozen), columns as wide as their first rows need,
    dates and times as such, and each column's number format (`formats`, by column)."""
    rows = iter(rows)
    sample = list(itertools.islice(rows, WIDTH_SAMPLE))
    for index, header in enumerate(headers):
        width = max([_width(str(header)), *(_width(row[index]) for row in sample if index < len(row))])
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(max(width + 2, WIDTH_MIN), WIDTH_MAX)
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, header, bold=True) for header in headers])
    for row in itertools.chain(sample, rows):
        sheet.append([_cell(sheet, value, formats[index] if index < len(formats) else None)
                      for index, value in enumerate(row)])


def workbook(
    title: str | None = None,
    headers: Sequence[str] | None = None,
    rows: Iterable[Row] | None = None,
    *,
    sheets: Iterable[Sheet] | None = None,
    formats: Sequence[str | None] = (),
) -> bytes:
    """An .xlsx file: one sheet (`title`, `headers`, `rows`, and the columns' number `formats`), or
    several (`sheets=[(title, headers, rows), …]`, or with a fourth item, the formats). Written
    row by row (openpyxl's write-only mode): tens of thousands of rows take little memory.
    Whatever the text, it does not fail."""
    if sheets is None:
        if title is None or headers is None:
            raise TypeError("workbook() needs title and headers, or sheets")
        sheets = [(title, headers, rows or (), formats)]
    book = Workbook(write_only=True)
    titles: list[str] = []
    for number, sheet in enumerate(sheets, start=1):
        sheet_name, sheet_headers, sheet_rows = sheet[0], sheet[1], sheet[2]
        titles.append(sheet_title(sheet_name, titles, fallback=f"Sheet{number}"))
        _fill(book.create_sheet(titles[-1]), sheet_headers, sheet_rows, sheet[3] if len(sheet) > 3 else ())
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


async def csv_stream(headers: Sequence[str], batches: AsyncIterator[Iterable[Row]]) -> AsyncIterator[bytes]:
    """The CSV of `csv_bytes`, sent as its rows are read (`batches`, a list's keyset pages): the
    first bytes leave at once, whatever the number of rows, and memory holds one batch."""
    yield csv_bytes(headers, ())
    async for batch in batches:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        for row in batch:
            writer.writerow([_csv_value(v) for v in row])
        yield buffer.getvalue().encode("utf-8")
