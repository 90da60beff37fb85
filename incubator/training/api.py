"""Training in the data API: the sessions and their attendance figures (no names)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Annotated, Any

from msgspec import Meta, Struct
from tortoise.functions import Count

from incubator.apitypes import Id, ListQuery, Moment
from incubator.capability import Resource
from incubator.training.models import Attendance, Seat, SeatStatus, Topic, TrainingSession


class AttendanceFigures(Struct, kw_only=True):
    seated: int
    waitlisted: int
    present: int
    late: int
    absent: int
    unmarked: Annotated[int, Meta(description="Seated, attendance not marked yet.")]


class TrainingSessionOut(Struct, kw_only=True):
    """A capacity-building session and its attendance figures (no names)."""

    id: int
    park_id: int
    topic: Annotated[str, Meta(description="The topic's code.")]
    title: str
    trainer: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    mandatory: bool
    credit_minutes: int
    cancelled_at: datetime | None
    attendance: AttendanceFigures


class TrainingSessionQuery(ListQuery, kw_only=True):
    park: Id | None = None
    starts_from: Moment | None = None
    starts_before: Moment | None = None


COLUMNS = ("id", "park_id", "topic_id", "title", "trainer", "starts_at", "ends_at", "capacity",
           "mandatory", "credit_minutes", "cancelled_at")


async def _attendance(session_ids: list[int]) -> dict[int, AttendanceFigures]:
    counts: dict[int, dict[str, int]] = {i: defaultdict(int) for i in session_ids}
    if session_ids:
        live = Seat.filter(session_id__in=session_ids, status__in=(SeatStatus.SEATED, SeatStatus.WAITLISTED))
        grouped = await live.annotate(n=Count("id")).group_by("session_id", "status", "attendance").values_list(
            "session_id", "status", "attendance", "n")
        for session_id, status, attendance, n in grouped:
            figures = counts[session_id]
            if status == SeatStatus.WAITLISTED:
                figures["waitlisted"] += n
                continue
            figures["seated"] += n
            figures[Attendance(attendance).name.lower()] += n
    return {i: AttendanceFigures(seated=c["seated"], waitlisted=c["waitlisted"], present=c["present"],
                                 late=c["late"], absent=c["absent"], unmarked=c["unmarked"])
            for i, c in counts.items()}


async def _items(rows: list[dict[str, Any]]) -> list[TrainingSessionOut]:
    topic_ids = {row["topic_id"] for row in rows}
    topics = dict(await Topic.filter(id__in=topic_ids).values_list("id", "code")) if topic_ids else {}
    figures = await _attendance([row["id"] for row in rows])
    return [TrainingSessionOut(**{k: v for k, v in row.items() if k != "topic_id"},
                               topic=topics.get(row["topic_id"], ""), attendance=figures[row["id"]])
            for row in rows]


resources = (
    Resource("/training-sessions", "listTrainingSessions", "Training sessions and their attendance", "training",
             TrainingSessionOut, TrainingSessionQuery, model=TrainingSession, filters={
                 "park": "park_id", "starts_from": "starts_at__gte", "starts_before": "starts_at__lt"},
             columns=COLUMNS, items=_items),
)
