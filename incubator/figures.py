"""What the dashboard's figures are made of, for the capabilities that contribute them.

The dashboard (incubator/dashboards) is a frame: each capability's manifest declares its figures
(`capability.Figures`): the facts it sums for a scope (`Scope`: parks, a service domain, a period),
and the tables built from them, each with its summary tile. This module holds what they share, at
the bottom of the house so that any capability may use it:

- `Scope` and `Statement`: whose figures, and one SQL statement's numbered parameters on either
  database;
- `Cell`, `Row`, `Table`, `Tile`: a table as the page, the exports, the monthly workbook and the
  data API show it, and the tile above the tables that answers from its total;
- `Filters` and `Frame`: the dashboard's filters as drill-down links carry them, and what every
  table is built within (the parks and service domains by name, today's facts).

Facts are rows of plain numbers keyed by park (`Facts`: section → rows), so that the figures of any
set of parks are their rows' sum and a closed month's snapshot (a JSON copy) reads back as today's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from tortoise import connections

from incubator.i18n import gettext as _
from incubator.period import Period

Facts = dict[str, Any]  # a section's key → its rows (lists of plain numbers and strings)


# ---- the scope and its statements ------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose figures: the parks (never empty for a page), a service domain or none, the period."""

    park_ids: tuple[int, ...]
    domain_id: int | None
    period: Period
    today: date

    @property
    def state_day(self) -> date:
        """The day at whose start stocks (stages, registration, open reviews) are counted: the day
        after the period's last, once it has ended; today while it runs."""
        return min(self.period.after, self.today)

    @property
    def historical(self) -> bool:
        """Whether the stocks are read back from history (the period has ended) or are today's."""
        return self.period.after <= self.today


class Statement:
    """One statement's text and its parameters, numbered ("?1" on SQLite, "$1" on PostgreSQL) so
    that a condition written once may appear several times and in any order."""

    def __init__(self) -> None:
        self.connection = connections.get("default")
        self.dialect: str = self.connection.capabilities.dialect
        self.params: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.params.append(value)
        return f"{'?' if self.dialect == 'sqlite' else '$'}{len(self.params)}"

    def many(self, values: tuple[Any, ...] | list[Any]) -> str:
        return ", ".join(self(v) for v in values)

    def month(self, column: str) -> str:
        """A date column's "YYYY-MM"."""
        return f"substr({column}, 1, 7)" if self.dialect == "sqlite" else f"to_char({column}, 'YYYY-MM')"

    def whole_months(self, start: str, end: str) -> str:
        """Whole months from the date `start` to the date `end` (a month ends on the same day-of-month)."""
        if self.dialect == "sqlite":
            def part(column: str, what: str) -> str:
                return f"CAST(strftime('{what}', {column}) AS INTEGER)"
            return (f"(({part(end, '%Y')} - {part(start, '%Y')}) * 12 + {part(end, '%m')} - {part(start, '%m')}"
                    f" - CASE WHEN {part(end, '%d')} < {part(start, '%d')} THEN 1 ELSE 0 END)")
        return f"CAST(EXTRACT(YEAR FROM AGE({end}, {start})) * 12 + EXTRACT(MONTH FROM AGE({end}, {start})) AS INTEGER)"

    async def rows(self, sql: str) -> list[dict[str, Any]]:
        return await self.connection.execute_query_dict(sql, self.params)


# ---- tables ----------------------------------------------------------------------------------

# How a cell's number reads and is formatted in a workbook.
COUNT, HOURS, PERCENT, YUAN, MONTHS, RATING = "count", "hours", "percent", "yuan", "months", "rating"
EXCEL_FORMATS = {COUNT: "#,##0", HOURS: "#,##0.0", PERCENT: "0.0", YUAN: "#,##0.00", MONTHS: "0.0",
                 RATING: "0.00"}
DECIMALS = {COUNT: 0, HOURS: 1, PERCENT: 1, YUAN: 2, MONTHS: 1, RATING: 2}


@dataclass
class Cell:
    value: float | int | None
    kind: str = COUNT
    href: str | None = None
    delta: float | int | None = None  # today's figure less the reported one (a closed month), when not 0

    @property
    def text(self) -> str:
        return fmt(self.value, self.kind)

    @property
    def delta_text(self) -> str:
        if not self.delta:
            return ""
        return ("+" if self.delta > 0 else "−") + fmt(abs(self.delta), self.kind)


