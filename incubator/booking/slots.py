"""A space's time: its opening hours, the rules its managers set for booking it (the step, the
shortest and longest booking, the notice, the horizon, the buffer and the release time), the
`Slot` a booking holds, what stands against a wanted time, and the free slots offered when the
wanted one is taken.

`Slot` and `local_instant` are named here for booking's many callers (the grid, watches,
utilization, training).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from tortoise.queryset import QuerySet

from incubator import access, clock, i18n, workdays
from incubator.access import Principal
from incubator.audit import service as audit
from incubator.booking.commands import Book, SetRules
from incubator.booking.models import LONGEST_HOLD, SLOT_MINUTES, Booking, BookingRules, BookingStatus
from incubator.errors import Conflict, ValidationFailed
from incubator.i18n import gettext as _
from incubator.parks.models import WEEKDAYS, Space

SUGGESTIONS = 3  # free slots offered when the asked-for time is taken


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime

    def label(self) -> str:
        start, end = (moment.astimezone(clock.zone()) for moment in (self.starts_at, self.ends_at))
        return f"{start:%m-%d %H:%M}–{end:%H:%M}"


local_instant = clock.local_instant  # booking's many callers name it here


def opening_on(space: Space, day: date) -> tuple[time, time] | None:
    hours = (space.opening_hours or {}).get(WEEKDAYS[day.weekday()])
    if not hours:
        return None
    return time.fromisoformat(hours[0]), time.fromisoformat(hours[1])


# ---- a space's rules ------------------------------------------------------------------------------

async def rules_for(space_id: int) -> BookingRules:
    """The space's rules, or the defaults (unsaved) until a manager sets them."""
    return await BookingRules.get_or_none(space_id=space_id) or BookingRules(space_id=space_id)


RULE_FIELDS = ("slot_minutes", "min_minutes", "max_minutes", "notice_minutes", "horizon_days", "buffer_minutes",
               "release_minutes")


async def set_rules(principal: Principal, space_id: int, command: SetRules) -> BookingRules:
    """The park's managers set how a space is booked; bookings already made keep their times."""
    space = await access.get_or_404(Space, principal, "change", id=space_id)
    errors = {}
    if command.slot_minutes not in SLOT_MINUTES:
        errors["slot_minutes"] = _("Choose one of the options.")
    elif command.min_minutes % command.slot_minutes or command.max_minutes % command.slot_minutes:
        errors["min_minutes"] = _("Durations are whole steps of %(minutes)s minutes.", minutes=command.slot_minutes)
    if command.min_minutes > command.max_minutes:
        errors["max_minutes"] = _("The longest booking cannot be shorter than the shortest.")
    if errors:
        raise ValidationFailed(errors)
    after: dict[str, Any] = {name: getattr(command, name) for name in RULE_FIELDS}
    return await audit.save_settings(principal, BookingRules, {"space_id": space.id}, after, space)


# ---- a wanted time --------------------------------------------------------------------------------

def check_time(space: Space, rules: BookingRules, command: Book, day: date, now: datetime, *, block: bool = False
                ) -> dict[str, str]:
    """What stands against the command's time on `day` (its day, or one of its series'). A manager's
    block (maintenance, an event of the park) may last as long as the space is open that day: the
    shortest and longest booking do not apply."""
    errors: dict[str, str] = {}
    starts_at, ends_at = local_instant(day, command.start), local_instant(day, command.end)
    minutes = int((ends_at - starts_at).total_seconds() // 60)
    opening = opening_on(space, day)
    if opening is None or workdays.is_public_holiday(day):
        errors["day"] = _("The space is closed that day.")
    elif command.start < opening[0] or command.end > opening[1]:
        errors["start"] = _("The space is open %(open)s–%(close)s that day.",
                            open=f"{opening[0]:%H:%M}", close=f"{opening[1]:%H:%M}")
    if minutes <= 0:
        errors["end"] = _("The end must be after the start.")
    elif (command.start.minute % rules.slot_minutes or minutes % rules.slot_minutes
          or command.start.second or command.end.second):
        errors["start"] = _("Book in steps of %(minutes)s minutes.", minutes=rules.slot_minutes)
    elif not block and not rules.min_minutes <= minutes <= rules.max_minutes:
        errors["end"] = _("A booking lasts %(least)s to %(most)s minutes.",
                          least=rules.min_minutes, most=rules.max_minutes)
    if "day" not in errors:
        if starts_at < now + timedelta(minutes=rules.notice_minutes):
            errors["start"] = _("Book at least %(minutes)s minutes ahead.", minutes=rules.notice_minutes)
        elif day > clock.today() + timedelta(days=rules.horizon_days):
            errors["day"] = _("Bookings open %(days)s days ahead.", days=rules.horizon_days)
    if command.attendees > space.capacity:
        errors["attendees"] = _("The space holds %(capacity)s people.", capacity=space.capacity)
    return errors


def confirmed_overlapping(space_id: int, starts_at: datetime, held_until: datetime) -> QuerySet[Booking]:
    return Booking.filter(space_id=space_id, status=BookingStatus.CONFIRMED, starts_at__lt=held_until,
                          starts_at__gt=starts_at - LONGEST_HOLD, held_until__gt=starts_at)


async def free_slots(space: Space, rules: BookingRules, wanted: Slot, now: datetime,
                     count: int = SUGGESTIONS) -> list[Slot]:
    """The free slots of the same length nearest to `wanted`, over that day and the next six."""
    length = wanted.ends_at - wanted.starts_at
    buffer = timedelta(minutes=rules.buffer_minutes)
    first_day = wanted.starts_at.astimezone(clock.zone()).date()
    taken = await Booking.filter(
        space_id=space.id, status=BookingStatus.CONFIRMED,
        starts_at__lt=local_instant(first_day + timedelta(days=7), time()),
        starts_at__gt=local_instant(first_day, time()) - LONGEST_HOLD, held_until__gt=local_instant(first_day, time()),
    ).values_list("starts_at", "held_until")
    candidates = []
    for offset in range(7):
        day = first_day + timedelta(days=offset)
        opening = opening_on(space, day)
        if opening is None or workdays.is_public_holiday(day):
            continue
        start, close = local_instant(day, opening[0]), local_instant(day, opening[1])
        while start + length <= close:
            held = start + length + buffer
            if start >= now + timedelta(minutes=rules.notice_minutes) and not any(
                    other_start < held and other_held > start for other_start, other_held in taken):
                candidates.append(Slot(start, start + length))
            start += timedelta(minutes=rules.slot_minutes)
    candidates.sort(key=lambda slot: abs(slot.starts_at - wanted.starts_at))
    return sorted(candidates[:count], key=lambda slot: slot.starts_at)


def taken_between(suggestions: list[Slot]) -> Conflict:
    if not suggestions:
        return Conflict(_("This time was just taken, and the space has no free time of that length this week."))
    return Conflict(_("This time was just taken. Free nearby: %(slots)s.",
                      slots=i18n.list_separator().join(slot.label() for slot in suggestions)))
