"""The working-day calendar is read by those who plan reviews and corrected by administrators."""

from tortoise.expressions import Q

from incubator.access import Principal, rule
from incubator.calendar.models import WorkdayOverride
from incubator.roles import Role


@rule(WorkdayOverride, "view")
def view_overrides(p: Principal) -> Q | bool:
    return p.is_(Role.ADMIN, Role.OFFICIAL, Role.MANAGER)


@rule(WorkdayOverride, "change")
def change_overrides(p: Principal) -> Q | bool:
    return p.is_(Role.ADMIN)
