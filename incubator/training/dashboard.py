"""Training's part of the dashboard: the sessions held in the period and their attendance, by park
(training.figures sums them; not narrowed by service domain: a session serves every organization)."""

from __future__ import annotations

from typing import Any

from incubator.capability import DashboardTable, Figures
from incubator.figures import COUNT, HOURS, PERCENT, RATING, Cell, Facts, Frame, Scope, Table, Tile, sums_by_park
from incubator.figures import percent as _percent
from incubator.i18n import N_, ngettext
from incubator.i18n import gettext as _
from incubator.training.figures import Figures as TrainingFigures
from incubator.training.figures import park_figures

COLUMNS = ("sessions", "session_minutes", "signed_up", "attended", "absent", "attended_minutes",
           "responses", "rating_sum", "satisfied")


async def compute(scope: Scope) -> Facts:
    """Two queries."""
    report = await park_figures(list(scope.park_ids), scope.period.first, scope.period.after)
    parks: dict[int, TrainingFigures] = {}
    for (park, _topic, _month), row in report.rows.items():  # one pass over the grouped rows
        parks.setdefault(park, TrainingFigures()).add(row)
    rows: list[list[Any]] = [[park, *(getattr(figures, c) for c in COLUMNS)] for park, figures in sorted(parks.items())]
    return {"training": rows}


def _table(facts: Facts, frame: Frame) -> Table:
    filters = frame.filters
    by_park = sums_by_park(facts["training"], COLUMNS)
    year = filters.period.first.year

    def cells(park_id: int | None) -> list[Cell]:
        s = {c: sum(by_park.get(p, {}).get(c, 0) for p in frame.parks_of(park_id)) for c in COLUMNS}
        link = filters.link("/training/figures", park=park_id or filters.park_id, year=year)
        held = filters.link("/training", when="past", park=park_id or filters.park_id, months=filters.months)
        return [Cell(s["sessions"], COUNT, held), Cell(s["session_minutes"] / 60, HOURS, link),
                Cell(s["signed_up"], COUNT), Cell(s["attended"], COUNT),
                Cell(_percent(s["attended"], s["signed_up"]), PERCENT), Cell(s["attended_minutes"] / 60, HOURS),
                Cell(s["rating_sum"] / s["responses"] if s["responses"] else None, RATING),
                Cell(_percent(s["satisfied"], s["responses"]), PERCENT)]

    return Table("training", _("Park"), [_("Sessions held"), _("Hours delivered"), _("Signed up"), _("Attended"),
                                         _("Attendance (%)"), _("Attended hours"), _("Average rating"),
                                         _("Satisfied (%)")],
                 frame.park_rows(cells), chart="bars", chart_columns=2,
                 note=_("Sessions held in the period, whatever the organizations' service domains."))


def _tile(table: Table, frame: Frame, ended: bool) -> Tile | None:
    if (row := table.summary) is None:
        return None
    sessions, hours = row.cells[0], row.cells[1]
    return Tile("training", _("Training hours delivered"), hours.text,
                ngettext("%(num)s session held", "%(num)s sessions held", int(sessions.value or 0)), sessions.href)


figures = Figures(sections={"training": 0}, compute=compute,
                  tables=(DashboardTable("training", N_("Training"), _table, _tile, order=70),))
