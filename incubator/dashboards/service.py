"""Who reads which dashboard, the dashboard of a scope (live, or a closed month's reported figures
with today's revisions), and closing and reopening a month."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Case, F, Q, When

from incubator import access, clock, db, events, i18n
from incubator.access import Principal
from incubator.audit import service as audit
from incubator.dashboards import figures, forms, tables
from incubator.dashboards.models import ClosedMonth
from incubator.errors import Conflict, DomainError, NotFound, ValidationFailed
from incubator.figures import Facts, Filters, Frame, Scope, Table, Tile
from incubator.i18n import gettext as _
from incubator.organizations.models import ServiceDomain
from incubator.parks.models import Park
from incubator.period import Period
from incubator.roles import Role
from incubator.workdays import add_months

VIEWERS = (Role.ADMIN, Role.OFFICIAL, Role.MANAGER)
CLOSERS = (Role.ADMIN, Role.OFFICIAL)


@dataclass
class Dashboard:
    parks: list[Park]  # the parks the reader may choose from (their scope)
    domains: list[ServiceDomain]  # the active service domains, for the filter
    filters: Filters
    park: Park | None  # the park chosen
    tiles: list[Tile]  # the summary above the tables
    tables: list[Table]
    as_at: date | None  # an ended period's last day, whose end stocks (stages, open reviews) are counted at
    closed: ClosedMonth | None  # the period is a closed (or reopened) month (without its snapshot)
    reported: bool  # the tables show the closed month's reported figures (not narrowed by domain)
    revised: int  # cells today's data has revised since closing
    actions: frozenset[str]  # "close", "reopen"
    months: list[ClosedMonth]  # the months closed or reopened in the last two years, latest first


def reader(principal: Principal | None) -> Principal:
    return access.require_role(principal, *VIEWERS)


def closer(principal: Principal | None) -> Principal:
    return access.require_role(principal, *CLOSERS)


def readable_parks(principal: Principal) -> Any:
    """The parks whose figures the reader sees: every park for administrators and officials, their
    own for managers (everyone may see that a park exists; not its figures)."""
    parks = access.scope(Park, principal)
    return parks if principal.is_(Role.ADMIN, Role.OFFICIAL) else parks.filter(id__in=list(principal.park_ids))


def month_actions(principal: Principal, period: Period, closed: ClosedMonth | None, today: date) -> frozenset[str]:
    """What the reader may do with the period: close a month that has ended, reopen a closed one."""
    if not principal.is_(*CLOSERS) or not period.is_month:
        return frozenset()
    if closed is not None and closed.is_closed:
        return frozenset({"reopen"})
    return frozenset({"close"}) if period.after <= today else frozenset()


async def _domains() -> list[ServiceDomain]:
    return list(await ServiceDomain.filter(is_active=True).only("id", "name_zh", "name_en").order_by("sort", "id"))


async def dashboard(principal: Principal, period: Period, park_id: int | None, domain_id: int | None,
                    today: date | None = None) -> Dashboard:
    """The figures of the parks the reader may see (or the one chosen), narrowed to a service
    domain if one is chosen. A closed month (without a domain) shows what was reported, each cell
    with today's revision. 15 queries whatever the period, the scope and the data."""
    reader(principal)
    today = today or clock.today()
    parks = list(await readable_parks(principal).only("id", "name_zh", "name_en", "kind").order_by("id"))
    park = next((p for p in parks if p.id == park_id), None)
    if park_id is not None and park is None:
        raise NotFound(_("Not found."))
    domains = await _domains()
    if domain_id is not None and domain_id not in {d.id for d in domains}:
        # Refused as an unknown park is: left out, the unfiltered figures would show as the domain's.
        raise NotFound(_("Not found."))
    chosen = [park] if park is not None else parks
    scope = Scope(tuple(p.id for p in chosen), domain_id, period, today)
    filters = Filters(period, park.id if park else None, domain_id)
    locale = i18n.current_locale()
    months, closed, snapshot = await _months(principal, period, today)
    live = await figures.compute(scope)
    frame = Frame(filters, {p.id: p.display_name(locale) for p in chosen},
                  {d.id: d.display_name(locale) for d in domains}, today=live)
    reported = snapshot is not None and domain_id is None
    if snapshot is not None and reported:
        shown = figures.narrowed(snapshot, set(scope.park_ids))
        built = tables.build(shown, frame, live)
    else:
        built = tables.build(live, frame)
    return Dashboard(parks, domains, filters, park, tables.tiles(built, frame, scope.historical), built,
                     date.fromordinal(scope.state_day.toordinal() - 1) if scope.historical else None,
                     closed, reported,
                     tables.revised(built) if reported else 0, month_actions(principal, period, closed, today),
                     months)


