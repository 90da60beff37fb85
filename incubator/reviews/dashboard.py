"""Milestone reviews' part of the dashboard: due in the period (not cancelled), open and overdue on
the state day, decided in the period and their decisions, by park."""

from __future__ import annotations

from datetime import time
from typing import Any

from incubator.capability import DashboardTable, Figures
from incubator.clock import local_instant
from incubator.figures import COUNT, PERCENT, Cell, Facts, Frame, Scope, Statement, Table, Tile, sums_by_park
from incubator.figures import percent as _percent
from incubator.i18n import N_
from incubator.i18n import gettext as _
from incubator.organizations.dashboard import domain_clause
from incubator.organizations.models import Organization
from incubator.reviews.models import OPEN_STATUSES, Decision, Review, ReviewStatus

COLUMNS = ("due", "overdue", "decided", "passed", "conditional", "failed")


async def compute(scope: Scope) -> Facts:
    """Three bounded reads, each through an index of its own (due in the period and open-and-overdue:
    status and due date; decided in the period: status and decision time), summed by park in one
    statement: never a scan of every review."""
    s = Statement()
    period, table = scope.period, Review._meta.db_table
    start, end = local_instant(period.first, time()), local_instant(period.after, time())
    not_cancelled = s.many([status.value for status in ReviewStatus if status != ReviewStatus.CANCELLED])
    open_statuses = s.many([status.value for status in OPEN_STATUSES])
    if scope.historical:  # open at the period's end: not decided by then (a cancellation's time is not kept)
        state_end = s(local_instant(scope.state_day))
        overdue = (f"r.due_on < {s(scope.state_day)} AND r.created_at < {state_end} AND (r.status IN ({open_statuses}) "
                   f"OR (r.status = {s(ReviewStatus.DECIDED.value)} AND r.decided_at >= {state_end}))")
    else:
        overdue = f"r.status IN ({open_statuses}) AND r.due_on < {s(scope.today)}"

    def decision(value: Decision) -> str:
        return f"CASE WHEN r.decision = {s(value.value)} THEN 1 ELSE 0 END"

    parts = (
        "SELECT r.organization_id AS organization_id, 1 AS due, 0 AS overdue, 0 AS decided, "  # noqa: S608
        f'0 AS passed, 0 AS conditional, 0 AS failed FROM "{table}" r '
        f"WHERE r.status IN ({not_cancelled}) AND r.due_on >= {s(period.first)} AND r.due_on < {s(period.after)} "
        "UNION ALL SELECT r.organization_id, 0, 1, 0, 0, 0, 0 "
        f'FROM "{table}" r WHERE {overdue} '
        f"UNION ALL SELECT r.organization_id, 0, 0, 1, {decision(Decision.PASSED)}, "
        f"{decision(Decision.PASSED_WITH_CONDITIONS)}, {decision(Decision.FAILED)} "
        f'FROM "{table}" r WHERE r.status = {s(ReviewStatus.DECIDED.value)} '
        f"AND r.decided_at >= {s(start)} AND r.decided_at < {s(end)}")
    sums = ", ".join(f"SUM(x.{c}) AS {c}" for c in COLUMNS)
    rows = await s.rows(
        f"SELECT o.park_id AS park_id, {sums} FROM ({parts}) x "  # noqa: S608
        f'JOIN "{Organization._meta.db_table}" o ON o.id = x.organization_id '
        f"WHERE o.park_id IN ({s.many(scope.park_ids)}){domain_clause(s, scope, 'o')} GROUP BY 1")
    facts: list[list[Any]] = sorted([int(r["park_id"]), *(int(r[c] or 0) for c in COLUMNS)] for r in rows
                                    if any(r[c] for c in COLUMNS))
    return {"reviews": facts}


def _table(facts: Facts, frame: Frame) -> Table:
    filters = frame.filters
    by_park = sums_by_park(facts["reviews"], COLUMNS)
    period = filters.months

    def cells(park_id: int | None) -> list[Cell]:
        s = {c: sum(by_park.get(p, {}).get(c, 0) for p in frame.parks_of(park_id)) for c in COLUMNS}

        def link(show: str, months: str | None = None) -> str:
            return filters.link("/reviews", show=show, park=park_id or filters.park_id, domain=filters.domain_id,
                                months=months)

        return [Cell(s["due"], COUNT, link("due", period)), Cell(s["overdue"], COUNT, link("overdue")),
                Cell(s["decided"], COUNT, link("decided", period)), Cell(s["passed"], COUNT),
                Cell(s["conditional"], COUNT), Cell(s["failed"], COUNT),
                Cell(_percent(s["passed"] + s["conditional"], s["decided"]), PERCENT)]

    return Table("reviews", _("Park"), [_("Due in the period"), _("Overdue today"), _("Decided in the period"),
                                        _("Passed"), _("Passed with conditions"), _("Failed"), _("Pass rate (%)")],
                 frame.park_rows(cells), chart="bars", chart_columns=3)


def _tile(table: Table, frame: Frame, ended: bool) -> Tile | None:
    if (row := table.summary) is None:
        return None
    due, overdue = row.cells[0], row.cells[1]
    label = _("Reviews overdue at the end") if ended else _("Reviews overdue")
    return Tile("reviews", label, overdue.text, _("%(due)s due in the period", due=due.text), overdue.href)


figures = Figures(sections={"reviews": 0}, compute=compute,
                  tables=(DashboardTable("reviews", N_("Milestone reviews"), _table, _tile, order=90),))
