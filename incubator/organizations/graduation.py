"""Graduation criteria: a checklist each capability contributes checks to in its manifest.

A check is an async function of the organization returning a `Check`. Only capabilities that
exist contribute: training hours arrive with training, the passed graduation review with
reviews — nothing is faked here in the meantime.
"""

from __future__ import annotations

from dataclasses import dataclass

from incubator import capability
from incubator.i18n import gettext as _
from incubator.i18n import list_separator
from incubator.organizations.models import Organization, OrganizationDomain, Registration


@dataclass(frozen=True)
class Check:
    key: str
    label: str
    met: bool
    missing: str = ""  # what is still missing, in the user's language


def registered_criteria() -> list[str]:
    """The keys of every criterion the installed capabilities declare."""
    return [item.key for item in capability.criteria()]


async def evaluate(organization: Organization) -> list[Check]:
    return [await item.check(organization) for item in capability.criteria()]


async def unmet(organization: Organization) -> list[Check]:
    return [check for check in await evaluate(organization) if not check.met]


async def registered(organization: Organization) -> Check:
    met = organization.registration == Registration.REGISTERED
    return Check("registered", _("Registered with civil affairs (unified social credit code)"), met,
                 "" if met else _("Registration status is %(status)s.", status=organization.registration_label))


async def profile_complete(organization: Organization) -> Check:
    missing = []
    if not organization.legal_representative:
        missing.append(_("legal representative"))
    if not organization.contact_person or not organization.mobile:
        missing.append(_("contact person and mobile phone"))
    if not await OrganizationDomain.filter(organization_id=organization.id).exists():
        missing.append(_("service domains"))
    return Check("profile", _("Profile complete for publicity"), not missing,
                 _("Missing: %(items)s.", items=list_separator().join(missing)) if missing else "")
