"""Training figures per park, topic and month: sessions and hours delivered, people signed up,
attended and absent, attended hours, and satisfaction; each figure summed by the database (two
queries for any number of parks: one over the sessions, one over their seats and feedback). The
dashboards read them through `park_figures`; the figures page and its .xlsx show them.

What counts: sessions held (not cancelled, ended by now) that started in the period. Signed up:
seated people; attended: marked present or late; absent: seated and marked absent or not marked at
all; satisfied: ratings of 4 or 5, among the ratings given."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from incubator import clock
from incubator.booking.slots import local_instant
from incubator.training.models import Feedback, Seat, TrainingSession, hours_text


@dataclass
class Figures:
    sessions: int = 0
    session_minutes: int = 0  # hours delivered: each session's credited hours, once
    signed_up: int = 0
    attended: int = 0
    absent: int = 0
    attended_minutes: int = 0  # person-hours credited
    responses: int = 0
    rating_sum: int = 0
    satisfied: int = 0

    def add(self, other: Figures) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @staticmethod
    def _rate(part: int, whole: int) -> str:
        return f"{100 * part / whole:.1f}" if whole else "—"

    @property
    def attendance_rate(self) -> str:
        return self._rate(self.attended, self.signed_up)

    @property
    def no_show_rate(self) -> str:
        return self._rate(self.absent, self.signed_up)

    @property
    def satisfaction(self) -> str:
        return self._rate(self.satisfied, self.responses)

    @property
    def average_rating(self) -> str:
        return f"{self.rating_sum / self.responses:.2f}" if self.responses else "—"

    def cells(self) -> tuple[object, ...]:
        """The row's values as the page and the workbook show them."""
        return (self.sessions, float(hours_text(self.session_minutes)), self.signed_up, self.attended, self.absent,
                float(hours_text(self.attended_minutes)), self.attendance_rate, self.no_show_rate, self.responses,
                self.average_rating, self.satisfaction)


Key = tuple[int, int, str]  # park id, topic id, month "YYYY-MM"


@dataclass
class Report:
    rows: dict[Key, Figures] = field(default_factory=dict)

    def total(self, park_id: int | None = None) -> Figures:
        total = Figures()
        for (park, _topic, _month), figures in self.rows.items():
            if park_id is None or park == park_id:
                total.add(figures)
        return total


def _sql(dialect: str) -> dict[str, str]:
    offset = clock.now().utcoffset() or timedelta()
    if dialect == "sqlite":
        return {
            "mark": "?", "month": "strftime('%Y-%m', s.starts_at, ?)",
            "minutes": "CAST(ROUND((julianday(s.ends_at) - julianday(s.starts_at)) * 1440) AS INTEGER)",
            "zone": f"{int(offset.total_seconds() // 60):+d} minutes",
        }
    return {"mark": "$", "month": "to_char(s.starts_at AT TIME ZONE $1, 'YYYY-MM')",
            "minutes": "", "zone": str(clock.zone())}


async def park_figures(park_ids: list[int], first: date, after: date) -> Report:
    """The figures of sessions held in [first, after) in the parks, by park, topic and month."""
    report = Report()
    if not park_ids:
        return report
    connection: Any = TrainingSession._meta.db
    dialect = connection.capabilities.dialect
    sql = _sql(dialect)
    start, end, now = local_instant(first, time()), local_instant(after, time()), clock.now()
    params: list[Any] = [sql["zone"], start, end, now, *park_ids]
    if dialect == "sqlite":
        marks = ["?"] * (4 + len(park_ids))
    else:
        marks = [f"${n}" for n in range(1, 5 + len(park_ids))]
    where = (f"s.cancelled_at IS NULL AND s.starts_at >= {marks[1]} AND s.starts_at < {marks[2]} "
             f"AND s.ends_at <= {marks[3]} AND s.park_id IN ({', '.join(marks[4:])})")
    month = sql["month"] if dialect == "sqlite" else f"to_char(s.starts_at AT TIME ZONE {marks[0]}, 'YYYY-MM')"
    session_table, seat_table = TrainingSession._meta.db_table, Seat._meta.db_table
    feedback_table = Feedback._meta.db_table
    sessions = await connection.execute_query_dict(
        f"SELECT s.park_id AS park_id, s.topic_id AS topic_id, {month} AS month, COUNT(*) AS sessions, "  # noqa: S608
        f"SUM(s.credit_minutes) AS session_minutes FROM \"{session_table}\" s WHERE {where} GROUP BY 1, 2, 3", params)
    seats = await connection.execute_query_dict(
        f"SELECT s.park_id AS park_id, s.topic_id AS topic_id, {month} AS month, "  # noqa: S608
        "COUNT(CASE WHEN t.status = 'seated' THEN 1 END) AS signed_up, "
        "COUNT(CASE WHEN t.status = 'seated' AND t.attendance IN ('present', 'late') THEN 1 END) AS attended, "
        "COUNT(CASE WHEN t.status = 'seated' AND t.attendance IN ('absent', '') THEN 1 END) AS absent, "
        "COALESCE(SUM(CASE WHEN t.status = 'seated' THEN t.credit_minutes END), 0) AS attended_minutes, "
        "COUNT(f.id) AS responses, COALESCE(SUM(f.rating), 0) AS rating_sum, "
        "COUNT(CASE WHEN f.rating >= 4 THEN 1 END) AS satisfied "
        f'FROM "{seat_table}" t JOIN "{session_table}" s ON s.id = t.session_id '
        f'LEFT JOIN "{feedback_table}" f ON f.seat_id = t.id '
        f"WHERE {where} AND t.status = 'seated' GROUP BY 1, 2, 3", params)
    for row in sessions:
        figures = report.rows.setdefault((int(row["park_id"]), int(row["topic_id"]), str(row["month"])), Figures())
        figures.sessions, figures.session_minutes = int(row["sessions"]), int(row["session_minutes"] or 0)
    for row in seats:
        figures = report.rows.setdefault((int(row["park_id"]), int(row["topic_id"]), str(row["month"])), Figures())
        for name in ("signed_up", "attended", "absent", "attended_minutes", "responses", "rating_sum", "satisfied"):
            setattr(figures, name, int(row[name] or 0))
    return report
