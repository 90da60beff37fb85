"""The organizations' part of the dashboard: where they stand, how they came and went, their
registration and their service domains.

Facts, summed by the database in four statements whatever the number of organizations:
- stages: every organization of the parks by stage and registration status at the end of the
  period, or today while the period runs (`Scope.state_day`): a stage is read back from the
  organization's timeline, a registration from its filing and registration dates, so a month
  closed on the 8th of the next holds the month's state, and today's recount of it compares like
  with like;
- flows: admissions, graduations and exits by month, over the twelve months ending with the period;
- durations: the graduates of those twelve months by whole months from admission to graduation
  (the median is read from this histogram);
- overdue: organizations still unregistered after their park's months (the organizations' rule),
  on the state day;
- domains: organizations resident or graduated on the state day, by service domain.

`domain_clause` narrows another capability's statement to the organizations of a service domain.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.functions import Count

from incubator.capability import DashboardTable, Figures
from incubator.clock import local_instant
from incubator.figures import COUNT, MONTHS, PERCENT, Cell, Facts, Frame, Row, Scope, Statement, Table, Tile, fmt
from incubator.figures import by_park as _by_park
from incubator.figures import percent as _percent
from incubator.i18n import N_
from incubator.i18n import gettext as _
from incubator.organizations import service as organizations
from incubator.organizations.models import (
    REGISTRATION_LABELS,
    RESIDENT_STAGES,
    STAGE_LABELS,
    Organization,
    OrganizationDomain,
    Registration,
    Stage,
    StageChange,
    TimelineKind,
)

# Organizations counted in the distribution by service domain.
COUNTED_IN_DOMAINS = tuple(sorted(s.value for s in (*RESIDENT_STAGES, Stage.GRADUATED)))


def domain_clause(statement: Statement, scope: Scope, organization: str) -> str:
    """" AND …": the organization (an alias in the statement) is in the scope's service domain."""
    if scope.domain_id is None:
        return ""
    return (f" AND EXISTS (SELECT 1 FROM \"{OrganizationDomain._meta.db_table}\" od "  # noqa: S608
            f"WHERE od.organization_id = {organization}.id AND od.domain_id = {statement(scope.domain_id)})")


def _state(statement: Statement, scope: Scope, organization: str, registration_too: bool = True
           ) -> tuple[str, str, str]:
    """SQL for an organization's stage and registration on the scope's state day, and the condition
    that it existed then. Today's columns while the period runs; once it has ended, the stage is
    the last one its timeline reached before the day (or, if the timeline only moves after it, the
    stage the first later move left; without a timeline, today's), and the registration the latest
    of its dated filing and registration by then ("preparing" when both came later; today's when
    neither has a date). An imported organization counts from its admission. (Every parameter made
    must be used: PostgreSQL refuses one whose type it cannot tell, so the registration is optional.)"""
    if not scope.historical:
        return f"{organization}.stage", f"{organization}.registration", ""
    end = statement(local_instant(scope.state_day))
    day = statement(scope.state_day)
    stage_kind = statement(TimelineKind.STAGE.value)
    changes = StageChange._meta.db_table
    stage = (f'COALESCE((SELECT sc.to_stage FROM "{changes}" sc WHERE sc.organization_id = {organization}.id '  # noqa: S608
             f"AND sc.kind = {stage_kind} AND sc.at < {end} ORDER BY sc.at DESC, sc.id DESC LIMIT 1), "
             f'(SELECT NULLIF(sc.from_stage, \'\') FROM "{changes}" sc WHERE sc.organization_id = {organization}.id '
             f"AND sc.kind = {stage_kind} AND sc.at >= {end} ORDER BY sc.at, sc.id LIMIT 1), {organization}.stage)")

    def text(value: str) -> str:  # PostgreSQL cannot tell a bare parameter's type in a CASE's branches
        return f"CAST({statement(value)} AS VARCHAR(16))"

    registration = "" if not registration_too else (
        f"CASE WHEN {organization}.registered_on < {day} THEN {text(Registration.REGISTERED.value)} "
        f"WHEN {organization}.filed_on < {day} THEN {text(Registration.FILED.value)} "
        f"WHEN {organization}.registered_on IS NULL AND {organization}.filed_on IS NULL "
        f"THEN {organization}.registration ELSE {text(Registration.PREPARING.value)} END")
    # An organization admitted before the day existed then, even if its record is younger (imported).
    existed = f" AND ({organization}.created_at < {end} OR {organization}.admitted_on < {day})"
    return stage, registration, existed


