"""The dashboard's tables, made from the facts of a scope by the capabilities that declare them
(`capability.DashboardTable`): the page shows them (each chart draws the table under it), the
exports and the monthly workbook write them, the data API answers them. Each figure links to the
list behind it with the dashboard's filters carried along; a closed month's tables carry, cell by
cell, how much today's data differs from what was reported. The tiles above them answer from
their tables' totals."""

from __future__ import annotations

from incubator import capability
from incubator.figures import COUNT, DECIMALS, Facts, Frame, Table, Tile
from incubator.i18n import gettext as _


def keys() -> list[str]:
    """The tables, in the page's order (the workbook's sheets, the CSV files' names)."""
    return [declared.key for declared in capability.dashboard_tables()]


def build(facts: Facts, frame: Frame, live: Facts | None = None) -> list[Table]:
    """Every table of the facts; with `live` (today's facts of a closed month), each cell carries
    how much today's figure differs from the reported one."""
    declared = capability.dashboard_tables()
    tables = [_built(table, facts, frame) for table in declared]
    if live is not None:
        for table, today in zip(tables, (_built(t, live, frame) for t in declared), strict=True):
            _mark_revisions(table, today)
    return tables


def _built(declared: capability.DashboardTable, facts: Facts, frame: Frame) -> Table:
    table = declared.build(facts, frame)
    table.title = _(declared.title)
    return table


def _mark_revisions(reported: Table, today: Table) -> None:
    current = {row.key: row for row in today.rows}
    for row in reported.rows:
        other = current.get(row.key)
        for index, cell in enumerate(row.cells):
            now = other.cells[index].value if other is not None else None
            if isinstance(cell.value, int | float) and isinstance(now, int | float):
                difference = now - cell.value
                cell.delta = round(difference, DECIMALS[cell.kind]) if cell.kind != COUNT else int(difference)
            elif now is not None and cell.value is None:
                cell.delta = now


def revised(tables: list[Table]) -> int:
    """How many cells today's data has revised."""
    return sum(1 for table in tables for row in table.rows for cell in row.cells if cell.delta)


def tiles(built: list[Table], frame: Frame, ended: bool) -> list[Tile]:
    """The official's questions, each answered from its table's own total (so a tile never disagrees
    with its table), in the tables' order: reviews overdue, say, at the period's end once it has
    `ended`."""
    by_key = {table.key: table for table in built}
    shown = []
    for declared in capability.dashboard_tables():
        if declared.tile is not None and declared.key in by_key:
            tile = declared.tile(by_key[declared.key], frame, ended)
            if tile is not None:
                shown.append(tile)
    return shown
