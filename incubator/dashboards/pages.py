"""What the dashboard pages show: their templates' inputs, typed (plus the base context every page
has: request, principal, user, csrf_token, locale, nav, today, flashes)."""

from __future__ import annotations

from dataclasses import dataclass, field

from incubator.dashboards.models import ClosedMonth
from incubator.dashboards.service import Dashboard


@dataclass
class DashboardPage:  # dashboards/dashboard.html
    dashboard: Dashboard
    months: list[ClosedMonth]  # the months closed (or reopened) in the last two years
    query: str  # the filters as a query string ("period=2026-11&park=3"), for the export links
    periods: list[tuple[str, str]]  # the periods offered (months, then years): key, text
    errors: dict[str, str] = field(default_factory=dict)  # a refused reopening's reason
    values: dict[str, str] = field(default_factory=dict)
