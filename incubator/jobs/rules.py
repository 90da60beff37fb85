"""Job runs are for administrators."""

from tortoise.expressions import Q

from incubator.access import Principal, rule
from incubator.jobs.models import JobRun
from incubator.roles import Role


@rule(JobRun, "view")
def view_job_runs(p: Principal) -> Q | bool:
    return p.is_(Role.ADMIN)


@rule(JobRun, "change")
def change_job_runs(p: Principal) -> Q | bool:
    return False
