"""What the organization pages share: choice lists and fetching an organization to manage."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from starlette.requests import Request

from incubator import access
from incubator.access import Principal
from incubator.i18n import current_locale
from incubator.i18n import gettext as _
from incubator.organizations.models import Organization, ServiceDomain
from incubator.roles import Role
from incubator.web import current, path_int

E = TypeVar("E", bound=StrEnum)


def choices(labels: Mapping[E, str]) -> list[tuple[str, str]]:
    return [(key.value, _(label)) for key, label in labels.items()]


async def active_domains(principal: Principal | None = None) -> list[ServiceDomain]:
    domains = access.scope(ServiceDomain, principal) if principal else ServiceDomain.all()  # public form: no principal
    return await domains.filter(is_active=True).order_by("sort", "id")


async def domain_options(principal: Principal | None = None) -> list[tuple[int, str]]:
    return [(d.id, d.display_name(current_locale())) for d in await active_domains(principal)]


async def managed(request: Request) -> tuple[Principal, Organization]:
    """A page only the organization's park managers (and administrators) open."""
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    organization = await access.get_or_404(Organization, principal, "change", id=path_int(request, "id"))
    return principal, organization
