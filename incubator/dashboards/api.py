"""The dashboard in the data API: its tables for a period, as the caller's dashboard shows them."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from incubator import clock
from incubator.access import Principal
from incubator.apitypes import Id
from incubator.capability import Resource
from incubator.dashboards import service
from incubator.errors import BadRequest, NotFound
from incubator.figures import export_value
from incubator.period import Period


class FigureRow(Struct, kw_only=True):
    key: Annotated[str, Meta(description="Stable across languages: a park's id, a month, a code.")]
    label: str
    values: list[float | int | None]
    total: bool


class FigureTable(Struct, kw_only=True):
    key: str
    title: str
    first: str
    columns: list[str]
    kinds: Annotated[list[str], Meta(description="Each column's kind: count, percent, months, yuan, hours…")]
    rows: list[FigureRow]


class DashboardOut(Struct, kw_only=True):
    """The district dashboard's figures for a period, as the caller's dashboard shows them (labels in
    the token owner's language)."""

    period: str
    park_id: int | None
    domain_id: int | None
    reported: Annotated[bool, Meta(description="The figures are those reported when the month closed.")]
    tables: list[FigureTable]


class DashboardQuery(Struct, kw_only=True):
    # The years the dashboards keep (incubator.period: 2000 to 2999) and the twelve months.
    period: Annotated[str, Meta(pattern=r"^2\d{3}(-(0[1-9]|1[0-2]))?$",
                                description="YYYY-MM or YYYY (default: this month).")] | None = None
    park: Id | None = None
    domain: Id | None = None


async def _dashboard(principal: Principal, q: DashboardQuery, id: int | None) -> DashboardOut:
    period = Period.parse(q.period, clock.today())
    if q.period is not None and period.key != q.period:
        raise BadRequest("period is not a month or year the dashboards keep", {"period": "out of range"})
    shown = await service.dashboard(principal, period, q.park, q.domain)
    if q.domain is not None and shown.filters.domain_id != q.domain:
        # The service leaves out a domain it does not know: refused as an unknown park is, so that
        # the unfiltered figures never come back as the domain's.
        raise NotFound("")
    return DashboardOut(
        period=period.key, park_id=shown.filters.park_id, domain_id=shown.filters.domain_id,
        reported=shown.reported, tables=[FigureTable(
            key=table.key, title=table.title, first=table.first, columns=list(table.headers),
            kinds=[cell.kind for cell in table.rows[0].cells] if table.rows else [],
            rows=[FigureRow(key=row.key, label=row.label, values=[export_value(c) for c in row.cells],
                            total=row.total) for row in table.rows])
            for table in shown.tables])


resources = (
    Resource("/dashboard", "getDashboard", "The dashboard's figures for a period", "dashboards", DashboardOut,
             DashboardQuery, read=_dashboard),
)
