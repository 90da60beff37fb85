"""The working-day calendar with the administrator's overrides applied."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from tortoise.transactions import in_transaction

from incubator.access import Principal, require_role
from incubator.audit import service as audit
from incubator.calendar.models import WorkdayOverride
from incubator.i18n import gettext as _
from incubator.roles import Role
from incubator.validation import Checker


async def overrides() -> dict[date, bool]:
    return dict(await WorkdayOverride.all().values_list("day", "is_working"))


async def set_override(principal: Principal, data: Mapping[str, str]) -> WorkdayOverride:
    require_role(principal, Role.ADMIN)
    check = Checker(data)
    raw = check.raw("day")
    day = None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        check.fail("day", _("Enter a date as YYYY-MM-DD, for example 2026-03-01."))
    kind = check.one_of("is_working", ("1", "0"))
    note = check.text("note", 100)
    check.done()
    assert day is not None
    async with in_transaction():
        override = await WorkdayOverride.get_or_none(day=day)
        before = {"is_working": override.is_working, "note": override.note} if override else {}
        if override is None:
            override = await WorkdayOverride.create(day=day, is_working=kind == "1", note=note)
        else:
            await WorkdayOverride.filter(id=override.id).update(is_working=kind == "1", note=note)
        await audit.record(principal, "update" if before else "create", override,
                           audit.diff(before, {"is_working": kind == "1", "note": note}), object_repr=day.isoformat())
    return override


async def remove_override(principal: Principal, override: WorkdayOverride) -> None:
    require_role(principal, Role.ADMIN)
    async with in_transaction():
        await WorkdayOverride.filter(id=override.id).delete()
        await audit.record(principal, "delete", override, {"is_working": [override.is_working, None]},
                           object_repr=override.day.isoformat())
