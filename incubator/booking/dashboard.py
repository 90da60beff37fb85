"""Booking's part of the dashboard: the rooms' utilization in the period, by park
(booking.utilization sums it; not narrowed by service domain: a room serves every organization)."""

from __future__ import annotations

from typing import Any

from incubator.booking.utilization import park_utilization
from incubator.capability import DashboardTable, Figures
from incubator.figures import COUNT, HOURS, PERCENT, Cell, Facts, Frame, Scope, Table, Tile, sums_by_park
from incubator.figures import percent as _percent
from incubator.i18n import N_
from incubator.i18n import gettext as _

COLUMNS = ("open_minutes", "blocked_minutes", "booked_minutes", "checked_in_minutes", "no_shows", "no_show_minutes")


async def compute(scope: Scope) -> Facts:
    """Two queries."""
    figures = await park_utilization(list(scope.park_ids), scope.period.first, scope.period.after)
    rows: list[list[Any]] = [[park, *(getattr(f, c) for c in COLUMNS)] for park, f in sorted(figures.items())
                             if any(getattr(f, c) for c in COLUMNS)]
    return {"rooms": rows}


def _table(facts: Facts, frame: Frame) -> Table:
    filters = frame.filters
    by_park = sums_by_park(facts["rooms"], COLUMNS)

    def cells(park_id: int | None) -> list[Cell]:
        s = {c: sum(by_park.get(p, {}).get(c, 0) for p in frame.parks_of(park_id)) for c in COLUMNS}
        bookable = max(s["open_minutes"] - s["blocked_minutes"], 0)
        link = (filters.link(f"/parks/{park_id}/utilization", period="month", at=filters.period.first.isoformat())
                if park_id is not None and filters.period.is_month else None)

        def bookings(view: str) -> str:
            return filters.link("/bookings", status=view, park=park_id or filters.park_id, months=filters.months)

        return [Cell(bookable / 60, HOURS, link), Cell(s["booked_minutes"] / 60, HOURS, bookings("booked")),
                Cell(_percent(s["booked_minutes"], bookable), PERCENT, link),
                Cell(_percent(s["checked_in_minutes"], bookable), PERCENT),
                Cell(s["no_shows"], COUNT, bookings("no_show")),
                Cell(s["no_show_minutes"] / 60, HOURS)]

    return Table("rooms", _("Park"), [_("Bookable hours"), _("Booked hours"), _("Booked (%)"),
                                      _("Checked in (%)"), _("No-shows"), _("No-show hours")],
                 frame.park_rows(cells), chart="bars", chart_columns=2,
                 note=_("The bookable spaces' opening hours in the period, whatever the organizations' "
                        "service domains."))


def _tile(table: Table, frame: Frame, ended: bool) -> Tile | None:
    if (row := table.summary) is None:
        return None
    booked, checked_in = row.cells[2], row.cells[3]
    return Tile("rooms", _("Rooms booked"), booked.text + ("%" if booked.value is not None else ""),
                _("of the bookable hours; %(share)s%% checked in", share=checked_in.text), row.cells[1].href)


figures = Figures(sections={"rooms": 0}, compute=compute,
                  tables=(DashboardTable("rooms", N_("Room utilization"), _table, _tile, order=80),))