async def _months(principal: Principal, period: Period, today: date
                  ) -> tuple[list[ClosedMonth], ClosedMonth | None, Facts | None]:
    """The months closed or reopened in the last two years, latest first; the period's own; and its
    snapshot if it is closed. One query: a snapshot is read for the period shown only."""
    recent = Period.month_of(add_months(today, -24)).key
    wanted = access.scope(ClosedMonth, principal).filter(Q(month__gte=recent) | Q(month=period.key))
    months = list(await wanted.annotate(
        snapshot=Case(When(month=period.key, then=F("facts")), default=None)).only(
        "id", "month", "is_closed", "closed_at", "closed_by_name", "reopened_at", "reopened_by_name",
        "reopen_reason", "snapshot").order_by("-month"))
    shown = next((m for m in months if m.month == period.key), None) if period.is_month else None
    facts = None
    if shown is not None and shown.is_closed:
        snapshot = shown.snapshot  # type: ignore[attr-defined]  # the annotation: the JSON as stored
        facts = json.loads(snapshot) if isinstance(snapshot, str | bytes) else snapshot
    return [m for m in months if m.month >= recent], shown, facts


async def close_month(principal: Principal, month: str, today: date | None = None) -> ClosedMonth:
    """Closes an ended month: every park's figures are kept as its snapshot (audited)."""
    access.require_role(principal, *CLOSERS)
    today = today or clock.today()
    period = Period.parse(month, today)
    if not period.is_month or period.key != month.strip():
        raise ValidationFailed({"month": _("Choose a month.")})
    if period.after > today:
        raise DomainError(_("A month can be closed once it has ended."))
    try:
        async with events.transaction() as connection:
            await db.serialize(connection, ClosedMonth._meta.db_table, f"closed_month:{month}")
            row = await ClosedMonth.get_or_none(month=month)
            if row is not None and row.is_closed:
                raise Conflict(_("%(month)s is already closed.", month=month))
            park_ids = tuple(p.id for p in await Park.all().order_by("id").only("id"))
            facts = await figures.compute(Scope(park_ids, None, period, today))
            now, user = clock.now(), principal.user
            values: dict[str, Any] = {"is_closed": True, "facts": facts, "closed_at": now, "closed_by_id": user.id,
                      "closed_by_name": str(user)[:100]}
            if row is None:
                row = await ClosedMonth.create(month=month, **values)
            else:
                await ClosedMonth.filter(id=row.id).update(**values)
                await row.refresh_from_db()
            await audit.record(principal, "update", row, {"is_closed": [False, True]})
    except IntegrityError:
        raise Conflict(_("%(month)s is already closed.", month=month)) from None
    return row


async def reopen_month(principal: Principal, command: forms.Reopen) -> ClosedMonth:
    """Reopens a closed month, for a reason (audited): its figures are live again until closed anew."""
    access.require_role(principal, *CLOSERS)
    month, reason = command.month, command.reason
    async with events.transaction():
        row = await ClosedMonth.get_or_none(month=month)
        if row is None:
            raise NotFound(_("Not found."))
        moved = await ClosedMonth.filter(id=row.id, is_closed=True).update(
            is_closed=False, reopened_at=clock.now(), reopened_by_name=str(principal.user)[:100],
            reopen_reason=reason)
        if not moved:
            raise Conflict(_("%(month)s is not closed.", month=month))
        await audit.record(principal, "update", row, {"is_closed": [True, False], "reopen_reason": [None, reason]})
        await row.refresh_from_db()
    return row


async def district_name(configured: str) -> str:
    if configured:
        return configured
    hub = await Park.filter(kind="hub").order_by("id").only("id", "name_zh").first()
    return hub.name_zh if hub is not None else ""
