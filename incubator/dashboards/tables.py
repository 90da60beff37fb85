"""The dashboard's tables, made from the facts (figures.py) of a scope: the page shows them (each
chart draws the table under it), and the exports and the monthly workbook write them. Each figure
links to the list behind it with the dashboard's filters carried along; a closed month's tables
carry, cell by cell, how much today's data differs from what was reported."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from incubator.dashboards.figures import ROOM_COLUMNS, TRAINING_COLUMNS, Facts, median_months
from incubator.dashboards.period import Period
from incubator.i18n import N_, format_compact_money, ngettext
from incubator.i18n import gettext as _
from incubator.organizations.models import REGISTRATION_LABELS, RESIDENT_STAGES, STAGE_LABELS, Registration, Stage

# How a cell's number reads and is formatted in a workbook.
COUNT, HOURS, PERCENT, YUAN, MONTHS, RATING = "count", "hours", "percent", "yuan", "months", "rating"
EXCEL_FORMATS = {COUNT: "#,##0", HOURS: "#,##0.0", PERCENT: "0.0", YUAN: "#,##0.00", MONTHS: "0.0",
                 RATING: "0.00"}
DECIMALS = {COUNT: 0, HOURS: 1, PERCENT: 1, YUAN: 2, MONTHS: 1, RATING: 2}

# The tables, in the page's order, with their titles (the workbook's sheets, the CSV files' names).
TITLES = {
    "stages": N_("Organizations by stage and park"),
    "flows": N_("Admissions, graduations and exits by month"),
    "graduation": N_("Graduation rate and months to graduate"),
    "registration": N_("Registration of resident organizations"),
    "funds": N_("Seed funds"),
    "funding_by_park": N_("Seed funding by park"),
    "training": N_("Training"),
    "rooms": N_("Room utilization"),
    "reviews": N_("Milestone reviews"),
    "domains": N_("Organizations by service domain"),
}
KEYS = tuple(TITLES)


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

    @property
    def title(self) -> str:
        return _(TITLES[self.key])

    def export_rows(self) -> list[tuple[object, ...]]:
        return [(row.label, *(export_value(c) for c in row.cells)) for row in self.rows]

    @property
    def formats(self) -> list[str | None]:
        kinds = [c.kind for c in self.rows[0].cells] if self.rows else []
        return [None, *(EXCEL_FORMATS[k] for k in kinds)]


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


def _percent(part: float, whole: float) -> float | None:
    return 100 * part / whole if whole else None


@dataclass
class Names:
    """What the tables name: parks, funds and service domains by id, in display order."""

    parks: dict[int, str]
    domains: dict[int, str]
    funds: dict[int, str] = field(default_factory=dict)


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


def _by_park(rows: Iterable[Sequence[Any]]) -> dict[int, list[Sequence[Any]]]:
    grouped: dict[int, list[Sequence[Any]]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    return grouped


def _park_rows(names: Names, filters: Filters, cells_of: Any, total_cells: list[Cell] | None) -> list[Row]:
    rows = [Row(f"park:{park_id}", name, cells_of(park_id), href=filters.dashboard(park_id))
            for park_id, name in names.parks.items()]
    if total_cells is not None and len(names.parks) != 1:
        rows.append(Row("total", _("Total"), total_cells, total=True))
    return rows


def _stages(facts: Facts, names: Names, filters: Filters) -> Table:
    counts: dict[tuple[int, str], int] = {}
    for park, stage, _registration, n in facts["stages"]:
        counts[park, stage] = counts.get((park, stage), 0) + n
    stages = list(Stage)

    def cells(park_id: int | None) -> list[Cell]:
        parks = [park_id] if park_id is not None else list(names.parks)
        values = [sum(counts.get((p, s.value), 0) for p in parks) for s in stages]
        return [*(Cell(v, COUNT, filters.organizations(park_id, stage=s.value)) for v, s in zip(values, stages,
                                                                                               strict=True)),
                Cell(sum(values), COUNT, filters.organizations(park_id))]

    return Table("stages", _("Park"), [*(_(STAGE_LABELS[s]) for s in stages), _("Total")],
                 _park_rows(names, filters, cells, cells(None)), chart="stack", chart_columns=len(stages))


def _flows(facts: Facts, names: Names, filters: Filters) -> Table:
    counts: dict[tuple[str, str], int] = {}
    for _park, kind, month, n in facts["flows"]:
        counts[kind, month] = counts.get((kind, month), 0) + n
    kinds = (("admitted", N_("Admitted")), ("graduated", N_("Graduated")), ("exited", N_("Exited")))
    months = filters.period.months
    rows = [Row(f"month:{month}", month, [Cell(counts.get((kind, month), 0), COUNT,
                                               filters.organizations(event=kind, months=month))
                                          for kind, _label in kinds]) for month in months]
    span = f"{months[0]}:{months[-1]}"
    rows.append(Row("total", _("Total"), [Cell(sum(counts.get((kind, m), 0) for m in months), COUNT,
                                               filters.organizations(event=kind, months=span))
                                          for kind, _label in kinds], total=True))
    return Table("flows", _("Month"), [_(label) for _kind, label in kinds], rows, chart="lines")


def _graduation(facts: Facts, names: Names, filters: Filters) -> Table:
    ended: dict[tuple[int, str], int] = {}
    for park, kind, _month, n in facts["flows"]:
        ended[park, kind] = ended.get((park, kind), 0) + n
    durations = _by_park(facts["durations"])
    months = filters.period.months
    span = f"{months[0]}:{months[-1]}"

    def cells(park_id: int | None) -> list[Cell]:
        parks = [park_id] if park_id is not None else list(names.parks)
        graduated = sum(ended.get((p, "graduated"), 0) for p in parks)
        exited = sum(ended.get((p, "exited"), 0) for p in parks)
        histogram = [row for p in parks for row in durations.get(p, [])]
        return [Cell(graduated, COUNT, filters.organizations(park_id, event="graduated", months=span)),
                Cell(exited, COUNT, filters.organizations(park_id, event="exited", months=span)),
                Cell(_percent(graduated, graduated + exited), PERCENT),
                Cell(median_months(histogram), MONTHS)]

    return Table("graduation", _("Park"),
                 [_("Graduated"), _("Exited"), _("Graduation rate (%)"), _("Median months to graduate")],
                 _park_rows(names, filters, cells, cells(None)), chart="bars", chart_columns=2,
                 note=_("Over the twelve months %(first)s to %(last)s; the rate is the graduates' share of "
                        "the organizations that left.", first=months[0], last=months[-1]))


def _registration(facts: Facts, names: Names, filters: Filters) -> Table:
    resident = {s.value for s in RESIDENT_STAGES}
    counts: dict[tuple[int, str], int] = {}
    for park, stage, registration, n in facts["stages"]:
        if stage in resident:
            counts[park, registration] = counts.get((park, registration), 0) + n
    overdue = {park: n for park, n in facts["overdue"]}
    statuses = list(Registration)

    def cells(park_id: int | None) -> list[Cell]:
        parks = [park_id] if park_id is not None else list(names.parks)
        return [*(Cell(sum(counts.get((p, r.value), 0) for p in parks), COUNT,
                       filters.organizations(park_id, stage="resident", registration=r.value)) for r in statuses),
                Cell(sum(overdue.get(p, 0) for p in parks), COUNT,
                     filters.link("/organizations/registration-overdue", park=park_id or filters.park_id,
                                  domain=filters.domain_id))]

    return Table("registration", _("Park"), [*(_(REGISTRATION_LABELS[r]) for r in statuses),
                                             _("Registration overdue")],
                 _park_rows(names, filters, cells, cells(None)), chart="stack", chart_columns=len(statuses))


def _money(facts: Facts) -> dict[tuple[int, int], list[int]]:
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


def _funds(facts: Facts, names: Names, filters: Filters) -> Table:
    money = _money(facts)
    rows = []
    totals = [0, 0, 0, 0, 0]
    for fund_id, name, _park, budget in facts["funds"]:
        sums = [sum(v[i] for (f, _p), v in money.items() if f == fund_id) for i in range(4)]
        totals = [a + b for a, b in zip(totals, [budget, *sums], strict=True)]
        rows.append(Row(f"fund:{fund_id}", names.funds.get(fund_id, name),
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


def _funding_by_park(facts: Facts, names: Names, filters: Filters) -> Table:
    funds = {row[0] for row in facts["funds"]}  # the funds of the table above: the same totals
    money = {key: sums for key, sums in _money(facts).items() if key[0] in funds}

    def cells(park_id: int | None) -> list[Cell]:
        parks = [park_id] if park_id is not None else list(names.parks)
        sums = [sum(v[i] for (_f, p), v in money.items() if p in parks) for i in range(4)]
        return _money_cells(sums, link=filters.link("/grants", park=park_id or filters.park_id))

    return Table("funding_by_park", _("Park"), [_(h) for h in MONEY_HEADERS],
                 _park_rows(names, filters, cells, cells(None)), chart="bars", chart_columns=2)


def _training(facts: Facts, names: Names, filters: Filters) -> Table:
    by_park = {row[0]: dict(zip(TRAINING_COLUMNS, row[1:], strict=True)) for row in facts["training"]}
    year = filters.period.first.year

    def cells(park_id: int | None) -> list[Cell]:
        parks = [park_id] if park_id is not None else list(names.parks)
        s = {c: sum(by_park.get(p, {}).get(c, 0) for p in parks) for c in TRAINING_COLUMNS}
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
                 _park_rows(names, filters, cells, cells(None)), chart="bars", chart_columns=2,
                 note=_("Sessions held in the period, whatever the organizations' service domains."))


def _rooms(facts: Facts, names: Names, filters: Filters) -> Table:
    by_park = {row[0]: dict(zip(ROOM_COLUMNS, row[1:], strict=True)) for row in facts["rooms"]}

    def cells(park_id: int | None) -> list[Cell]:
        parks = [park_id] if park_id is not None else list(names.parks)
        s = {c: sum(by_park.get(p, {}).get(c, 0) for p in parks) for c in ROOM_COLUMNS}
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
                 _park_rows(names, filters, cells, cells(None)), chart="bars", chart_columns=2,
                 note=_("The bookable spaces' opening hours in the period, whatever the organizations' "
                        "service domains."))


def _reviews(facts: Facts, names: Names, filters: Filters) -> Table:
    columns = ("due", "overdue", "decided", "passed", "conditional", "failed")
    by_park = {row[0]: dict(zip(columns, row[1:], strict=True)) for row in facts["reviews"]}
    period = filters.months

    def cells(park_id: int | None) -> list[Cell]:
        parks = [park_id] if park_id is not None else list(names.parks)
        s = {c: sum(by_park.get(p, {}).get(c, 0) for p in parks) for c in columns}

        def link(show: str, months: str | None = None) -> str:
            return filters.link("/reviews", show=show, park=park_id or filters.park_id, domain=filters.domain_id,
                                months=months)

        return [Cell(s["due"], COUNT, link("due", period)), Cell(s["overdue"], COUNT, link("overdue")),
                Cell(s["decided"], COUNT, link("decided", period)), Cell(s["passed"], COUNT),
                Cell(s["conditional"], COUNT), Cell(s["failed"], COUNT),
                Cell(_percent(s["passed"] + s["conditional"], s["decided"]), PERCENT)]

    return Table("reviews", _("Park"), [_("Due in the period"), _("Overdue today"), _("Decided in the period"),
                                        _("Passed"), _("Passed with conditions"), _("Failed"), _("Pass rate (%)")],
                 _park_rows(names, filters, cells, cells(None)), chart="bars", chart_columns=3)


def _domains(facts: Facts, names: Names, filters: Filters) -> Table:
    counts: dict[int, int] = {}
    for _park, domain, n in facts["domains"]:
        counts[domain] = counts.get(domain, 0) + n
    rows = [Row(f"domain:{domain_id}", name, [Cell(counts.get(domain_id, 0), COUNT,
                                                   filters.link("/organizations", park=filters.park_id,
                                                                domain=domain_id))])
            for domain_id, name in names.domains.items()
            if filters.domain_id is None or domain_id == filters.domain_id]
    return Table("domains", _("Service domain"), [_("Organizations")], rows, chart="pie",
                 note=_("Resident and graduated organizations; one with several domains counts in each."))


BUILDERS = {"stages": _stages, "flows": _flows, "graduation": _graduation, "registration": _registration,
            "funds": _funds, "funding_by_park": _funding_by_park, "training": _training, "rooms": _rooms,
            "reviews": _reviews, "domains": _domains}


def build(facts: Facts, names: Names, filters: Filters, live: Facts | None = None) -> list[Table]:
    """Every table of the facts; with `live` (today's facts of a closed month), each cell carries
    how much today's figure differs from the reported one."""
    tables = [BUILDERS[key](facts, names, filters) for key in KEYS]
    if live is not None:
        for table, today in zip(tables, (BUILDERS[key](live, names, filters) for key in KEYS), strict=True):
            _mark_revisions(table, today)
    return tables


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


def _summary_row(table: Table) -> Row | None:
    """The row of every park together: the total, or the one park's row."""
    return next((r for r in table.rows if r.total), table.rows[0] if len(table.rows) == 1 else None)


def tiles(built: list[Table], filters: Filters, ended: bool) -> list[Tile]:
    """The official's questions, answered from the tables' own totals (so a tile never disagrees with
    its table): organizations in residence, graduates and their median time, seed money committed and
    paid against the budget, training hours delivered, room utilization, reviews overdue (at the
    period's end once it has `ended`)."""
    by_key = {t.key: t for t in built}
    shown: list[Tile] = []

    def total(key: str) -> Row | None:
        table = by_key.get(key)
        return _summary_row(table) if table is not None else None

    if (row := total("stages")) is not None:
        stages = list(Stage)
        resident = sum(int(c.value or 0) for c, s in zip(row.cells, stages, strict=False) if s in RESIDENT_STAGES)
        applied = sum(int(c.value or 0) for c, s in zip(row.cells, stages, strict=False)
                      if s in (Stage.APPLIED, Stage.SCREENING))
        shown.append(Tile("stages", _("Resident organizations"), fmt(resident, COUNT),
                          _("%(applying)s applying · %(all)s in all", applying=fmt(applied, COUNT),
                            all=row.cells[-1].text),
                          filters.organizations(stage="resident")))
    if (row := total("graduation")) is not None:
        graduated, _exited, _rate, median = row.cells
        months = filters.period.months
        detail = (_("median %(months)s months from admission", months=median.text) if median.value is not None
                  else _("no graduates in these months"))
        shown.append(Tile("graduation", _("Graduated %(first)s to %(last)s", first=months[0], last=months[-1]),
                          graduated.text, detail, graduated.href))
    funds = by_key.get("funds")
    if funds is not None and (row := _summary_row(funds)) is not None:
        budget, committed, paid, _unpaid, _paid_now, _payable, share = row.cells
        shown.append(Tile("funds", _("Seed money committed"), format_compact_money(100 * (committed.value or 0)),
                          _("%(share)s%% of the budget %(budget)s; %(paid)s paid out", share=share.text,
                            budget=format_compact_money(100 * (budget.value or 0)),
                            paid=format_compact_money(100 * (paid.value or 0))), "/funds",
                          exact="¥" + committed.text))
    if (row := total("training")) is not None:
        sessions, hours = row.cells[0], row.cells[1]
        shown.append(Tile("training", _("Training hours delivered"), hours.text,
                          ngettext("%(num)s session held", "%(num)s sessions held", int(sessions.value or 0)),
                          sessions.href))
    if (row := total("rooms")) is not None:
        booked, checked_in = row.cells[2], row.cells[3]
        shown.append(Tile("rooms", _("Rooms booked"), booked.text + ("%" if booked.value is not None else ""),
                          _("of the bookable hours; %(share)s%% checked in", share=checked_in.text),
                          row.cells[1].href))
    if (row := total("reviews")) is not None:
        due, overdue = row.cells[0], row.cells[1]
        label = _("Reviews overdue at the end") if ended else _("Reviews overdue")
        shown.append(Tile("reviews", label, overdue.text,
                          _("%(due)s due in the period", due=due.text), overdue.href))
    return shown
