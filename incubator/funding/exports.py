"""Real Excel files for the funding tables."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font


def workbook(title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(12, len(str(header)) * 2 + 4)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def yuan(fen: int) -> float:
    return round(fen / 100, 2)
