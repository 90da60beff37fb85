"""The dashboard's figures, summed by the database: a fixed number of grouped queries whatever the
number of parks, organizations, bookings or seats.

The figures are kept as *facts*, rows keyed by park (the funds by fund and park), plain numbers
only, so that the figures of any set of parks are their rows' sum, and so that a closed month's
snapshot (a JSON copy of the facts) is read back exactly like today's.

What each counts:
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
- funds: the funds valid during the period, and those that paid out in it (a 2025 fund still
  paying 2026 tranches), their budgets; money: by fund and the park of the
  grant's organization, committed and disbursed up to the period's end (the ledger), disbursed in
  the period, and tranches ready to pay today;
- training: sessions held in the period (training.figures); rooms: the period's utilization
  (booking.utilization); neither is narrowed by service domain;
- reviews: due in the period (not cancelled), open and overdue on the state day, decided in the
  period and their decisions;
- domains: organizations resident or graduated on the state day, by service domain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count

from incubator.booking.utilization import park_utilization
from incubator.clock import local_instant
from incubator.dashboards.period import Period
from incubator.funding.models import Fund, Grant, LedgerEntry, Tranche, TrancheStatus
from incubator.organizations import service as organizations
from incubator.organizations.models import (
    RESIDENT_STAGES,
    Organization,
    OrganizationDomain,
    Registration,
    Stage,
    StageChange,
    TimelineKind,
)
from incubator.reviews.models import OPEN_STATUSES, Decision, Review, ReviewStatus
from incubator.training.figures import Figures as TrainingFigures
from incubator.training.figures import park_figures

Facts = dict[str, Any]
SECTIONS = ("stages", "flows", "durations", "overdue", "funds", "money", "training", "rooms", "reviews", "domains")
# Organizations counted in the distribution by service domain.
COUNTED_IN_DOMAINS = tuple(sorted(s.value for s in (*RESIDENT_STAGES, Stage.GRADUATED)))
TRAINING_COLUMNS = ("sessions", "session_minutes", "signed_up", "attended", "absent", "attended_minutes",
                    "responses", "rating_sum", "satisfied")
ROOM_COLUMNS = ("open_minutes", "blocked_minutes", "booked_minutes", "checked_in_minutes", "no_shows",
                "no_show_minutes")


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


class _Statement:
    """One statement's text and its parameters, numbered ("?1" on SQLite, "$1" on PostgreSQL) so
    that a condition written once may appear several times and in any order."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
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


def _connection() -> Any:
    return Organization._meta.db


def _domain_clause(statement: _Statement, scope: Scope, organization: str) -> str:
    if scope.domain_id is None:
        return ""
    return (f" AND EXISTS (SELECT 1 FROM \"{OrganizationDomain._meta.db_table}\" od "  # noqa: S608
            f"WHERE od.organization_id = {organization}.id AND od.domain_id = {statement(scope.domain_id)})")


async def _rows(statement: _Statement, sql: str) -> list[dict[str, Any]]:
    return await _connection().execute_query_dict(sql, statement.params)


def _state(statement: _Statement, scope: Scope, organization: str, registration_too: bool = True
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


async def _stages(scope: Scope) -> list[list[Any]]:
    s = _Statement(_connection().capabilities.dialect)
    stage, registration, existed = _state(s, scope, "o")
    rows = await _rows(s, (
        f"SELECT x.park_id AS park_id, x.stage AS stage, x.registration AS registration, COUNT(*) AS n "  # noqa: S608
        f"FROM (SELECT o.park_id AS park_id, {stage} AS stage, {registration} AS registration "
        f'FROM "{Organization._meta.db_table}" o '
        f"WHERE o.park_id IN ({s.many(scope.park_ids)}){existed}{_domain_clause(s, scope, 'o')}) x "
        "GROUP BY x.park_id, x.stage, x.registration"))
    return sorted([int(r["park_id"]), str(r["stage"]), str(r["registration"]), int(r["n"])] for r in rows)


async def _flows_and_durations(scope: Scope) -> tuple[list[list[Any]], list[list[Any]]]:
    """Admissions, graduations and exits by park and month, and the graduates' months, in one statement."""
    s = _Statement(_connection().capabilities.dialect)
    table = Organization._meta.db_table
    first, after = scope.period.window
    parts = []
    for kind, column in (("admitted", "admitted_on"), ("graduated", "graduated_on"), ("exited", "exited_on")):
        parts.append(
            f"SELECT o.park_id AS park_id, '{kind}' AS kind, {s.month('o.' + column)} AS month, "  # noqa: S608
            f'CAST(NULL AS INTEGER) AS months, COUNT(*) AS n FROM "{table}" o '
            f"WHERE o.park_id IN ({s.many(scope.park_ids)}) AND o.{column} >= {s(first)} "
            f"AND o.{column} < {s(after)}{_domain_clause(s, scope, 'o')} GROUP BY 1, 3")
    months = s.whole_months("o.admitted_on", "o.graduated_on")
    parts.append(
        f"SELECT o.park_id AS park_id, 'months' AS kind, NULL AS month, {months} AS months, "  # noqa: S608
        f'COUNT(*) AS n FROM "{table}" o '
        f"WHERE o.park_id IN ({s.many(scope.park_ids)}) AND o.graduated_on >= {s(first)} "
        f"AND o.graduated_on < {s(after)} AND o.admitted_on IS NOT NULL AND o.admitted_on <= o.graduated_on"
        f"{_domain_clause(s, scope, 'o')} GROUP BY 1, 4")
    rows = await _rows(s, " UNION ALL ".join(parts))
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
    s = _Statement(_connection().capabilities.dialect)
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
        f"WHERE o.park_id IN ({s.many(scope.park_ids)}){_domain_clause(s, scope, 'o')} GROUP BY 1, 2")
    ready_part = (
        "SELECT g.fund_id AS fund_id, o.park_id AS park_id, 0 AS committed, 0 AS disbursed, 0 AS paid, "  # noqa: S608
        f'SUM(t.amount_fen) AS ready FROM "{tranche}" t JOIN "{grant}" g ON g.id = t.grant_id '
        f'JOIN "{organization}" o ON o.id = g.organization_id '
        f"WHERE t.status = {s(TrancheStatus.READY.value)} AND o.park_id IN ({s.many(scope.park_ids)})"
        f"{_domain_clause(s, scope, 'o')} GROUP BY 1, 2")
    rows = await _rows(s, f"{ledger_part} UNION ALL {ready_part}")
    merged: dict[tuple[int, int], list[int]] = {}
    for r in rows:
        sums = merged.setdefault((int(r["fund_id"]), int(r["park_id"])), [0, 0, 0, 0])
        for index, name in enumerate(("committed", "disbursed", "paid", "ready")):
            sums[index] += int(r[name] or 0)
    return [[fund, park, *sums] for (fund, park), sums in sorted(merged.items())]


