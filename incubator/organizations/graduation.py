"""Graduation criteria: a list each capability contributes checks to.

A check is an async function of the organization returning a `Check`; register it with
`@criterion`. Only capabilities that exist contribute: training hours arrive with training,
the passed graduation review with reviews — nothing is faked here in the meantime.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from incubator.i18n import gettext as _
from incubator.organizations.models import Organization, OrganizationDomain, Registration


@dataclass(frozen=True)
class Check:
    key: str
    label: str
    met: bool
    missing: str = ""  # what is still missing, in the user's language


Criterion = Callable[[Organization], Awaitable[Check]]
_criteria: list[tuple[str, Criterion]] = []


def criterion(key: str) -> Callable[[Criterion], Criterion]:
    def register(func: Criterion) -> Criterion:
        if any(existing == key for existing, _ in _criteria):
            raise RuntimeError(f"graduation criterion {key!r} registered twice")
        _criteria.append((key, func))
        return func

    return register


# Capabilities that contribute checks; imported on first use (they build on organizations).
CONTRIBUTORS = ("incubator.reviews.scoring",)


async def evaluate(organization: Organization) -> list[Check]:
    import importlib

    for module in CONTRIBUTORS:
        importlib.import_module(module)
    return [await func(organization) for _, func in _criteria]


async def unmet(organization: Organization) -> list[Check]:
    return [check for check in await evaluate(organization) if not check.met]


@criterion("registered")
async def registered(organization: Organization) -> Check:
    met = organization.registration == Registration.REGISTERED
    return Check("registered", _("Registered with civil affairs (unified social credit code)"), met,
                 "" if met else _("Registration status is %(status)s.", status=organization.registration_label))


@criterion("profile")
async def profile_complete(organization: Organization) -> Check:
    missing = []
    if not organization.legal_representative:
        missing.append(_("legal representative"))
    if not organization.contact_person or not organization.mobile:
        missing.append(_("contact person and mobile phone"))
    if not await OrganizationDomain.filter(organization_id=organization.id).exists():
        missing.append(_("service domains"))
    return Check("profile", _("Profile complete for publicity"), not missing,
                 _("Missing: %(items)s.", items="、".join(missing)) if missing else "")
