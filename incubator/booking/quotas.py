"""An organization's quota of its park's spaces, shared by its members: minutes a week and a month,
and bookings to come at once (a park may give its graduates a quota of their own). A booking is
refused when it would go over (`check_quota`, inside the booking's transaction, serialized on the
organization); a weekly series' preview names the dates that would (`over_quota`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from incubator import access, clock, workdays
from incubator.access import Principal
from incubator.audit import service as audit
from incubator.booking.commands import SetQuota
from incubator.booking.models import ACTIVE_STATUSES, LONGEST_HOLD, BookingQuota
from incubator.booking.slots import Slot, local_instant
from incubator.errors import ValidationFailed
from incubator.i18n import N_
from incubator.i18n import gettext as _
from incubator.organizations.models import Organization, Stage
from incubator.parks.models import Park


async def quota_for(park_id: int) -> BookingQuota:
    return await BookingQuota.get_or_none(park_id=park_id) or BookingQuota(park_id=park_id)


async def set_quota(principal: Principal, park_id: int, command: SetQuota) -> BookingQuota:
    park = await access.get_or_404(Park, principal, "change", id=park_id)
    after: dict[str, Any] = {"week_minutes": command.week_hours * 60, "month_minutes": command.month_hours * 60,
                             "open_bookings": command.open_bookings,
                             "graduate_week_minutes": command.graduate_week_hours * 60,
                             "graduate_month_minutes": command.graduate_month_hours * 60,
                             "graduate_open_bookings": command.graduate_open_bookings}
    return await audit.save_settings(principal, BookingQuota, {"park_id": park.id}, after, park)


# ---- what the quota counts ------------------------------------------------------------------------

def quota_periods(day: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """The week (Monday first) and the calendar month `day` is in, as [first, after) days."""
    monday, first = day - timedelta(days=day.weekday()), day.replace(day=1)
    return (monday, monday + timedelta(days=7)), (first, workdays.add_months(first, 1))


def quota_instants(days: tuple[date, date]) -> tuple[datetime, datetime]:
    return local_instant(days[0], time()), local_instant(days[1], time())


async def check_quota(connection: Any, organization: Organization, park_id: int, wanted: Slot, now: datetime,
                       series_id: int | None = None) -> None:
    """Refuses a booking that would take the organization over its park's quota: minutes a week and
    a month, and bookings to come at once (a weekly series counts once: `series_id`, the series this
    booking joins, already counted)."""
    week_allowed, month_allowed, open_allowed = (await quota_for(park_id)).limits(
        organization.stage == Stage.GRADUATED)
    minutes = int((wanted.ends_at - wanted.starts_at).total_seconds() // 60)
    week, month = (quota_instants(days) for days in quota_periods(wanted.starts_at.astimezone(clock.zone()).date()))
    week_minutes, month_minutes, to_come = await quota_used(connection, organization.id, week, month, now)
    for booked, allowed, message in (
        (week_minutes, week_allowed,
         N_("This booking would take your organization over its %(hours)s hours this week.")),
        (month_minutes, month_allowed,
         N_("This booking would take your organization over its %(hours)s hours this month.")),
    ):
        if booked + minutes > allowed:
            raise ValidationFailed({"end": _(message, hours=_hours(allowed))})
    if series_id is None and to_come >= open_allowed:
        raise ValidationFailed({"start": _(
            "Your organization already has %(count)s bookings to come, its most at once.", count=open_allowed)})


# What the quota counts, in one query over one index range (organization, start) of the organization's
# active bookings, summed by the database: the minutes starting in the week and in the month (as
# the series preview's sums) and the bookings to come, a series once (its negated id: ids are
# positive), which started after now less LONGEST_HOLD. Reading the rows instead (three
# queries, every instant parsed in Python) took ~2 ms a booking at city scale. Written out per
# dialect (the placeholders and a length in minutes differ); ORM annotations cost ~0.5 ms to build.
_QUOTA_USED = """
SELECT COALESCE(SUM(CASE WHEN starts_at >= {0} AND starts_at < {1} THEN {minutes} END), 0),
       COALESCE(SUM(CASE WHEN starts_at >= {2} AND starts_at < {3} THEN {minutes} END), 0),
       COUNT(DISTINCT CASE WHEN ends_at > {4} THEN COALESCE(-series_id, id) END)
FROM booking WHERE organization_id = {5} AND status IN ({6}, {7}) AND starts_at >= {8}"""


_QUOTA_SQL = {
    "sqlite": _QUOTA_USED.format(*["?"] * 9, minutes="ROUND((julianday(ends_at) - julianday(starts_at)) * 1440)"),
    "postgres": _QUOTA_USED.format(*(f"${n}" for n in range(1, 10)),
                                   minutes="ROUND(EXTRACT(EPOCH FROM (ends_at - starts_at)) / 60)"),
}


async def quota_used(connection: Any, organization_id: int, week: tuple[datetime, datetime],
                      month: tuple[datetime, datetime], now: datetime) -> tuple[int, int, int]:
    """The organization's minutes booked in the week and in the month, and its bookings to come."""
    _count, rows = await connection.execute_query(_QUOTA_SQL[connection.capabilities.dialect], [
        *week, *month, now, organization_id, *(status.value for status in ACTIVE_STATUSES),
        min(week[0], month[0], now - LONGEST_HOLD)])
    week_minutes, month_minutes, to_come = tuple(rows[0])
    return int(week_minutes), int(month_minutes), int(to_come)


def _hours(minutes: int) -> str:
    return f"{minutes / 60:g}"


def over_quota(limits: tuple[int, int, int], booked: list[tuple[datetime, datetime]], slot: Slot) -> str:
    """Why `slot` would take the organization over its week or month (`booked`: its bookings of
    those periods, the series' earlier dates included), or ""."""
    minutes = int((slot.ends_at - slot.starts_at).total_seconds() // 60)
    week, month = quota_periods(slot.starts_at.astimezone(clock.zone()).date())
    for days, allowed, message in ((week, limits[0], N_("Over your organization's %(hours)s hours that week.")),
                                   (month, limits[1], N_("Over your organization's %(hours)s hours that month."))):
        low, high = quota_instants(days)
        used = sum(int((end - start).total_seconds() // 60) for start, end in booked if low <= start < high)
        if used + minutes > allowed:
            return _(message, hours=_hours(allowed))
    return ""