@dataclass
class Row:
    key: str  # stable across languages and data: how a closed month's row meets today's
    label: str
    cells: list[Cell]
    href: str | None = None
    total: bool = False


@dataclass
class Table:
    key: str
    first: str  # the first column's heading
    headers: list[str]
    rows: list[Row]
    chart: str | None = None  # "stack" (stacked bars), "bars", "lines", "pie" or none
    chart_columns: int | None = None  # how many of the first columns the chart draws (default: all)
    note: str = ""
    title: str = ""  # set by the dashboard from the table's declaration (capability.DashboardTable)

    def export_rows(self) -> list[tuple[object, ...]]:
        return [(row.label, *(export_value(c) for c in row.cells)) for row in self.rows]

    @property
    def formats(self) -> list[str | None]:
        kinds = [c.kind for c in self.rows[0].cells] if self.rows else []
        return [None, *(EXCEL_FORMATS[k] for k in kinds)]

    @property
    def summary(self) -> Row | None:
        """The row of every park together: the total, or the one park's row."""
        return next((r for r in self.rows if r.total), self.rows[0] if len(self.rows) == 1 else None)


def fmt(value: float | int | None, kind: str) -> str:
    if value is None:
        return "—"
    if kind == COUNT:
        return f"{int(value):,}"
    return f"{value:,.{DECIMALS[kind]}f}"


def export_value(cell: Cell) -> float | int | None:
    if cell.value is None:
        return None
    return round(cell.value, DECIMALS[cell.kind]) if cell.kind != COUNT else int(cell.value)


def percent(part: float, whole: float) -> float | None:
    return 100 * part / whole if whole else None


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters as the drill-down links carry them."""

    period: Period
    park_id: int | None  # the park chosen, or none (every park in scope)
    domain_id: int | None

    def link(self, path: str, **params: Any) -> str:
        values = {k: v for k, v in params.items() if v is not None and v != ""}
        return f"{path}?{urlencode(values)}" if values else path

    @property
    def months(self) -> str:
        """The period as the lists' `months` filter reads it: "2026-03", or "2026-01:2026-12"."""
        first = self.period.first
        return self.period.key if self.period.is_month else f"{first.year}-01:{first.year}-12"

    def organizations(self, park_id: int | None = None, **params: Any) -> str:
        return self.link("/organizations", park=park_id or self.park_id, domain=self.domain_id, **params)

    def dashboard(self, park_id: int) -> str:
        return self.link("/dashboard", period=self.period.key, park=park_id, domain=self.domain_id)


@dataclass
class Frame:
    """What every table is built within: the filters, the parks shown and the active service domains
    by name (in display order), and today's facts (a closed month's tables name what has been
    renamed since by today's names)."""

    filters: Filters
    parks: dict[int, str]
    domains: dict[int, str]
    today: Facts = field(default_factory=dict)

    def park_rows(self, cells_of: Callable[[int | None], list[Cell]]) -> list[Row]:
        """A row of each park, linked to its own dashboard, and the total row (`cells_of(None)`)
        unless one park is shown."""
        rows = [Row(f"park:{park_id}", name, cells_of(park_id), href=self.filters.dashboard(park_id))
                for park_id, name in self.parks.items()]
        if len(self.parks) != 1:
            rows.append(Row("total", _("Total"), cells_of(None), total=True))
        return rows

    def parks_of(self, park_id: int | None) -> list[int]:
        """The parks a row sums: its own, or every park shown (the total row)."""
        return [park_id] if park_id is not None else list(self.parks)


def by_park(rows: Iterable[Sequence[Any]]) -> dict[int, list[Sequence[Any]]]:
    grouped: dict[int, list[Sequence[Any]]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    return grouped


def sums_by_park(rows: Iterable[Sequence[Any]], columns: Sequence[str]) -> dict[int, dict[str, Any]]:
    """Rows of [park, *columns] as {park: {column: value}}."""
    return {row[0]: dict(zip(columns, row[1:], strict=True)) for row in rows}


@dataclass
class Tile:
    """One of the summary tiles above the tables: the figure an official asks for first, a line of
    context, a link to its table on the page and one to the list behind it."""

    key: str  # the table it summarises (its block is #t-<key>)
    label: str
    value: str
    detail: str
    href: str | None  # the list behind the figure
    exact: str = ""  # the figure in full where the tile rounds it (money)
