"""Raising and resolving flags. Each capability contributes sources in its manifest: functions
that say which flags the current state calls for. `refresh_all` reconciles them with what is stored, so
running it twice changes nothing, a crash half-way is repaired by the next run, and a day the
server was down is caught up, because nothing depends on when the last run happened."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from tortoise.exceptions import IntegrityError

from incubator import capability, clock, events
from incubator.flags.models import Flag
from incubator.i18n import N_, gettext, localised
from incubator.parks.models import Park


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


@dataclass(frozen=True)
class _Stored:
    id: int
    resolved: bool
    details: dict
    due_on: date | None


def _row(item: Wanted, now: datetime) -> Flag:
    return Flag(kind=item.kind, target_type=item.target_type, target_id=item.target_id, period=item.period,
                park_id=item.park_id, organization_id=item.organization_id, due_on=item.due_on,
                details=item.details, raised_at=now)


async def _managers_of(park_ids: set[int]) -> dict[int, list[int]]:
    from incubator.auth.models import ParkManager

    managers: dict[int, list[int]] = {}
    for park_id, user_id in await ParkManager.filter(park_id__in=park_ids).values_list("park_id", "user_id"):
        managers.setdefault(park_id, []).append(user_id)
    return managers


def _messages(items: list[Wanted], managers: dict[int, list[int]]) -> list[tuple[int, str, dict]]:
    """The inbox messages that new flags send: one to each manager of the flag's park."""
    messages = []
    for item in items:
        link = f"/organizations/{item.organization_id}" if item.organization_id else "/flags"
        details = {**item.details, "flag_kind": item.kind, "due": item.due_on.isoformat() if item.due_on else ""}
        messages += [(user_id, link, details) for user_id in managers.get(item.park_id, [])]
    return messages


async def _raise(missing: list[Wanted], now: datetime) -> list[Wanted]:
    """Inserts the missing flags in one statement and their managers' inbox messages in another,
    in one transaction: a crash at any instant leaves both or neither, and the next run raises
    (and announces) whatever is still missing. If another runner raised some of them a moment
    ago (the unique constraint says so), falls back to one flag at a time, each with its own
    messages, and skips those: that runner announced them in its own transaction."""
    from incubator.notifications import service as notifications

    if not missing:
        return []
    managers = await _managers_of({w.park_id for w in missing})
    try:
        async with events.transaction():
            await Flag.bulk_create([_row(item, now) for item in missing], batch_size=500)
            await notifications.bulk_notify("flag", _messages(missing, managers), at=now)
        return missing
    except IntegrityError:
        pass
    raised = []
    for item in missing:
        try:
            async with events.transaction():
                await _row(item, now).save()
                await notifications.bulk_notify("flag", _messages([item], managers), at=now)
            raised.append(item)
        except IntegrityError:
            continue  # already raised (and announced) by the other runner: the constraint keeps one
    return raised


PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def describe(kind: str, details: dict) -> str:
    """A flag in the reader's language, from its kind and stored details."""
    known = capability.flag_kinds().get(kind)
    if known is None:
        return kind
    blanks = dict.fromkeys(PLACEHOLDER.findall(known.sentence), "")
    return gettext(known.sentence, **{**blanks, **localised(details)})


def named(zh: str, en: str | None, key: str = "organization") -> dict[str, str]:
    """A name in a flag's details, in both languages: `localised` shows the English one to an
    English reader (kept only when there is one, so that a name without one changes nothing)."""
    return {key: zh, f"{key}_en": en} if en else {key: zh}


# What a list of flags shows (label, park, link), and all it reads of a flag.
LIST_COLUMNS = ("id", "kind", "park_id", "organization_id", "details", "due_on")


async def parks_of(flags: list[Flag]) -> dict[int, Park]:
    """The parks the flags belong to, for their rows (one query, names only)."""
    ids = {flag.park_id for flag in flags}
    return {park.id: park for park in await Park.filter(id__in=list(ids)).only("id", "name_zh", "name_en")}


def label(flag: Flag) -> str:
    return describe(flag.kind, {**flag.details, "due": flag.due_on.isoformat() if flag.due_on else ""})


def describe_message(details: dict) -> str:
    """The inbox message of a new flag (the flags capability declares it in its manifest)."""
    return gettext(N_("New flag: %(flag)s"), flag=describe(details.get("flag_kind", ""), details))


async def refresh_all(today: date | None = None) -> dict[str, int]:
    """Every capability's flag sources, reconciled with what is stored."""
    today = today or clock.today()
    totals = {"raised": 0, "reopened": 0, "updated": 0, "resolved": 0, "open": 0}
    for source in capability.flag_sources():
        counts = await reconcile(tuple(kind.key for kind in source.kinds), await source.find(today))
        for key, value in counts.items():
            totals[key] += value
    return totals


async def reconcile(kinds: tuple[str, ...], wanted: list[Wanted]) -> dict[str, int]:
    """Raises, reopens, updates and resolves so that the stored flags of these kinds are the wanted
    ones. Reads the stored flags as plain rows (a city has thousands), and writes only what differs:
    an unchanged rerun is one read per source."""
    now = clock.now()
    stored = {
        (kind, target_type, target_id, period): _Stored(flag_id, resolved_at is not None, details, due_on)
        for flag_id, kind, target_type, target_id, period, resolved_at, details, due_on in await Flag.filter(
            kind__in=list(kinds)).values_list("id", "kind", "target_type", "target_id", "period", "resolved_at",
                                              "details", "due_on")
    }
    counts = {"raised": 0, "reopened": 0, "updated": 0, "resolved": 0, "open": len(wanted)}
    wanted_keys = set()
    missing = []
    for item in wanted:
        wanted_keys.add(item.key)
        flag = stored.get(item.key)
        if flag is None:
            missing.append(item)
        elif flag.resolved:
            await Flag.filter(id=flag.id).update(resolved_at=None, raised_at=now, due_on=item.due_on,
                                                 details=item.details)
            counts["reopened"] += 1
        elif flag.details != item.details or flag.due_on != item.due_on:
            await Flag.filter(id=flag.id).update(due_on=item.due_on, details=item.details)
            counts["updated"] += 1
    counts["raised"] = len(await _raise(missing, now))
    stale = [f.id for key, f in stored.items() if key not in wanted_keys and not f.resolved]
    if stale:
        counts["resolved"] = await Flag.filter(id__in=stale, resolved_at__isnull=True).update(resolved_at=now)
    return counts
