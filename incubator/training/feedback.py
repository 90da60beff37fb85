"""What attendees say about a session: a member rates each of their organization's attendees' session
(1–5, with a comment) in the `FEEDBACK_DAYS` after it; the park's managers and the officials read
the satisfaction, the comments and who has not answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from incubator import access, clock, events
from incubator.access import Principal
from incubator.audit import service as audit
from incubator.errors import PermissionDenied
from incubator.i18n import gettext as _
from incubator.roles import Role
from incubator.training.commands import GiveFeedback
from incubator.training.models import ATTENDED, Feedback, Seat, SeatStatus, TrainingSession

FEEDBACK_DAYS = 30  # attendees rate a session for this long after its end


def feedback_open(session: TrainingSession) -> bool:
    now = clock.now()
    return session.cancelled_at is None and session.ends_at <= now <= session.ends_at + timedelta(days=FEEDBACK_DAYS)


async def feedback_seats(principal: Principal, session: TrainingSession) -> list[Seat]:
    """The member's organization's attendees of the session, each with its rating if given."""
    if not principal.is_(Role.MEMBER) or principal.organization_id is None or not feedback_open(session):
        return []
    return list(await Seat.filter(session_id=session.id, organization_id=principal.organization_id,
                                  status=SeatStatus.SEATED, attendance__in=list(ATTENDED)).select_related(
        "person").prefetch_related("feedback").order_by("person__name", "id"))


async def give_feedback(principal: Principal, seat_id: int, command: GiveFeedback) -> Feedback:
    """An attendee's rating (1–5) and comment, given by a member of their organization after the
    session; given again, it replaces the first."""
    seat = await access.get_or_404(Seat, principal, id=seat_id)
    session = await TrainingSession.get(id=seat.session_id)
    if (not principal.is_(Role.MEMBER) or seat.organization_id != principal.organization_id
            or seat.attendance not in ATTENDED or not feedback_open(session)):
        raise PermissionDenied(_("Attendees rate a session in the 30 days after it."))
    values: dict[str, Any] = {"rating": command.rating, "comment": command.comment.strip()}
    for attempt in (1, 2):  # two members rating one attendee at once: the one that lost replaces the other's
        try:
            async with events.transaction():
                existing = await Feedback.get_or_none(seat_id=seat.id)
                if existing is None:
                    feedback = await Feedback.create(seat_id=seat.id, session_id=session.id, at=clock.now(),
                                                     given_by_id=principal.id, **values)
                    await audit.record(principal, "create", feedback, audit.diff({}, values))
                else:
                    await audit.save_and_record(principal, existing, {**values, "at": clock.now()},
                                                ["rating", "comment"])
                    feedback = existing
            return feedback
        except IntegrityError:  # the seat's one rating (a unique column) was made meanwhile
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def sees_satisfaction(principal: Principal, session: TrainingSession) -> bool:
    """The park's managers and the officials read a held session's feedback."""
    return (principal.manages(session.park_id) or principal.is_(Role.OFFICIAL)) and session.ends_at <= clock.now()


@dataclass(frozen=True)
class Satisfaction:
    attended: int
    responses: int
    average: str  # "4.25", or "—" without answers
    satisfied: str  # share of ratings of 4 or 5, "%.1f", or "—"
    silent: list[Seat]  # attendees without an answer (person, organization)
    comments: list[tuple[int, str]]  # (rating, comment) of answers with a comment


async def satisfaction(session: TrainingSession) -> Satisfaction:
    """What the session's attendees said, and who has not answered (for its park's managers)."""
    attended = list(await Seat.filter(session_id=session.id, status=SeatStatus.SEATED,
                                      attendance__in=list(ATTENDED)).select_related("person", "organization").only(
        "id", "person_id", "organization_id", "person__id", "person__name", "organization__id",
        "organization__name_zh").order_by("organization__name_zh", "person__name"))
    given = {seat_id: (rating, comment) for seat_id, rating, comment in await Feedback.filter(
        session_id=session.id).values_list("seat_id", "rating", "comment")}
    ratings = [rating for rating, _comment in given.values()]
    return Satisfaction(
        attended=len(attended), responses=len(ratings),
        average=f"{sum(ratings) / len(ratings):.2f}" if ratings else "—",
        satisfied=f"{100 * sum(1 for r in ratings if r >= 4) / len(ratings):.1f}" if ratings else "—",
        silent=[seat for seat in attended if seat.id not in given],
        comments=[(rating, comment) for rating, comment in given.values() if comment])
