"""The monthly report (月报): one workbook with a cover sheet (the district, the period, the parks
and filters, whether the figures are a closed month's as reported, when and by whom it was
produced) and a sheet per table of the dashboard."""

from __future__ import annotations

from datetime import datetime

from incubator import exports, i18n
from incubator.access import Principal
from incubator.dashboards.service import Dashboard
from incubator.i18n import gettext as _


def cover(dashboard: Dashboard, principal: Principal, district: str, now: datetime) -> list[tuple[object, object]]:
    f = dashboard.filters
    locale = i18n.current_locale()
    domain = next((d.display_name(locale) for d in dashboard.domains if d.id == f.domain_id), None)
    closed = dashboard.closed
    if dashboard.reported and closed is not None:
        source = _("Closed month: the figures as reported, closed on %(when)s by %(who)s.",
                   when=i18n.format_datetime(closed.closed_at, "short"), who=closed.closed_by_name)
    else:
        source = _("Today's figures (the month is not closed).") if f.period.is_month else _("Today's figures.")
    rows: list[tuple[object, object]] = [
        (_("District name"), district),
        (_("Period"), f.period.key),
        (_("Parks"), dashboard.park.display_name(locale) if dashboard.park else _("All parks in scope (%(n)s)",
                                                                      n=len(dashboard.parks))),
        (_("Service domain"), domain or _("All")),
        (_("Figures"), source),
        (_("Produced"), now),
        (_("Produced by"), str(principal.user)),
    ]
    rows += [(table.title, table.note) for table in dashboard.tables if table.note]
    return rows


def workbook(dashboard: Dashboard, principal: Principal, district: str, now: datetime) -> tuple[bytes, str]:
    """The workbook's bytes and its file name ("月报 2026-11.xlsx")."""
    title = _("Monthly report") if dashboard.filters.period.is_month else _("Annual report")
    sheets: list[exports.Sheet] = [(_("Cover"), (title, ""), cover(dashboard, principal, district, now))]
    for table in dashboard.tables:
        sheets.append((table.title, [table.first, *table.headers], table.export_rows(), table.formats))
    return exports.workbook(sheets=sheets), f"{title} {dashboard.filters.period.key}.xlsx"
