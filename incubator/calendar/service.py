"""The working-day calendar with the administrator's overrides applied. Services take typed
commands (`commands.py`), never request data."""

from __future__ import annotations

from datetime import date

from tortoise.exceptions import IntegrityError

from incubator import events
from incubator.access import Principal, require_role
from incubator.audit import service as audit
from incubator.calendar.commands import SetOverride
from incubator.calendar.models import WorkdayOverride
from incubator.roles import Role


async def overrides() -> dict[date, bool]:
    return dict(await WorkdayOverride.all().values_list("day", "is_working"))


def may_correct(principal: Principal) -> bool:
    """Administrators correct the calendar; officials and managers read it."""
    return principal.is_(Role.ADMIN)


async def set_override(principal: Principal, command: SetOverride) -> WorkdayOverride:
    require_role(principal, Role.ADMIN)
    try:
        return await _set_override(principal, command)
    except IntegrityError:
        # Another administrator saved the same day at the same moment: theirs is stored; this
        # change applies over it.
        return await _set_override(principal, command)


async def _set_override(principal: Principal, command: SetOverride) -> WorkdayOverride:
    day, note = command.day, command.note
    async with events.transaction():
        override = await WorkdayOverride.get_or_none(day=day)
        before = {"is_working": override.is_working, "note": override.note} if override else {}
        if override is None:
            override = await WorkdayOverride.create(day=day, is_working=command.is_working, note=note)
        else:
            await WorkdayOverride.filter(id=override.id).update(is_working=command.is_working, note=note)
        await audit.record(principal, "update" if before else "create", override,
                           audit.diff(before, {"is_working": command.is_working, "note": note}),
                           object_repr=day.isoformat())
    return override


async def remove_override(principal: Principal, override: WorkdayOverride) -> None:
    require_role(principal, Role.ADMIN)
    async with events.transaction():
        await WorkdayOverride.filter(id=override.id).delete()
        await audit.record(principal, "delete", override, {"is_working": [override.is_working, None]},
                           object_repr=override.day.isoformat())
