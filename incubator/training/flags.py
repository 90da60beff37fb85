"""Flags training raises: a mandatory session starts within a few days and an organization of its
audience has signed nobody up (its park's managers see it and can call them)."""

from __future__ import annotations

from datetime import date, time, timedelta

from incubator import db
from incubator.booking.slots import Slot, local_instant
from incubator.flags.service import Wanted, named
from incubator.training.models import LIVE_STATUSES, Seat, TrainingSession
from incubator.training.seating import audience_filter

NOTICE_DAYS = 3  # flagged this many days before the session


async def unsigned_mandatory(today: date) -> list[Wanted]:
    sessions = await TrainingSession.filter(
        mandatory=True, cancelled_at__isnull=True, starts_at__gte=local_instant(today, time()),
        starts_at__lt=local_instant(today + timedelta(days=NOTICE_DAYS + 1), time())).order_by("starts_at")
    wanted: list[Wanted] = []
    for session in sessions:
        signed = set(await db.flat(Seat.filter(session_id=session.id, status__in=list(LIVE_STATUSES)).values_list(
            "organization_id", flat=True)))
        for organization_id, name, name_en in await audience_filter(session).values_list("id", "name_zh", "name_en"):
            if organization_id not in signed:
                wanted.append(Wanted("training_unsigned", "TrainingSession", session.id, session.park_id,
                                     organization_id, period=f"organization:{organization_id}",
                                     due_on=session.starts_at.date(),
                                     details={**named(name, name_en), "session": session.title,
                                              "when": Slot(session.starts_at, session.ends_at).label()}))
    return wanted
