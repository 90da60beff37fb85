"""Raising and resolving flags. Each capability contributes a source: a function that says
which flags the current state calls for. `refresh_all` reconciles them with what is stored, so
running it twice changes nothing, a crash half-way is repaired by the next run, and a day the
server was down is caught up, because nothing depends on when the last run happened."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from incubator.flags.models import Flag
from incubator.i18n import N_, gettext, localised


@dataclass(frozen=True)
class Wanted:
    kind: str
    target_type: str
    target_id: int
    park_id: int
    organization_id: int | None = None
    period: str = ""
    due_on: date | None = None
    details: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.kind, self.target_type, self.target_id, self.period)


Source = Callable[[date], Awaitable[list[Wanted]]]
# source name → (the kinds it owns, the function)
_sources: dict[str, tuple[tuple[str, ...], Source]] = {}
SOURCE_MODULES = ("incubator.organizations.flags", "incubator.reviews.flags", "incubator.funding.flags")

LABELS = {
    "review_due": N_("%(review)s of %(organization)s is due on %(due)s"),
    "review_overdue": N_("%(review)s of %(organization)s is overdue (due %(due)s)"),
    "term_ending": N_("The incubation term of %(organization)s ends on %(due)s"),
    "unregistered": N_("%(organization)s is still unregistered %(months)s months after admission"),
    "follow_up_due": N_("Follow-up check-in with %(organization)s is due on %(due)s"),
    "tranche_ready": N_("A tranche of %(amount)s for %(organization)s (%(grant)s) is ready to pay"),
    "tranche_held": N_("A tranche of %(amount)s for %(organization)s (%(grant)s) is held"),
}


def _row(item: Wanted, now: datetime) -> Flag:
    return Flag(kind=item.kind, target_type=item.target_type, target_id=item.target_id, period=item.period,
                park_id=item.park_id, organization_id=item.organization_id, due_on=item.due_on,
                details=item.details, raised_at=now)


async def _raise(missing: list[Wanted], now: datetime) -> list[Wanted]:
    """Inserts the missing flags in one statement; if another runner raised some of them a moment
    ago (the unique constraint says so), falls back to one row at a time and skips those."""
    if not missing:
        return []
    try:
        async with in_transaction():
            await Flag.bulk_create([_row(item, now) for item in missing], batch_size=500)
        return missing
    except IntegrityError:
        pass
    raised = []
    for item in missing:
        try:
            async with in_transaction():
                await _row(item, now).save()
            raised.append(item)
        except IntegrityError:
            continue  # already raised by the other runner: the constraint keeps one
    return raised


async def _notify_managers(raised: list[Wanted]) -> None:
    """New flags go to the inboxes of their park's managers."""
    if not raised:
        return
    from incubator.auth.models import ParkManager
    from incubator.notifications import service as notifications

    links = await ParkManager.filter(park_id__in={w.park_id for w in raised}).values_list("park_id", "user_id")
    managers: dict[int, list[int]] = {}
    for park_id, user_id in links:
        managers.setdefault(park_id, []).append(user_id)
    messages = []
    for item in raised:
        link = f"/organizations/{item.organization_id}" if item.organization_id else "/flags"
        details = {**item.details, "flag_kind": item.kind, "due": item.due_on.isoformat() if item.due_on else ""}
        messages += [(user_id, link, details) for user_id in managers.get(item.park_id, [])]
    await notifications.bulk_notify("flag", messages)


def describe(kind: str, details: dict) -> str:
    """A flag in the reader's language, from its kind and stored details."""
    template = LABELS.get(kind)
    if template is None:
        return kind
    blanks = {"review": "", "organization": "", "months": "", "amount": "", "grant": "", "due": ""}
    return gettext(template, **{**blanks, **localised(details)})


def label(flag: Flag) -> str:
    return describe(flag.kind, {**flag.details, "due": flag.due_on.isoformat() if flag.due_on else ""})


def source(name: str, kinds: tuple[str, ...]) -> Callable[[Source], Source]:
    def register(func: Source) -> Source:
        _sources[name] = (kinds, func)
        return func

    return register


def _load_sources() -> None:
    import importlib

    for module in SOURCE_MODULES:
        importlib.import_module(module)


async def refresh_all(today: date | None = None) -> dict[str, int]:
    _load_sources()
    today = today or datetime.now(UTC).date()
    totals = {"raised": 0, "reopened": 0, "updated": 0, "resolved": 0, "open": 0}
    for kinds, func in _sources.values():
        counts = await reconcile(kinds, await func(today))
        for key, value in counts.items():
            totals[key] += value
    return totals


async def reconcile(kinds: tuple[str, ...], wanted: list[Wanted]) -> dict[str, int]:
    now = datetime.now(UTC)
    stored = {(f.kind, f.target_type, f.target_id, f.period): f for f in await Flag.filter(kind__in=list(kinds))}
    counts = {"raised": 0, "reopened": 0, "updated": 0, "resolved": 0, "open": len(wanted)}
    wanted_keys = set()
    missing = []
    for item in wanted:
        wanted_keys.add(item.key)
        flag = stored.get(item.key)
        if flag is None:
            missing.append(item)
        elif flag.resolved_at is not None:
            await Flag.filter(id=flag.id).update(resolved_at=None, raised_at=now, due_on=item.due_on,
                                                 details=item.details)
            counts["reopened"] += 1
        elif flag.details != item.details or flag.due_on != item.due_on:
            await Flag.filter(id=flag.id).update(due_on=item.due_on, details=item.details)
            counts["updated"] += 1
    raised = await _raise(missing, now)
    counts["raised"] = len(raised)
    await _notify_managers(raised)
    stale = [f.id for key, f in stored.items() if key not in wanted_keys and f.resolved_at is None]
    if stale:
        counts["resolved"] = await Flag.filter(id__in=stale, resolved_at__isnull=True).update(resolved_at=now)
    return counts
