"""One clock for the whole app.

Instants are stored in UTC; "today" is always the date in the configured time zone
(INCUBATOR_TIMEZONE, Asia/Shanghai by default), in pages, services, jobs and demo data alike.
Between 00:00 and 08:00 Beijing time the UTC date is still yesterday: using it anywhere would
make a form's own default date look "in the future" to the service that checks it.
Tests control time (time-machine) instead of reading the clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"
_configured = DEFAULT_TIMEZONE


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def configure(timezone: str) -> None:
    """Set once at start-up from the settings; every process of a deployment reads the same
    environment, so nothing here is state one process keeps from another."""
    global _configured
    _zone(timezone)  # fails early on an unknown zone
    _configured = timezone


def zone() -> ZoneInfo:
    return _zone(_configured)


def now() -> datetime:
    """The current instant, timezone-aware, in UTC (as stored)."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date where the users are."""
    return datetime.now(zone()).date()


def local_date(instant: datetime) -> date:
    """The users' calendar date of a stored instant."""
    return instant.astimezone(zone()).date()


def local_instant(day: date, moment: time = time()) -> datetime:
    """The instant of `moment` (midnight by default) on `day` where the users are, in UTC as every
    instant is stored: SQLite compares stored instants as text, so a filter's bound must carry the
    same offset (+08:00 against +00:00 text would shift every bound by eight hours)."""
    return datetime.combine(day, moment, tzinfo=zone()).astimezone(UTC)