# ---- facts -----------------------------------------------------------------------------------


async def _stages(scope: Scope) -> list[list[Any]]:
    s = Statement()
    stage, registration, existed = _state(s, scope, "o")
    rows = await s.rows(
        f"SELECT x.park_id AS park_id, x.stage AS stage, x.registration AS registration, COUNT(*) AS n "  # noqa: S608
        f"FROM (SELECT o.park_id AS park_id, {stage} AS stage, {registration} AS registration "
        f'FROM "{Organization._meta.db_table}" o '
        f"WHERE o.park_id IN ({s.many(scope.park_ids)}){existed}{domain_clause(s, scope, 'o')}) x "
        "GROUP BY x.park_id, x.stage, x.registration")
    return sorted([int(r["park_id"]), str(r["stage"]), str(r["registration"]), int(r["n"])] for r in rows)


async def _flows_and_durations(scope: Scope) -> tuple[list[list[Any]], list[list[Any]]]:
    """Admissions, graduations and exits by park and month, and the graduates' months, in one statement."""
    s = Statement()
    table = Organization._meta.db_table
    first, after = scope.period.window
    parts = []
    for kind, column in (("admitted", "admitted_on"), ("graduated", "graduated_on"), ("exited", "exited_on")):
        parts.append(
            f"SELECT o.park_id AS park_id, '{kind}' AS kind, {s.month('o.' + column)} AS month, "  # noqa: S608
            f'CAST(NULL AS INTEGER) AS months, COUNT(*) AS n FROM "{table}" o '
            f"WHERE o.park_id IN ({s.many(scope.park_ids)}) AND o.{column} >= {s(first)} "
            f"AND o.{column} < {s(after)}{domain_clause(s, scope, 'o')} GROUP BY 1, 3")
    months = s.whole_months("o.admitted_on", "o.graduated_on")
    parts.append(
        f"SELECT o.park_id AS park_id, 'months' AS kind, NULL AS month, {months} AS months, "  # noqa: S608
        f'COUNT(*) AS n FROM "{table}" o '
        f"WHERE o.park_id IN ({s.many(scope.park_ids)}) AND o.graduated_on >= {s(first)} "
        f"AND o.graduated_on < {s(after)} AND o.admitted_on IS NOT NULL AND o.admitted_on <= o.graduated_on"
        f"{domain_clause(s, scope, 'o')} GROUP BY 1, 4")
    rows = await s.rows(" UNION ALL ".join(parts))
    flows = sorted([int(r["park_id"]), str(r["kind"]), str(r["month"]), int(r["n"])]
                   for r in rows if r["kind"] != "months")
    durations = sorted([int(r["park_id"]), int(r["months"]), int(r["n"])] for r in rows if r["kind"] == "months")
    return flows, durations


async def _overdue(scope: Scope) -> list[list[Any]]:
    organizations_of = Organization.filter(park_id__in=list(scope.park_ids))
    if scope.domain_id is not None:
        organizations_of = organizations_of.filter(id__in=organizations.in_domain(scope.domain_id))
    late = await organizations.registration_overdue(organizations_of, scope.state_day)
    rows = await late.group_by("park_id").annotate(n=Count("id")).values_list("park_id", "n")
    return sorted([int(park), int(n)] for park, n in rows)