async def _training(scope: Scope) -> list[list[Any]]:
    report = await park_figures(list(scope.park_ids), scope.period.first, scope.period.after)
    parks: dict[int, TrainingFigures] = {}
    for (park, _topic, _month), row in report.rows.items():  # one pass over the grouped rows
        parks.setdefault(park, TrainingFigures()).add(row)
    return [[park, *(getattr(figures, c) for c in TRAINING_COLUMNS)] for park, figures in sorted(parks.items())]


async def _rooms(scope: Scope) -> list[list[Any]]:
    figures = await park_utilization(list(scope.park_ids), scope.period.first, scope.period.after)
    return [[park, *(getattr(f, c) for c in ROOM_COLUMNS)] for park, f in sorted(figures.items())
            if any(getattr(f, c) for c in ROOM_COLUMNS)]


async def _reviews(scope: Scope) -> list[list[Any]]:
    """Three bounded reads, each through an index of its own (due in the period and open-and-overdue:
    status and due date; decided in the period: status and decision time), summed by park in one
    statement: never a scan of every review."""
    s = _Statement(_connection().capabilities.dialect)
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
    columns = ("due", "overdue", "decided", "passed", "conditional", "failed")
    sums = ", ".join(f"SUM(x.{c}) AS {c}" for c in columns)
    rows = await _rows(s, (
        f"SELECT o.park_id AS park_id, {sums} FROM ({parts}) x "  # noqa: S608
        f'JOIN "{Organization._meta.db_table}" o ON o.id = x.organization_id '
        f"WHERE o.park_id IN ({s.many(scope.park_ids)}){_domain_clause(s, scope, 'o')} GROUP BY 1"))
    return sorted([int(r["park_id"]), *(int(r[c] or 0) for c in columns)] for r in rows
                  if any(r[c] for c in columns))


async def _domains(scope: Scope) -> list[list[Any]]:
    s = _Statement(_connection().capabilities.dialect)
    only = f" AND od.domain_id = {s(scope.domain_id)}" if scope.domain_id is not None else ""
    stage, _registration, existed = _state(s, scope, "o", registration_too=False)
    rows = await _rows(s, (
        f'SELECT o.park_id AS park_id, od.domain_id AS domain_id, COUNT(*) AS n '  # noqa: S608
        f'FROM "{OrganizationDomain._meta.db_table}" od JOIN "{Organization._meta.db_table}" o '
        f"ON o.id = od.organization_id WHERE o.park_id IN ({s.many(scope.park_ids)}) "
        f"AND {stage} IN ({s.many(COUNTED_IN_DOMAINS)}){existed}{only} GROUP BY 1, 2"))
    return sorted([int(r["park_id"]), int(r["domain_id"]), int(r["n"])] for r in rows)


async def compute(scope: Scope) -> Facts:
    """Every section's facts for the scope: 12 queries (training and rooms two each)."""
    if not scope.park_ids:
        return {name: [] for name in SECTIONS}
    flows, durations = await _flows_and_durations(scope)
    return {
        "stages": await _stages(scope),
        "flows": flows,
        "durations": durations,
        "overdue": await _overdue(scope),
        "funds": await _funds(scope),
        "money": await _money(scope),
        "training": await _training(scope),
        "rooms": await _rooms(scope),
        "reviews": await _reviews(scope),
        "domains": await _domains(scope),
    }


def narrowed(facts: Facts, park_ids: frozenset[int] | set[int]) -> Facts:
    """The facts of some of the parks only (a closed month's snapshot holds every park's)."""
    result: Facts = {}
    for name, rows in facts.items():
        if name == "funds":
            result[name] = [row for row in rows if row[2] is None or row[2] in park_ids]
        elif name == "money":
            result[name] = [row for row in rows if row[1] in park_ids]
        elif name in SECTIONS:
            result[name] = [row for row in rows if row[0] in park_ids]
    return result


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
