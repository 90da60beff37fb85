"""A park's utilization figures, by week or month, as a page and as an Excel workbook
(incubator/booking/utilization.py says what counts)."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from incubator import clock, exports, i18n
from incubator.booking import utilization
from incubator.booking.pages import UtilizationPage
from incubator.booking.utilization import Period, PeriodKind
from incubator.i18n import gettext as _
from incubator.pagecache import cached
from incubator.web import current, download, path_int, render

# Dates outside these are taken as absent (today): no period near the ends of the calendar.
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)


def _period(request: Request) -> Period:
    """?period=week|month&at=YYYY-MM-DD; a missing or malformed value is taken as absent: this
    week, or the period around today."""
    params = request.query_params
    kind = PeriodKind.MONTH if params.get("period") == PeriodKind.MONTH.value else PeriodKind.WEEK
    try:
        day = date.fromisoformat(params.get("at", ""))
    except ValueError:
        day = clock.today()
    if not EARLIEST <= day <= LATEST:
        day = clock.today()
    return Period.containing(kind, day)


async def utilization_page(request: Request) -> Response:
    report = await utilization.park_report(current(request), path_int(request), _period(request))
    return render(request, "booking/utilization.html", UtilizationPage(report, headers()),
                  block="figures")


def headers() -> list[str]:
    return [_("Space"), _("Open hours"), _("Blocked hours"), _("Bookable hours"), _("Booked hours"),
            _("Checked-in hours"), _("No-shows"), _("No-show hours"), _("Booked (%)"), _("Checked in (%)")]


def _cells(name: str, figures: utilization.Figures) -> tuple[object, ...]:
    return (name, *figures.cells())


def title_of(period: Period) -> str:
    """The sheet's title and the file's name: "Utilization 2026-12-07" (a week), "… 2026-12" (a month)."""
    when = f"{period.first:%Y-%m}" if period.kind == PeriodKind.MONTH else period.first.isoformat()
    label = _("Utilization")  # not inside the f-string: the extractor would not find it there
    return f"{label} {when}"


async def utilization_xlsx(request: Request) -> Response:
    report = await utilization.park_report(current(request), path_int(request), _period(request))
    rows = [_cells(space.name, figures) for space, figures in report.rows]
    rows.append(_cells(_("Park total"), report.total))
    title = title_of(report.period)
    content = exports.workbook(title, headers(), rows)
    return download(content, f"{title} {report.park.display_name(i18n.current_locale())}.xlsx", exports.XLSX)


routes = [
    # Kept until a booking, a space or the park changes (the page cache watches the tables it read).
    Route("/parks/{id:int}/utilization", cached(utilization_page), methods=["GET"], name="booking:utilization"),
    Route("/parks/{id:int}/utilization.xlsx", utilization_xlsx, methods=["GET"], name="booking:utilization_xlsx"),
]
