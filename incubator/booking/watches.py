"""Watching a taken time of a space: when it frees, the earliest watcher of that time is told (once),
with a link to book it. First come, first told: the others keep watching, and are told in their turn
if the time frees again."""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet

from incubator import clock, events
from incubator.access import Principal
from incubator.audit import service as audit
from incubator.booking.commands import Watch
from incubator.booking.events import TimeFreed
from incubator.booking.models import LONGEST_HOLD, Booking, BookingStatus, BookingWatch
from incubator.booking.new_bookings import bookable_space, may_book
from incubator.booking.slots import Slot, local_instant, rules_for
from incubator.errors import PermissionDenied, ValidationFailed
from incubator.i18n import gettext as _
from incubator.notifications import service as notifications

MAX_WATCHES = 10  # a user's watches still waiting, at once


def taken_between(space_id: int, starts_at: datetime, ends_at: datetime, any_status: bool = False) -> QuerySet[Booking]:
    """The confirmed bookings holding part of the time (pending ones do not: the time may still be
    requested); `any_status`: every booking that ever held part of it."""
    bookings = Booking.filter(space_id=space_id, starts_at__lt=ends_at, starts_at__gt=starts_at - LONGEST_HOLD,
                              held_until__gt=starts_at)
    return bookings if any_status else bookings.filter(status=BookingStatus.CONFIRMED)


async def is_taken(space_id: int, command: Watch) -> bool:
    """Whether a confirmed booking holds part of the time (what a watch waits on)."""
    rules = await rules_for(space_id)
    starts_at, ends_at = local_instant(command.day, command.start), local_instant(command.day, command.end)
    return ends_at > starts_at and await taken_between(
        space_id, starts_at, ends_at + timedelta(minutes=rules.buffer_minutes)).exists()


async def watch(principal: Principal, command: Watch) -> BookingWatch:
    """Watches a taken time the principal may book; refused when it is free (book it instead)."""
    space = await bookable_space(command.space_id)
    if not await may_book(principal, space):
        raise PermissionDenied(_("You may not book this space."))
    starts_at, ends_at = local_instant(command.day, command.start), local_instant(command.day, command.end)
    if ends_at <= starts_at:
        raise ValidationFailed({"end": _("The end must be after the start.")})
    if starts_at <= clock.now():
        raise ValidationFailed({"start": _("This time has passed.")})
    rules = await rules_for(space.id)
    if not await taken_between(space.id, starts_at, ends_at + timedelta(minutes=rules.buffer_minutes)).exists():
        raise ValidationFailed({"start": _("This time is free: book it.")})
    if await BookingWatch.filter(user_id=principal.id, notified_at__isnull=True,
                                 starts_at__gt=clock.now()).count() >= MAX_WATCHES:
        raise ValidationFailed({"start": _("You already watch %(count)s times: the most at once.", count=MAX_WATCHES)})
    try:
        async with events.transaction():
            row = await BookingWatch.create(space_id=space.id, user_id=principal.id, starts_at=starts_at,
                                            ends_at=ends_at)
            await audit.record(principal, "create", row, {"space_id": [None, space.id],
                                                          "starts_at": [None, starts_at.isoformat()]})
    except IntegrityError:  # watched before: watching again, at the back of the queue
        await BookingWatch.filter(space_id=space.id, user_id=principal.id, starts_at=starts_at).update(
            ends_at=ends_at, notified_at=None, created_at=clock.now())
        row = await BookingWatch.get(space_id=space.id, user_id=principal.id, starts_at=starts_at)
    return row


async def on_time_freed(event: TimeFreed) -> None:
    """Tells the earliest watcher of each freed time that is now wholly free, once: a time already
    told to someone, and not taken again since, tells nobody else (another freeing of the same time,
    from this process or another, is the same news)."""
    now = clock.now()
    rules = await rules_for(event.space_id)
    buffer = timedelta(minutes=rules.buffer_minutes)
    waiting = await BookingWatch.filter(
        space_id=event.space_id, notified_at__isnull=True, starts_at__lt=event.held_until,
        ends_at__gt=event.starts_at - buffer, starts_at__gt=now).order_by("created_at", "id").values_list(
        "id", "user_id", "starts_at", "ends_at")
    if not waiting:
        return
    space = await bookable_space(event.space_id)
    done: set[tuple] = set()
    for watch_id, user_id, starts_at, ends_at in waiting:
        if (starts_at, ends_at) in done:
            continue
        done.add((starts_at, ends_at))  # its earliest watcher is told now, or has been, or it is not free
        if await taken_between(event.space_id, starts_at, ends_at + buffer).exists():
            continue
        last_told = await BookingWatch.filter(space_id=event.space_id, starts_at=starts_at, ends_at=ends_at,
                                              notified_at__isnull=False).order_by("-notified_at").first()
        if last_told is not None and not await taken_between(
                event.space_id, starts_at, ends_at + buffer, any_status=True
        ).filter(created_at__gt=last_told.notified_at).exists():
            continue  # told already, and nobody took it since
        async with events.transaction():
            if not await BookingWatch.filter(id=watch_id, notified_at__isnull=True).update(notified_at=now):
                continue  # told by another process meanwhile
            local = starts_at.astimezone(clock.zone())
            link = (f"/spaces/{event.space_id}/book?day={local.date().isoformat()}"
                    f"&start={local:%H:%M}")
            await notifications.notify_many([user_id], "booking_time_free", link, {
                "space": space.name, "when": Slot(starts_at, ends_at).label()})
