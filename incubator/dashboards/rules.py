"""Who sees closed months: whoever reads the dashboards (administrators, officials and park
managers: a snapshot holds only figures, each page narrows it to the reader's parks); who closes
and reopens them: administrators and officials."""

from tortoise.expressions import Q

from incubator.access import Principal, rule
from incubator.dashboards.models import ClosedMonth
from incubator.roles import Role


@rule(ClosedMonth, "view")
def view_closed_months(p: Principal) -> Q | bool:
    return p.is_(Role.ADMIN, Role.OFFICIAL, Role.MANAGER)


@rule(ClosedMonth, "change")
def change_closed_months(p: Principal) -> Q | bool:
    return p.is_(Role.ADMIN, Role.OFFICIAL)
