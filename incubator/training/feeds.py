"""Each user's private iCalendar feed of training: a member's, the sessions their organization's
people are signed up for (seated or waiting); a manager's, their parks' sessions; an official's or
administrator's, every park's. The address holds a secret, derived from the app's key until the
user resets it; a reset stops the old address at once, in every process."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from icalendar import Calendar, Event
from tortoise.exceptions import IntegrityError

from incubator import clock, events
from incubator.access import Principal
from incubator.audit import service as audit
from incubator.auth.models import User
from incubator.auth.service import load_principal
from incubator.errors import NotFound
from incubator.i18n import gettext as _
from incubator.roles import Role
from incubator.training.models import LIVE_STATUSES, Seat, SeatStatus, TrainingFeed, TrainingSession

PAST_DAYS = 30
FUTURE_DAYS = 370
LIMIT = 2000


async def token(secret_key: str, user_id: int) -> str:
    found = await TrainingFeed.filter(user_id=user_id).values_list("token", flat=True)
    if found:
        return str(found[0])
    return hmac.new(secret_key.encode(), f"training-feed:{user_id}".encode(), hashlib.sha256).hexdigest()[:43]


async def reset(principal: Principal) -> str:
    new = secrets.token_urlsafe(32)
    for attempt in (1, 2):  # two first resets at once: the one that lost updates the other's row
        try:
            async with events.transaction():
                if not await TrainingFeed.filter(user_id=principal.id).update(token=new):
                    await TrainingFeed.create(user_id=principal.id, token=new)
                await audit.record(principal, "reset", object_type="TrainingFeed", object_id=principal.id,
                                   object_repr=f"training feed {principal.id}", changes={"token": ["…", "…"]})
            break
        except IntegrityError:
            if attempt == 2:
                raise
    return new


async def calendar(secret_key: str, user_id: int, secret: str) -> bytes:
    """The user's feed as iCalendar text; NotFound unless `secret` is the feed's and the user active."""
    if not hmac.compare_digest((await token(secret_key, user_id)).encode(), secret.encode()):
        raise NotFound(_("Not found."))
    user = await User.get_or_none(id=user_id, is_active=True)
    if user is None:
        raise NotFound(_("Not found."))
    principal = await load_principal(user)
    now = clock.now()
    sessions = TrainingSession.filter(cancelled_at__isnull=True, starts_at__gt=now - timedelta(days=PAST_DAYS),
                                      starts_at__lt=now + timedelta(days=FUTURE_DAYS))
    statuses: dict[int, str] = {}  # a member's: the session's best status among their organization's people
    if principal.is_(Role.MEMBER) and principal.organization_id is not None:
        for session_id, status in await Seat.filter(
                organization_id=principal.organization_id, status__in=list(LIVE_STATUSES),
                session__starts_at__gt=now - timedelta(days=PAST_DAYS),
                session__starts_at__lt=now + timedelta(days=FUTURE_DAYS)).values_list("session_id", "status"):
            if statuses.get(session_id) != SeatStatus.SEATED:
                statuses[session_id] = status
        sessions = sessions.filter(id__in=list(statuses))
    elif principal.is_(Role.MANAGER):
        sessions = sessions.filter(park_id__in=list(principal.park_ids))
    elif not principal.is_(Role.ADMIN, Role.OFFICIAL):
        return _empty()
    rows = list(await sessions.select_related("space", "park").only(
        "id", "title", "starts_at", "ends_at", "created_at", "trainer", "space__id", "space__name", "park__id",
        "park__name_zh").order_by("starts_at").limit(LIMIT))
    feed = _calendar()
    for session in rows:
        event = Event()
        event.add("uid", f"training-{session.id}@incubator")
        event.add("dtstamp", session.created_at)
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        event.add("summary", session.title)
        event.add("location", f"{session.park.name_zh} · {session.space.name}")
        event.add("description", _("Trainer: %(name)s", name=session.trainer))
        event.add("status", "TENTATIVE" if statuses.get(session.id) == SeatStatus.WAITLISTED else "CONFIRMED")
        feed.add_component(event)
    return feed.to_ical()


def _calendar() -> Calendar:
    feed = Calendar()
    feed.add("prodid", "-//Incubator//training//ZH")
    feed.add("version", "2.0")
    feed.add("x-wr-calname", _("Training"))
    return feed


def _empty() -> bytes:
    return _calendar().to_ical()
