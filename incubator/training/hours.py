"""The training hours an organization's people attended: each person's minutes (on the roster), the
organization's hours by year and topic against its park's minimum (the park's training settings),
and the graduation criterion that compares them. Each is summed by the database in one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tortoise.functions import Sum

from incubator import clock
from incubator.access import Principal
from incubator.audit import service as audit
from incubator.errors import PermissionDenied
from incubator.i18n import gettext as _
from incubator.organizations.graduation import Check
from incubator.organizations.models import Organization
from incubator.parks.models import Park
from incubator.training.commands import SetTrainingSettings
from incubator.training.models import Seat, Topic, TrainingSession, TrainingSettings, hours_text


async def person_minutes(organization_id: int) -> dict[int, int]:
    """Each of the organization's people's attended minutes, summed by the database (one query)."""
    rows = await Seat.filter(organization_id=organization_id, credit_minutes__gt=0).group_by("person_id").annotate(
        total=Sum("credit_minutes")).values_list("person_id", "total")
    return {person_id: int(total or 0) for person_id, total in rows}


@dataclass(frozen=True)
class HoursRow:
    year: int
    topic_zh: str
    topic_en: str
    minutes: int

    @property
    def hours(self) -> str:
        return hours_text(self.minutes)

    def topic(self, locale: str) -> str:
        return self.topic_en if locale.startswith("en") and self.topic_en else self.topic_zh


def _year_sql(dialect: str) -> tuple[str, str]:
    """The local year of a session's start, as SQL, and its parameter (the users' UTC offset)."""
    offset = clock.now().utcoffset() or timedelta()
    if dialect == "sqlite":
        return "CAST(strftime('%Y', s.starts_at, ?) AS INTEGER)", f"{int(offset.total_seconds() // 60):+d} minutes"
    return "CAST(EXTRACT(YEAR FROM s.starts_at AT TIME ZONE $1) AS INTEGER)", str(clock.zone())


async def organization_hours(organization: Organization) -> tuple[int, list[HoursRow]]:
    """The park's minimum of hours, and the organization's attended hours by year and topic, summed
    by the database in one query whatever the data (a row with no year when it has none)."""
    connection: Any = Seat._meta.db
    dialect = connection.capabilities.dialect
    year, parameter = _year_sql(dialect)
    marks = ("?", "?") if dialect == "sqlite" else ("$2", "$3")
    rows = await connection.execute_query_dict(
        f"SELECT st.min_hours AS min_hours, h.year AS year, h.topic_zh AS topic_zh, "  # noqa: S608
        f"h.topic_en AS topic_en, h.minutes AS minutes FROM (SELECT 1 AS one) o "
        f'LEFT JOIN (SELECT {year} AS year, p.name_zh AS topic_zh, p.name_en AS topic_en, p.sort AS sort, '
        f"SUM(t.credit_minutes) AS minutes "
        f'FROM "{Seat._meta.db_table}" t JOIN "{TrainingSession._meta.db_table}" s ON s.id = t.session_id '
        f'JOIN "{Topic._meta.db_table}" p ON p.id = s.topic_id '
        f"WHERE t.organization_id = {marks[0]} AND t.credit_minutes > 0 GROUP BY 1, 2, 3, 4) h ON 1 = 1 "
        f'LEFT JOIN "{TrainingSettings._meta.db_table}" st ON st.park_id = {marks[1]} '
        f"ORDER BY h.year DESC, h.sort", [parameter, organization.id, organization.park_id or 0])
    minimum = int(rows[0]["min_hours"] or 0) if rows else 0
    return minimum, [HoursRow(int(r["year"]), r["topic_zh"], r["topic_en"] or "", int(r["minutes"]))
                     for r in rows if r["year"] is not None]


# ---- the park's minimum ---------------------------------------------------------------------------

async def settings_for(park_id: int) -> TrainingSettings:
    return await TrainingSettings.get_or_none(park_id=park_id) or TrainingSettings(park_id=park_id)


async def set_settings(principal: Principal, park_id: int, command: SetTrainingSettings) -> TrainingSettings:
    if not principal.manages(park_id):
        raise PermissionDenied(_("Only the park's managers set its training."))
    park = await Park.get(id=park_id)
    return await audit.save_settings(principal, TrainingSettings, {"park_id": park_id},
                                     {"min_hours": command.min_hours}, park)


async def training_hours_met(organization: Organization) -> Check:
    """The graduation criterion: the organization attended at least its park's minimum of hours (one
    query: the minimum and the hours together)."""
    connection: Any = Seat._meta.db
    marks = ("?", "?") if connection.capabilities.dialect == "sqlite" else ("$1", "$2")
    rows = await connection.execute_query_dict(
        f'SELECT (SELECT min_hours FROM "{TrainingSettings._meta.db_table}" WHERE park_id = {marks[0]}) '  # noqa: S608
        f'AS min_hours, (SELECT COALESCE(SUM(credit_minutes), 0) FROM "{Seat._meta.db_table}" '
        f"WHERE organization_id = {marks[1]}) AS minutes", [organization.park_id or 0, organization.id])
    minimum, minutes = int(rows[0]["min_hours"] or 0), int(rows[0]["minutes"] or 0)
    met = minutes >= minimum * 60
    label = _("Training hours attended (at least %(hours)s)", hours=minimum)
    return Check("training_hours", label, met, "" if met else _(
        "%(done)s of %(hours)s hours attended.", done=hours_text(minutes), hours=minimum))
