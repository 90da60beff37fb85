"""The dashboard (district or park: the same page at the reader's scope), its tables as .xlsx and
CSV, the monthly report workbook, and closing and reopening a month."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from incubator import clock, exports
from incubator.dashboards import forms, report, service, tables
from incubator.dashboards.pages import DashboardPage
from incubator.errors import DomainError, NotFound, ValidationFailed
from incubator.i18n import gettext as _
from incubator.pagecache import cached
from incubator.period import Period
from incubator.web import current, download, flash, form_data, form_errors, query_int, redirect_to, render, status_for


def _filters(request: Request) -> tuple[Period, int | None, int | None]:
    today = clock.today()
    period = Period.parse(request.query_params.get("period"), today)
    return period, query_int(request, "park", minimum=1), query_int(request, "domain", minimum=1)


def _query(dashboard: service.Dashboard) -> str:
    f = dashboard.filters
    return urlencode({k: v for k, v in (("period", f.period.key), ("park", f.park_id), ("domain", f.domain_id))
                      if v is not None})


def _periods(chosen: Period, today: date) -> list[tuple[str, str]]:
    """The last 24 months and the last 3 years, and the chosen period if it is older."""
    month = Period.month_of(today)
    keys = []
    for _n in range(24):
        keys.append(month.key)
        month = month.previous
    keys += [str(today.year - n) for n in range(3)]
    if chosen.key not in keys:
        keys.append(chosen.key)
    return [(key, key if "-" in key else _("Year %(year)s", year=key)) for key in keys]


async def _page(request: Request, errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                period: Period | None = None, status_code: int = 200) -> Response:
    principal = service.reader(current(request))
    chosen, park_id, domain_id = _filters(request)
    dashboard = await service.dashboard(principal, period or chosen, park_id, domain_id)
    page = DashboardPage(dashboard, dashboard.months, _query(dashboard),
                         _periods(dashboard.filters.period, clock.today()), errors or {}, values or {})
    return render(request, "dashboards/dashboard.html", page, block="dashboard", status_code=status_code)


async def dashboard_page(request: Request) -> Response:
    return await _page(request)


async def _table_export(request: Request, kind: str) -> Response:
    """One table of the dashboard (?table=stages, the first by default) as its filters choose."""
    principal = service.reader(current(request))
    key = request.query_params.get("table") or tables.keys()[0]
    if key not in tables.keys():
        raise NotFound(_("Not found."))
    period, park_id, domain_id = _filters(request)
    dashboard = await service.dashboard(principal, period, park_id, domain_id)
    table = next(t for t in dashboard.tables if t.key == key)
    headers, rows = [table.first, *table.headers], table.export_rows()
    name = f"{table.title} {period.key}"
    if kind == "csv":
        return download(exports.csv_bytes(headers, rows), name + ".csv", exports.CSV)
    return download(exports.workbook(table.title, headers, rows, formats=table.formats), name + ".xlsx",
                    exports.XLSX)


async def table_xlsx(request: Request) -> Response:
    return await _table_export(request, "xlsx")


async def table_csv(request: Request) -> Response:
    return await _table_export(request, "csv")


async def report_xlsx(request: Request) -> Response:
    principal = service.reader(current(request))
    period, park_id, domain_id = _filters(request)
    dashboard = await service.dashboard(principal, period, park_id, domain_id)
    district = await service.district_name(request.app.state.settings.district_name)
    content, filename = report.workbook(dashboard, principal, district, clock.now())
    return download(content, filename, exports.XLSX)


def _back(request: Request, month: str) -> Response:
    return redirect_to(request, "dashboards:dashboard", query={"period": month})


async def close_submit(request: Request) -> Response:
    principal = service.closer(current(request))
    month = (await form_data(request)).get("month", "")
    try:
        row = await service.close_month(principal, month)
    except DomainError as exc:
        return flash(request, _back(request, month), exc.message, "error")
    return flash(request, _back(request, row.month),
                 _("%(month)s is closed: its figures are kept as reported.", month=row.month))


async def reopen_submit(request: Request) -> Response:
    principal = service.closer(current(request))
    data = await form_data(request)
    month = Period.parse(data.get("month"), clock.today()).key
    try:
        row = await service.reopen_month(principal, forms.reopen(data))
    except DomainError as exc:
        if isinstance(exc, ValidationFailed):
            return await _page(request, form_errors(exc), data, Period.parse(month, clock.today()),
                               status_for(exc))
        return flash(request, _back(request, month), exc.message, "error")
    return flash(request, _back(request, row.month),
                 _("%(month)s is open again: its figures are today's.", month=row.month))


routes = [
    Route("/dashboard", cached(dashboard_page, minutes=5), methods=["GET"], name="dashboards:dashboard"),
    Route("/dashboard/report.xlsx", report_xlsx, methods=["GET"], name="dashboards:report"),
    Route("/dashboard/table.xlsx", table_xlsx, methods=["GET"], name="dashboards:table_xlsx"),
    Route("/dashboard/table.csv", table_csv, methods=["GET"], name="dashboards:table_csv"),
    Route("/dashboard/close", close_submit, methods=["POST"], name="dashboards:close"),
    Route("/dashboard/reopen", reopen_submit, methods=["POST"], name="dashboards:reopen"),
]
