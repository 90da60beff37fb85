"""Seed funding's part of the dashboard: the funds and the money committed, paid and payable.

Facts, in two statements:
- funds: the funds of the parks or of the district valid during the period, and those that paid
  out in it (a 2025 fund still paying 2026 tranches), with their budgets (a district fund's park
  is None: it is shown whatever the parks);
- money: by fund and the park of the grant's organization, committed and disbursed up to the
  period's end (the ledger), disbursed in the period, and tranches ready to pay today.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.expressions import Q, Subquery

from incubator.capability import DashboardTable, Figures
from incubator.figures import PERCENT, YUAN, Cell, Facts, Frame, Row, Scope, Statement, Table, Tile
from incubator.figures import percent as _percent
from incubator.funding.models import Fund, Grant, LedgerEntry, Tranche, TrancheStatus
from incubator.i18n import N_, format_compact_money
from incubator.i18n import gettext as _
from incubator.organizations.dashboard import domain_clause
from incubator.organizations.models import Organization


async def _funds(scope: Scope) -> list[list[Any]]:
    """The funds of the parks or of the district that are valid during the period or paid out in it
    (a fund whose validity has ended still pays the tranches it committed)."""
    end = scope.period.ended_by(scope.today)
    paying = LedgerEntry.filter(on_date__gte=scope.period.first, on_date__lt=end).exclude(
        disbursed_delta_fen=0).values("fund_id")
    funds = await Fund.filter(Q(park_id__isnull=True) | Q(park_id__in=list(scope.park_ids))).filter(
        Q(valid_from__lt=scope.period.after, valid_to__gte=scope.period.first) | Q(id__in=Subquery(paying))
    ).order_by("name", "id").values_list("id", "name", "park_id", "budget_fen")
    return [[int(i), str(name), park, int(budget)] for i, name, park, budget in funds]


async def _money(scope: Scope) -> list[list[Any]]:
    """By fund and the park of the grant's organization: committed and disbursed up to the period's
    end (or today), disbursed in the period, and ready to pay today; one statement."""
    s = Statement()
    ledger, grant, tranche = LedgerEntry._meta.db_table, Grant._meta.db_table, Tranche._meta.db_table
    organization = Organization._meta.db_table
    end = scope.period.ended_by(scope.today)
    first = scope.period.first
    ledger_part = (
        f"SELECT l.fund_id AS fund_id, o.park_id AS park_id, "  # noqa: S608
        f"SUM(CASE WHEN l.on_date < {s(end)} THEN l.committed_delta_fen ELSE 0 END) AS committed, "
        f"SUM(CASE WHEN l.on_date < {s(end)} THEN l.disbursed_delta_fen ELSE 0 END) AS disbursed, "
        f"SUM(CASE WHEN l.on_date >= {s(first)} AND l.on_date < {s(end)} THEN l.disbursed_delta_fen ELSE 0 END) "
        "AS paid, 0 AS ready "
        f'FROM "{ledger}" l JOIN "{grant}" g ON g.id = l.grant_id JOIN "{organization}" o ON o.id = g.organization_id '
        f"WHERE o.park_id IN ({s.many(scope.park_ids)}){domain_clause(s, scope, 'o')} GROUP BY 1, 2")
    ready_part = (
        "SELECT g.fund_id AS fund_id, o.park_id AS park_id, 0 AS committed, 0 AS disbursed, 0 AS paid, "  # noqa: S608
        f'SUM(t.amount_fen) AS ready FROM "{tranche}" t JOIN "{grant}" g ON g.id = t.grant_id '
        f'JOIN "{organization}" o ON o.id = g.organization_id '
        f"WHERE t.status = {s(TrancheStatus.READY.value)} AND o.park_id IN ({s.many(scope.park_ids)})"
        f"{domain_clause(s, scope, 'o')} GROUP BY 1, 2")
    rows = await s.rows(f"{ledger_part} UNION ALL {ready_part}")
    merged: dict[tuple[int, int], list[int]] = {}
    for r in rows:
        sums = merged.setdefault((int(r["fund_id"]), int(r["park_id"])), [0, 0, 0, 0])
        for index, name in enumerate(("committed", "disbursed", "paid", "ready")):
            sums[index] += int(r[name] or 0)
    return [[fund, park, *sums] for (fund, park), sums in sorted(merged.items())]


async def compute(scope: Scope) -> Facts:
    return {"funds": await _funds(scope), "money": await _money(scope)}


# ---- tables and tiles ------------------------------------------------------------------------


def _money_by(facts: Facts) -> dict[tuple[int, int], list[int]]:
    return {(fund, park): [committed, disbursed, paid, ready]
            for fund, park, committed, disbursed, paid, ready in facts["money"]}


def _money_cells(sums: Sequence[int], link: str | None = None) -> list[Cell]:
    """The money an official reads, each under its own name: committed (approved grants), paid out,
    committed and not yet paid (what the fund still owes), paid in the period, and payable now (the
    tranches whose conditions are met, waiting for payment)."""
    committed, disbursed, paid, ready = sums
    return [Cell(committed / 100, YUAN, link), Cell(disbursed / 100, YUAN, link),
            Cell((committed - disbursed) / 100, YUAN), Cell(paid / 100, YUAN), Cell(ready / 100, YUAN)]


MONEY_HEADERS = (N_("Committed (yuan)"), N_("Paid out (yuan)"), N_("Committed, not yet paid (yuan)"),
                 N_("Paid in the period (yuan)"), N_("Payable now (yuan)"))


def _funds_table(facts: Facts, frame: Frame) -> Table:
    filters = frame.filters
    money = _money_by(facts)
    today_names = {row[0]: row[1] for row in frame.today.get("funds", [])}  # renamed since a month closed
    rows = []
    totals = [0, 0, 0, 0, 0]
    for fund_id, name, _park, budget in facts["funds"]:
        sums = [sum(v[i] for (f, _p), v in money.items() if f == fund_id) for i in range(4)]
        totals = [a + b for a, b in zip(totals, [budget, *sums], strict=True)]
        rows.append(Row(f"fund:{fund_id}", today_names.get(fund_id, name),
                        [Cell(budget / 100, YUAN), *_money_cells(sums), Cell(_percent(sums[0], budget), PERCENT)],
                        href=f"/funds/{fund_id}"))
    if len(rows) != 1:
        rows.append(Row("total", _("Total"), [Cell(totals[0] / 100, YUAN), *_money_cells(totals[1:]),
                                              Cell(_percent(totals[1], totals[0]), PERCENT)], total=True))
    note = _("Committed and paid to the chosen parks' organizations up to the period's end; payable now: "
             "tranches whose conditions are met today, not yet paid. A fund whose validity has ended is listed "
             "while it still pays.") if filters.park_id is not None or filters.domain_id is not None else _(
        "Committed and paid up to the period's end; payable now: tranches whose conditions are met today, "
        "not yet paid. A fund whose validity has ended is listed while it still pays.")
    return Table("funds", _("Fund"), [_("Budget (yuan)"), *(_(h) for h in MONEY_HEADERS), _("Committed (%)")],
                 rows, chart="bars", chart_columns=3, note=note)


def _funds_tile(table: Table, frame: Frame, ended: bool) -> Tile | None:
    if (row := table.summary) is None:
        return None
    budget, committed, paid, _unpaid, _paid_now, _payable, share = row.cells
    return Tile("funds", _("Seed money committed"), format_compact_money(100 * (committed.value or 0)),
                _("%(share)s%% of the budget %(budget)s; %(paid)s paid out", share=share.text,
                  budget=format_compact_money(100 * (budget.value or 0)),
                  paid=format_compact_money(100 * (paid.value or 0))), "/funds",
                exact="¥" + committed.text)


def _funding_by_park_table(facts: Facts, frame: Frame) -> Table:
    filters = frame.filters
    funds = {row[0] for row in facts["funds"]}  # the funds of the table above: the same totals
    money = {key: sums for key, sums in _money_by(facts).items() if key[0] in funds}

    def cells(park_id: int | None) -> list[Cell]:
        parks = frame.parks_of(park_id)
        sums = [sum(v[i] for (_f, p), v in money.items() if p in parks) for i in range(4)]
        return _money_cells(sums, link=filters.link("/grants", park=park_id or filters.park_id))

    return Table("funding_by_park", _("Park"), [_(h) for h in MONEY_HEADERS],
                 frame.park_rows(cells), chart="bars", chart_columns=2)


figures = Figures(
    sections={"funds": 2, "money": 1},
    compute=compute,
    tables=(
        DashboardTable("funds", N_("Seed funds"), _funds_table, _funds_tile, order=50),
        DashboardTable("funding_by_park", N_("Seed funding by park"), _funding_by_park_table, order=60),
    ),
)
