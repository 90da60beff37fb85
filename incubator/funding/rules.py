"""Officials see every fund; managers their park's funds and the district's, and the grants to
their park's organizations; organizations only their own grants, never the ledger."""

from tortoise.expressions import Q

from incubator.access import ADMINS, Principal, ladder, rule
from incubator.funding.models import Fund, Grant, LedgerEntry, Tranche
from incubator.roles import Role


@rule(Fund, "view")
def view_funds(p: Principal) -> Q | bool:
    return ladder(p, park=lambda parks: Q(park_id__isnull=True) | Q(park_id__in=parks))  # and the district's


@rule(Fund, "change")
def change_funds(p: Principal) -> Q | bool:
    return p.is_(Role.ADMIN, Role.OFFICIAL)


@rule(LedgerEntry, "view")
def view_ledger(p: Principal) -> Q | bool:
    # A manager reads their parks' funds whole, and on a district fund only the entries of their
    # parks' organizations (the fund's totals show the rest). Members never see the ledger.
    return ladder(p, park=lambda parks: Q(fund__park_id__in=parks)
                  | Q(fund__park_id__isnull=True, grant__organization__park_id__in=parks))


@rule(LedgerEntry, "change")
def change_ledger(p: Principal) -> Q | bool:
    return False  # append-only, through the services


@rule(Grant, "view")
def view_grants(p: Principal) -> Q | bool:
    return ladder(p, park="organization__park_id", organization="organization_id")


@rule(Grant, "change")
def change_grants(p: Principal) -> Q | bool:
    return ladder(p, park="organization__park_id")  # officials approve; organizations never change a grant


@rule(Tranche, "view")
def view_tranches(p: Principal) -> Q | bool:
    return ladder(p, park="grant__organization__park_id", organization="grant__organization_id")


@rule(Tranche, "change")
def change_tranches(p: Principal) -> Q | bool:
    return ladder(p, park="grant__organization__park_id", everything=ADMINS)