async def _domains(scope: Scope) -> list[list[Any]]:
    s = Statement()
    only = f" AND od.domain_id = {s(scope.domain_id)}" if scope.domain_id is not None else ""
    stage, _registration, existed = _state(s, scope, "o", registration_too=False)
    rows = await s.rows(
        f'SELECT o.park_id AS park_id, od.domain_id AS domain_id, COUNT(*) AS n '  # noqa: S608
        f'FROM "{OrganizationDomain._meta.db_table}" od JOIN "{Organization._meta.db_table}" o '
        f"ON o.id = od.organization_id WHERE o.park_id IN ({s.many(scope.park_ids)}) "
        f"AND {stage} IN ({s.many(COUNTED_IN_DOMAINS)}){existed}{only} GROUP BY 1, 2")
    return sorted([int(r["park_id"]), int(r["domain_id"]), int(r["n"])] for r in rows)


async def compute(scope: Scope) -> Facts:
    """Four statements and one grouped query."""
    flows, durations = await _flows_and_durations(scope)
    return {"stages": await _stages(scope), "flows": flows, "durations": durations,
            "overdue": await _overdue(scope), "domains": await _domains(scope)}


def median_months(durations: Sequence[Sequence[Any]]) -> float | None:
    """The median of a histogram of whole months ([park, months, count] rows, summed over parks)."""
    counts: dict[int, int] = {}
    for _park, months, n in durations:
        counts[months] = counts.get(months, 0) + n
    total = sum(counts.values())
    if not total:
        return None
    ordered = sorted(counts.items())

    def at(position: int) -> int:  # the position-th value (0-based) of the sorted durations
        seen = 0
        for months, n in ordered:
            seen += n
            if position < seen:
                return months
        raise AssertionError("unreachable")

    return (at((total - 1) // 2) + at(total // 2)) / 2


# ---- tables and tiles ------------------------------------------------------------------------


def _stages_table(facts: Facts, frame: Frame) -> Table:
    filters = frame.filters
    counts: dict[tuple[int, str], int] = {}
    for park, stage, _registration, n in facts["stages"]:
        counts[park, stage] = counts.get((park, stage), 0) + n
    stages = list(Stage)

    def cells(park_id: int | None) -> list[Cell]:
        parks = frame.parks_of(park_id)
        values = [sum(counts.get((p, s.value), 0) for p in parks) for s in stages]
        return [*(Cell(v, COUNT, filters.organizations(park_id, stage=s.value)) for v, s in zip(values, stages,
                                                                                               strict=True)),
                Cell(sum(values), COUNT, filters.organizations(park_id))]

    return Table("stages", _("Park"), [*(_(STAGE_LABELS[s]) for s in stages), _("Total")],
                 frame.park_rows(cells), chart="stack", chart_columns=len(stages))


def _stages_tile(table: Table, frame: Frame, ended: bool) -> Tile | None:
    if (row := table.summary) is None:
        return None
    stages = list(Stage)
    resident = sum(int(c.value or 0) for c, s in zip(row.cells, stages, strict=False) if s in RESIDENT_STAGES)
    applied = sum(int(c.value or 0) for c, s in zip(row.cells, stages, strict=False)
                  if s in (Stage.APPLIED, Stage.SCREENING))
    return Tile("stages", _("Resident organizations"), fmt(resident, COUNT),
                _("%(applying)s applying · %(all)s in all", applying=fmt(applied, COUNT), all=row.cells[-1].text),
                frame.filters.organizations(stage="resident"))


def _flows_table(facts: Facts, frame: Frame) -> Table:
    filters = frame.filters
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


def _graduation_table(facts: Facts, frame: Frame) -> Table:
    filters = frame.filters
    ended: dict[tuple[int, str], int] = {}
    for park, kind, _month, n in facts["flows"]:
        ended[park, kind] = ended.get((park, kind), 0) + n
    durations = _by_park(facts["durations"])
    months = filters.period.months
    span = f"{months[0]}:{months[-1]}"

    def cells(park_id: int | None) -> list[Cell]:
        parks = frame.parks_of(park_id)
        graduated = sum(ended.get((p, "graduated"), 0) for p in parks)
        exited = sum(ended.get((p, "exited"), 0) for p in parks)
        histogram = [row for p in parks for row in durations.get(p, [])]
        return [Cell(graduated, COUNT, filters.organizations(park_id, event="graduated", months=span)),
                Cell(exited, COUNT, filters.organizations(park_id, event="exited", months=span)),
                Cell(_percent(graduated, graduated + exited), PERCENT),
                Cell(median_months(histogram), MONTHS)]

    return Table("graduation", _("Park"),
                 [_("Graduated"), _("Exited"), _("Graduation rate (%)"), _("Median months to graduate")],
                 frame.park_rows(cells), chart="bars", chart_columns=2,
                 note=_("Over the twelve months %(first)s to %(last)s; the rate is the graduates' share of "
                        "the organizations that left.", first=months[0], last=months[-1]))


def _graduation_tile(table: Table, frame: Frame, ended: bool) -> Tile | None:
    if (row := table.summary) is None:
        return None
    graduated, _exited, _rate, median = row.cells
    months = frame.filters.period.months
    detail = (_("median %(months)s months from admission", months=median.text) if median.value is not None
              else _("no graduates in these months"))
    return Tile("graduation", _("Graduated %(first)s to %(last)s", first=months[0], last=months[-1]),
                graduated.text, detail, graduated.href)


def _registration_table(facts: Facts, frame: Frame) -> Table:
    filters = frame.filters
    resident = {s.value for s in RESIDENT_STAGES}
    counts: dict[tuple[int, str], int] = {}
    for park, stage, registration, n in facts["stages"]:
        if stage in resident:
            counts[park, registration] = counts.get((park, registration), 0) + n
    overdue = {park: n for park, n in facts["overdue"]}
    statuses = list(Registration)

    def cells(park_id: int | None) -> list[Cell]:
        parks = frame.parks_of(park_id)
        return [*(Cell(sum(counts.get((p, r.value), 0) for p in parks), COUNT,
                       filters.organizations(park_id, stage="resident", registration=r.value)) for r in statuses),
                Cell(sum(overdue.get(p, 0) for p in parks), COUNT,
                     filters.link("/organizations/registration-overdue", park=park_id or filters.park_id,
                                  domain=filters.domain_id))]

    return Table("registration", _("Park"), [*(_(REGISTRATION_LABELS[r]) for r in statuses),
                                             _("Registration overdue")],
                 frame.park_rows(cells), chart="stack", chart_columns=len(statuses))


def _domains_table(facts: Facts, frame: Frame) -> Table:
    filters = frame.filters
    counts: dict[int, int] = {}
    for _park, domain, n in facts["domains"]:
        counts[domain] = counts.get(domain, 0) + n
    rows = [Row(f"domain:{domain_id}", name, [Cell(counts.get(domain_id, 0), COUNT,
                                                   filters.link("/organizations", park=filters.park_id,
                                                                domain=domain_id))])
            for domain_id, name in frame.domains.items()
            if filters.domain_id is None or domain_id == filters.domain_id]
    return Table("domains", _("Service domain"), [_("Organizations")], rows, chart="pie",
                 note=_("Resident and graduated organizations; one with several domains counts in each."))


figures = Figures(
    sections={"stages": 0, "flows": 0, "durations": 0, "overdue": 0, "domains": 0},
    compute=compute,
    tables=(
        DashboardTable("stages", N_("Organizations by stage and park"), _stages_table, _stages_tile, order=10),
        DashboardTable("flows", N_("Admissions, graduations and exits by month"), _flows_table, order=20),
        DashboardTable("graduation", N_("Graduation rate and months to graduate"), _graduation_table,
                       _graduation_tile, order=30),
        DashboardTable("registration", N_("Registration of resident organizations"), _registration_table,
                       order=40),
        DashboardTable("domains", N_("Organizations by service domain"), _domains_table, order=100),
    ),
)
