"""Writing and reading the audit trail.

`record()` must be called inside the service's transaction, so the entry commits or
rolls back together with the change it describes.
"""

from __future__ import annotations

import contextvars
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.models import Model

from incubator import clock, events
from incubator.audit.models import AuditEntry
from incubator.errors import Conflict
from incubator.i18n import N_, gettext

# Set by the request middleware, so services need not pass the address around.
request_address: contextvars.ContextVar[str] = contextvars.ContextVar("request_address", default="")

ACTION_LABELS = {
    "create": N_("created"),
    "update": N_("changed"),
    "delete": N_("deleted"),
    "login": N_("signed in"),
    "logout": N_("signed out"),
    "password_change": N_("changed the password"),
    "password_reset": N_("reset the password"),
    "sessions_end": N_("ended sessions"),
    "revoke": N_("revoked"),
    "accept": N_("accepted"),
}


def action_label(action: str) -> str:
    return gettext(ACTION_LABELS[action]) if action in ACTION_LABELS else action


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in sorted(value, key=str)] if isinstance(value, set | frozenset) else [
            _plain(v) for v in value
        ]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def snapshot(obj: Model, fields: list[str]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields whose value changed."""
    keys = list(dict.fromkeys([*before, *after]))
    return {
        key: [_plain(before.get(key)), _plain(after.get(key))]
        for key in keys
        if _plain(before.get(key)) != _plain(after.get(key))
    }


async def save_and_record(actor: Any, obj: Model, values: dict[str, Any], fields: list[str]) -> dict:
    """Apply `values` to `obj`, save them and record what changed (nothing when nothing did).
    Runs inside the caller's transaction. Only these columns are written (and the row's auto-now
    timestamps): a copy read earlier in the request must not write back a column someone else
    changed meanwhile, such as an organization's stage."""
    before = snapshot(obj, fields)
    for name, value in values.items():
        setattr(obj, name, value)
    stamps = [name for name, field in obj._meta.fields_map.items() if getattr(field, "auto_now", False)]
    await obj.save(update_fields=[*values, *stamps])
    changes = diff(before, snapshot(obj, fields))
    if changes:
        await record(actor, "update", obj, changes)
    return changes


async def record(
    actor: Any,
    action: str,
    obj: Model | None = None,
    changes: dict[str, list[Any]] | None = None,
    *,
    object_type: str | None = None,
    object_id: Any = None,
    object_repr: str | None = None,
) -> AuditEntry:
    user = getattr(actor, "user", actor)  # a Principal or a User
    return await AuditEntry.create(
        at=clock.now(),
        actor_id=getattr(user, "id", None),
        actor_name=(str(user) if user is not None else "system")[:100],
        action=action,
        object_type=object_type or (type(obj).__name__ if obj is not None else ""),
        object_id=str(object_id if object_id is not None else getattr(obj, "pk", "")),
        object_repr=(object_repr if object_repr is not None else str(obj or ""))[:200],
        changes=_plain(changes or {}),
        address=request_address.get()[:64],
    )


S = TypeVar("S", bound=Model)


async def save_settings(actor: Any, model: type[S], key: dict[str, Any], after: dict[str, Any], audited: Model) -> S:
    """Stores settings kept in one row per owner (a space's booking rules, a park's quota or training
    settings), made on the first save and audited on their owner. Two first saves at the same moment
    meet the owner's unique column: the one that lost is told to look again."""
    try:
        async with events.transaction():
            row = await model.get_or_none(**key)
            before = {name: getattr(row, name) for name in after} if row else {}
            if row is None:
                row = await model.create(**key, **after)
            else:
                await model.filter(pk=row.pk).update(**after)
                for name, value in after.items():
                    setattr(row, name, value)
            await record(actor, "update", audited, diff(before, after))
    except IntegrityError:
        raise Conflict(gettext("These settings were changed meanwhile; look again.")) from None
    return row
