"""How the audit trail is read: each capability names the kinds of object it audits, their
fields and their coded values, so the log shows labels in the reader's language, never
`committed_fen`, `<Grant>` or `pass`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from incubator import capability
from incubator.i18n import N_, format_money, gettext, list_separator


@dataclass(frozen=True)
class Field:
    label: str  # marked with N_, translated when shown
    values: Mapping[Any, str] = field(default_factory=dict)  # code (str or StrEnum) → label (N_)
    money: bool = False  # integer fen
    show: Callable[[Any], str] | None = None  # for structured values


@dataclass(frozen=True)
class ObjectKind:
    label: str
    fields: dict[str, Field]


# Fields many kinds of object share.
COMMON: dict[str, Field] = {
    "reason": Field(N_("Reason")),
    "note": Field(N_("Note")),
    "name": Field(N_("Name")),
    "name_zh": Field(N_("Name (Chinese)")),
    "name_en": Field(N_("Name (English)")),
    "description": Field(N_("Description")),
    "email": Field(N_("Email")),
    "is_active": Field(N_("Active")),
    "filename": Field(N_("File")),
    "sha256": Field(N_("SHA-256 checksum")),
    "title": Field(N_("Title")),
    "kind": Field(N_("Kind")),
    "status": Field(N_("Status")),
}


def _kinds() -> dict[str, ObjectKind]:
    return _kinds_of(capability.generation())


@cache
def _kinds_of(generation: int) -> dict[str, ObjectKind]:
    """Each capability names the objects it audits in its manifest (capability.AuditKind)."""
    found: dict[str, ObjectKind] = {}
    for kind in capability.audit_kinds():
        known = found.get(kind.object_type)
        fields = dict(known.fields) if known else {}
        fields |= {name: spec if isinstance(spec, Field) else Field(spec) for name, spec in kind.fields.items()}
        found[kind.object_type] = ObjectKind(known.label if known else kind.label, fields)
    return found


def kinds() -> dict[str, str]:
    """object type → its label (untranslated), for the log's filter."""
    return {name: kind.label for name, kind in _kinds().items()}


def object_label(object_type: str) -> str:
    kind = _kinds().get(object_type)
    return gettext(kind.label) if kind else object_type


def _field(object_type: str, name: str) -> Field | None:
    kind = _kinds().get(object_type)
    return (kind.fields.get(name) if kind else None) or COMMON.get(name)


def field_label(object_type: str, name: str) -> str:
    spec = _field(object_type, name)
    return gettext(spec.label) if spec else name


def value_text(object_type: str, name: str, value: Any) -> str:
    """A stored before/after value as the reader should see it."""
    if value is None or value == "" or value == []:
        return "—"
    spec = _field(object_type, name)
    if spec and spec.show:
        return spec.show(value)
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, list):
        return list_separator().join(value_text(object_type, name, item) for item in value)
    if spec and spec.money and isinstance(value, int):
        return format_money(value)
    if spec and str(value) in spec.values:
        return gettext(spec.values[str(value)])
    return str(value)
