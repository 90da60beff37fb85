"""Real Excel files for the funding tables: written by the shared workbook writer."""

from __future__ import annotations

from incubator.exports import workbook, yuan

__all__ = ["workbook", "yuan"]
