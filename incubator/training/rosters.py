"""An organization's roster: the people its members sign up for training. A person who left is kept
(with their hours) but no longer offered for sign-up.
"""

from __future__ import annotations

from incubator import access, events
from incubator.access import Principal
from incubator.audit import service as audit
from incubator.errors import PermissionDenied
from incubator.i18n import gettext as _
from incubator.roles import Role
from incubator.training.commands import SavePerson
from incubator.training.models import Person


def keeps_roster(principal: Principal) -> bool:
    return principal.is_(Role.MEMBER) and principal.organization_id is not None


def _roster_owner(principal: Principal) -> int:
    if not keeps_roster(principal) or principal.organization_id is None:
        raise PermissionDenied(_("Only an organization's members keep its roster."))
    return principal.organization_id


async def add_person(principal: Principal, command: SavePerson) -> Person:
    organization_id = _roster_owner(principal)
    async with events.transaction():
        person = await Person.create(organization_id=organization_id, name=command.name.strip(),
                                     phone=command.phone.strip(), role=command.role)
        await audit.record(principal, "create", person, audit.diff({}, {
            "name": person.name, "phone": person.phone, "role": person.role.value}))
    return person


async def update_person(principal: Principal, person_id: int, command: SavePerson) -> Person:
    _roster_owner(principal)
    person = await access.get_or_404(Person, principal, "change", id=person_id)
    async with events.transaction():
        await audit.save_and_record(principal, person, {
            "name": command.name.strip(), "phone": command.phone.strip(), "role": command.role},
            ["name", "phone", "role"])
    return person


async def set_person_active(principal: Principal, person_id: int, active: bool) -> Person:
    """A person who left is kept (with their hours) but no longer offered for sign-up."""
    _roster_owner(principal)
    person = await access.get_or_404(Person, principal, "change", id=person_id)
    async with events.transaction():
        await audit.save_and_record(principal, person, {"is_active": active}, ["is_active"])
    return person
