"""Officials see every fund; managers their park's funds and the district's, and the grants to
their park's organizations; organizations only their own grants, never the ledger."""

from typing import Any

from tortoise.expressions import Q

from incubator.access import Principal, rule
from incubator.funding.models import Fund, Grant, LedgerEntry, Tranche
from incubator.roles import Role


@rule(Fund, "view")
def view_funds(p: Principal) -> Q | bool:
    if p.is_(Role.ADMIN, Role.OFFICIAL):
        return True
    if p.is_(Role.MANAGER):
        return Q(park_id__isnull=True) | Q(park_id__in=list(p.park_ids))
    return False


@rule(Fund, "change")
def change_funds(p: Principal) -> Q | bool:
    return p.is_(Role.ADMIN, Role.OFFICIAL)


@rule(LedgerEntry, "view")
def view_ledger(p: Principal) -> Q | bool:
    # A manager reads their parks' funds whole, and on a district fund only the entries of their
    # parks' organizations (the fund's totals show the rest). Members never see the ledger.
    if p.is_(Role.ADMIN, Role.OFFICIAL):
        return True
    if p.is_(Role.MANAGER):
        parks = list(p.park_ids)
        return Q(fund__park_id__in=parks) | Q(fund__park_id__isnull=True, grant__organization__park_id__in=parks)
    return False


@rule(LedgerEntry, "change")
def change_ledger(p: Principal) -> Q | bool:
    return False  # append-only, through the services


def _grants(p: Principal, prefix: str) -> Q | bool:
    filters: dict[str, Any]
    if p.is_(Role.ADMIN, Role.OFFICIAL):
        return True
    if p.is_(Role.MANAGER):
        filters = {f"{prefix}organization__park_id__in": list(p.park_ids)}
        return Q(**filters)
    if p.is_(Role.MEMBER) and p.organization_id is not None:
        filters = {f"{prefix}organization_id": p.organization_id}
        return Q(**filters)
    return False


@rule(Grant, "view")
def view_grants(p: Principal) -> Q | bool:
    return _grants(p, "")


@rule(Grant, "change")
def change_grants(p: Principal) -> Q | bool:
    return False if p.is_(Role.MEMBER) else _grants(p, "")


@rule(Tranche, "view")
def view_tranches(p: Principal) -> Q | bool:
    return _grants(p, "grant__")


@rule(Tranche, "change")
def change_tranches(p: Principal) -> Q | bool:
    return False if p.is_(Role.MEMBER, Role.OFFICIAL) else _grants(p, "grant__")
