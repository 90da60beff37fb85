"""What organizations are told about their people's training: a seat given from the waitlist, a
session moved or cancelled, and the reminder the day before a session (the scheduled job, once a
session whichever process runs it). Each organization's members get it in their inbox.
"""

from __future__ import annotations

from datetime import time, timedelta

from incubator import clock, db, events, i18n
from incubator.auth import service as auth_service
from incubator.booking.slots import Slot, local_instant
from incubator.notifications import service as notifications
from incubator.training.models import LIVE_STATUSES, Seat, SeatStatus, TrainingSession


def when(session: TrainingSession) -> str:
    return Slot(session.starts_at, session.ends_at).label()


async def live_organizations(session_id: int) -> list[int]:
    return sorted(set(await db.flat(Seat.filter(session_id=session_id, status__in=list(LIVE_STATUSES)).values_list(
        "organization_id", flat=True))))


async def tell(organization_ids: list[int], kind: str, session_id: int, details: dict) -> None:
    for organization_id in organization_ids:
        await notifications.notify_many(await auth_service.member_ids(organization_id), kind,
                                        f"/training/{session_id}", details)


async def tell_promoted(session_id: int, seat_ids: list[int]) -> None:
    """After commit: each promoted person's organization is told they have a seat."""
    session = await TrainingSession.get(id=session_id).only("id", "title", "starts_at", "ends_at")
    rows = await Seat.filter(id__in=seat_ids).values_list("organization_id", "person__name")
    for organization_id, name in rows:
        await notifications.notify_many(await auth_service.member_ids(organization_id), "training_seat_given",
                                        f"/training/{session_id}", {"person": name, "session": session.title,
                                                                    "when": when(session)})


# ---- reminders ------------------------------------------------------------------------------------

async def remind_tomorrow() -> dict:
    """The scheduled job: the day before a session, each organization with people seated is told
    (inbox, and the daily digest); once a session, whichever process runs the job."""
    tomorrow = clock.today() + timedelta(days=1)
    start, end = local_instant(tomorrow, time()), local_instant(tomorrow + timedelta(days=1), time())
    due = await TrainingSession.filter(cancelled_at__isnull=True, reminded_at__isnull=True, starts_at__gte=start,
                                       starts_at__lt=end).values_list("id", "title", "starts_at", "ends_at")
    reminded = 0
    for session_id, title, starts_at, ends_at in due:
        async with events.transaction():
            if not await TrainingSession.filter(id=session_id, reminded_at__isnull=True).update(
                    reminded_at=clock.now()):
                continue  # another process reminded them
            rows = await Seat.filter(session_id=session_id, status=SeatStatus.SEATED).values_list(
                "organization_id", "person__name")
            people: dict[int, list[str]] = {}
            for organization_id, name in rows:
                people.setdefault(organization_id, []).append(name)
            for organization_id, names in people.items():
                await notifications.notify_many(
                    await auth_service.member_ids(organization_id), "training_reminder", f"/training/{session_id}",
                    {"session": title, "when": Slot(starts_at, ends_at).label(),
                     "people": i18n.list_separator().join(sorted(names))})
            reminded += 1
    return {"reminded": reminded}
