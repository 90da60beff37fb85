"""The navigation each role sees: the overview, then what the installed capabilities declare
in their manifests. Labels are marked where declared and translated when shown."""

from __future__ import annotations

from incubator import capability
from incubator.access import Principal
from incubator.i18n import N_


def items_for(principal: Principal | None) -> list[tuple[str, str]]:
    if principal is None:
        return []
    role = principal.role.value
    return [("home", N_("Overview"))] + [(item.route, item.label) for item in capability.nav_items()
                                         if role in item.roles]
