"""The lanterns' part of the dashboard: how many are lit and out in each park, and a tile."""

from tortoise.functions import Count

from incubator.capability import DashboardTable, Figures
from incubator.figures import COUNT, Cell, Facts, Frame, Scope, Table, Tile, fmt, sums_by_park
from tests.sample_capability.models import Lantern

COLUMNS = ("lit", "out")


async def compute(scope: Scope) -> Facts:
    """One grouped query: [park, lit, out] rows."""
    counts: dict[int, list[int]] = {}
    grouped = await Lantern.filter(park_id__in=list(scope.park_ids)).annotate(n=Count("id")).group_by(
        "park_id", "lit").values_list("park_id", "lit", "n")
    for park, lit, n in grouped:
        counts.setdefault(park, [0, 0])[0 if lit else 1] += n
    return {"lanterns": [[park, *values] for park, values in sorted(counts.items())]}


def _table(facts: Facts, frame: Frame) -> Table:
    by_park = sums_by_park(facts["lanterns"], COLUMNS)

    def cells(park_id: int | None) -> list[Cell]:
        return [Cell(sum(by_park.get(p, {}).get(c, 0) for p in frame.parks_of(park_id)), COUNT,
                     frame.filters.link("/lanterns", park=park_id)) for c in COLUMNS]

    return Table("lanterns", "Park", ["Lit", "Out"], frame.park_rows(cells), chart="bars")


def _tile(table: Table, frame: Frame, ended: bool) -> Tile | None:
    if (row := table.summary) is None:
        return None
    return Tile("lanterns", "Lanterns out", row.cells[1].text, f"{fmt(row.cells[0].value, COUNT)} lit", "/lanterns")


figures = Figures(sections={"lanterns": 0}, compute=compute,
                  tables=(DashboardTable("lanterns", "Lanterns", _table, _tile, order=95),))
