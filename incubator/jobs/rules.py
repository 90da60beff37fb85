"""Job runs and the working-day calendar are administration."""

from tortoise.expressions import Q

from incubator.access import Principal, rule
from incubator.auth.models import Role
from incubator.calendar.models import WorkdayOverride
from incubator.jobs.models import JobRun


@rule(JobRun, "view")
def view_job_runs(p: Principal) -> Q | bool:
    return p.is_(Role.ADMIN)


@rule(JobRun, "change")
def change_job_runs(p: Principal) -> Q | bool:
    return False


@rule(WorkdayOverride, "view")
def view_overrides(p: Principal) -> Q | bool:
    return p.is_(Role.ADMIN, Role.OFFICIAL, Role.MANAGER)


@rule(WorkdayOverride, "change")
def change_overrides(p: Principal) -> Q | bool:
    return p.is_(Role.ADMIN)
