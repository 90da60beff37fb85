"""Administration: the history of job runs."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from incubator import access
from incubator.i18n import gettext as _
from incubator.jobs.models import JobLease, JobRun
from incubator.jobs.service import RUN_STATUS_LABELS, describe_run
from incubator.roles import Role
from incubator.web import current, paginate, render


async def job_runs(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN)
    page = await paginate(request, access.scope(JobRun, principal).order_by("-started_at", "-id"))
    context = {"runs": page.rows, "page": page, "lease": await JobLease.all().first(),
               "describe": describe_run, "status_labels": {k: _(v) for k, v in RUN_STATUS_LABELS.items()}}
    return render(request, "jobs/runs.html", context)


routes = [
    Route("/jobs", job_runs, methods=["GET"], name="jobs:runs"),
]
