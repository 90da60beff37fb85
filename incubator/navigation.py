"""The navigation each role sees. Labels are marked here and translated when shown."""

from __future__ import annotations

from incubator.access import Principal
from incubator.auth.models import Role
from incubator.i18n import N_

# (route name, label, roles that see it)
ITEMS: list[tuple[str, str, frozenset[Role]]] = [
    ("home", N_("Overview"), frozenset(Role)),
    ("parks:list", N_("Parks"), frozenset(Role)),
    ("organizations:list", N_("Organizations"), frozenset({Role.ADMIN, Role.OFFICIAL, Role.MANAGER})),
    ("users:list", N_("Accounts"), frozenset({Role.ADMIN})),
    ("reviews:list", N_("Reviews"), frozenset({Role.ADMIN, Role.OFFICIAL, Role.MANAGER, Role.EVALUATOR})),
    ("funding:funds", N_("Seed funding"), frozenset({Role.ADMIN, Role.OFFICIAL, Role.MANAGER})),
    ("flags:list", N_("Flags"), frozenset({Role.ADMIN, Role.OFFICIAL, Role.MANAGER})),
    ("audit:log", N_("Audit log"), frozenset({Role.ADMIN, Role.OFFICIAL})),
    ("jobs:runs", N_("Job runs"), frozenset({Role.ADMIN})),
    ("jobs:calendar", N_("Calendar"), frozenset({Role.ADMIN})),
]


def items_for(principal: Principal | None) -> list[tuple[str, str]]:
    if principal is None:
        return []
    items = [(name, label) for name, label, roles in ITEMS if principal.role in roles]
    if principal.is_(Role.MEMBER):
        items.insert(1, ("my_organization", N_("My organization")))
    return items
