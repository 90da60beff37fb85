"""Booking shared spaces: the rules of each space, an organization's quota shared by its members,
and no two confirmed bookings of a space holding the same time, whatever the concurrency.

Each booking is one transaction that first serializes on its space and its organization
(`db.serialize`: advisory locks on PostgreSQL, the write lock on SQLite), then checks the overlap
and the quota against what is committed, then writes. On PostgreSQL the exclusion constraint
`ex_booking_no_overlap` guarantees the overlap rule even for a writer that skipped the locks.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet

from incubator import access, clock, db, events, i18n, workdays
from incubator.access import Principal
from incubator.audit import service as audit
from incubator.auth import service as auth_service
from incubator.auth.models import ParkManager
from incubator.booking.commands import Book, Cancel, Move, SetQuota, SetRules
from incubator.booking.events import NoShowRecorded, TimeFreed
from incubator.booking.models import (
    ACTIVE_STATUSES,
    END_REASON_LABELS,
    LONGEST_HOLD,
    SLOT_MINUTES,
    Booking,
    BookingQuota,
    BookingRules,
    BookingSeries,
    BookingStatus,
)
from incubator.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from incubator.i18n import N_
from incubator.i18n import gettext as _
from incubator.notifications import service as notifications
from incubator.organizations.events import StageChanged
from incubator.organizations.models import RESIDENT_STAGES, Organization, Stage
from incubator.parks.models import WEEKDAYS, Park, Space
from incubator.roles import Role

SUGGESTIONS = 3  # free slots offered when the asked-for time is taken
# End reasons the system writes are codes, not text (a reason typed by a manager is kept as typed);
# models.END_REASON_LABELS translates them.
LEFT_PARK = "left_park"  # cancelled: the organization graduated or exited
OVERLAPS_APPROVED = "overlaps_approved"  # rejected because an overlapping request was approved
NO_SHOW = "no_show"  # released: not checked in in time
HELD_RELEASED = "held_released"  # a hold freed by what held it (a training session cancelled or moved)


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime

    def label(self) -> str:
        start, end = (moment.astimezone(clock.zone()) for moment in (self.starts_at, self.ends_at))
        return f"{start:%m-%d %H:%M}–{end:%H:%M}"


async def rules_for(space_id: int) -> BookingRules:
    """The space's rules, or the defaults (unsaved) until a manager sets them."""
    return await BookingRules.get_or_none(space_id=space_id) or BookingRules(space_id=space_id)


async def quota_for(park_id: int) -> BookingQuota:
    return await BookingQuota.get_or_none(park_id=park_id) or BookingQuota(park_id=park_id)


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


async def set_quota(principal: Principal, park_id: int, command: SetQuota) -> BookingQuota:
    park = await access.get_or_404(Park, principal, "change", id=park_id)
    after: dict[str, Any] = {"week_minutes": command.week_hours * 60, "month_minutes": command.month_hours * 60,
                             "open_bookings": command.open_bookings,
                             "graduate_week_minutes": command.graduate_week_hours * 60,
                             "graduate_month_minutes": command.graduate_month_hours * 60,
                             "graduate_open_bookings": command.graduate_open_bookings}
    return await audit.save_settings(principal, BookingQuota, {"park_id": park.id}, after, park)


local_instant = clock.local_instant  # booking's many callers name it here


def opening_on(space: Space, day: date) -> tuple[time, time] | None:
    hours = (space.opening_hours or {}).get(WEEKDAYS[day.weekday()])
    if not hours:
        return None
    return time.fromisoformat(hours[0]), time.fromisoformat(hours[1])


async def _organization_for(principal: Principal, space: Space, command: Book) -> Organization | None:
    """The organization the booking is for (None: a manager's block), if the principal may book for it."""
    if principal.is_(Role.MEMBER):
        organization_id = principal.organization_id
    elif principal.is_(Role.ADMIN) or (principal.is_(Role.MANAGER) and space.park_id in principal.park_ids):
        organization_id = command.organization_id
        if organization_id is None:
            return None
    else:
        raise PermissionDenied(_("You may not book this space."))
    organization = await Organization.get_or_none(id=organization_id).only("id", "park_id", "stage", "name_zh")
    if organization is None:
        raise ValidationFailed({"organization_id": _("Choose one of the options.")})
    if organization.park_id != space.park_id or not await _books_at(space.park_id, organization.stage):
        raise PermissionDenied(_("Only organizations incubating in this park may book its spaces."))
    return organization


def _check_time(space: Space, rules: BookingRules, command: Book, day: date, now: datetime, *, block: bool = False
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


def _confirmed_overlapping(space_id: int, starts_at: datetime, held_until: datetime) -> QuerySet[Booking]:
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


def _taken(suggestions: list[Slot]) -> Conflict:
    if not suggestions:
        return Conflict(_("This time was just taken, and the space has no free time of that length this week."))
    return Conflict(_("This time was just taken. Free nearby: %(slots)s.",
                      slots=i18n.list_separator().join(slot.label() for slot in suggestions)))


def _periods(day: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """The week (Monday first) and the calendar month `day` is in, as [first, after) days."""
    monday, first = day - timedelta(days=day.weekday()), day.replace(day=1)
    return (monday, monday + timedelta(days=7)), (first, workdays.add_months(first, 1))


def _instants(days: tuple[date, date]) -> tuple[datetime, datetime]:
    return local_instant(days[0], time()), local_instant(days[1], time())


async def _check_quota(connection: Any, organization: Organization, park_id: int, wanted: Slot, now: datetime,
                       series_id: int | None = None) -> None:
    """Refuses a booking that would take the organization over its park's quota: minutes a week and
    a month, and bookings to come at once (a weekly series counts once: `series_id`, the series this
    booking joins, already counted)."""
    week_allowed, month_allowed, open_allowed = (await quota_for(park_id)).limits(
        organization.stage == Stage.GRADUATED)
    minutes = int((wanted.ends_at - wanted.starts_at).total_seconds() // 60)
    week, month = (_instants(days) for days in _periods(wanted.starts_at.astimezone(clock.zone()).date()))
    week_minutes, month_minutes, to_come = await _quota_used(connection, organization.id, week, month, now)
    for booked, allowed, message in (
        (week_minutes, week_allowed,
         N_("This booking would take your organization over its %(hours)s hours this week.")),
        (month_minutes, month_allowed,
         N_("This booking would take your organization over its %(hours)s hours this month.")),
    ):
        if booked + minutes > allowed:
            raise ValidationFailed({"end": _(message, hours=_hours(allowed))})
    if series_id is None and to_come >= open_allowed:
        raise ValidationFailed({"start": _(
            "Your organization already has %(count)s bookings to come, its most at once.", count=open_allowed)})


# What the quota counts, in one query over one index range (organization, start) of the organization's
# active bookings, summed by the database: the minutes starting in the week and in the month (as
# the series preview's sums) and the bookings to come, a series once (its negated id: ids are
# positive), which started after now less LONGEST_HOLD. Reading the rows instead (three
# queries, every instant parsed in Python) took ~2 ms a booking at city scale. Written out per
# dialect (the placeholders and a length in minutes differ); ORM annotations cost ~0.5 ms to build.
_QUOTA_USED = """
SELECT COALESCE(SUM(CASE WHEN starts_at >= {0} AND starts_at < {1} THEN {minutes} END), 0),
       COALESCE(SUM(CASE WHEN starts_at >= {2} AND starts_at < {3} THEN {minutes} END), 0),
       COUNT(DISTINCT CASE WHEN ends_at > {4} THEN COALESCE(-series_id, id) END)
FROM booking WHERE organization_id = {5} AND status IN ({6}, {7}) AND starts_at >= {8}"""
_QUOTA_SQL = {
    "sqlite": _QUOTA_USED.format(*["?"] * 9, minutes="ROUND((julianday(ends_at) - julianday(starts_at)) * 1440)"),
    "postgres": _QUOTA_USED.format(*(f"${n}" for n in range(1, 10)),
                                   minutes="ROUND(EXTRACT(EPOCH FROM (ends_at - starts_at)) / 60)"),
}


async def _quota_used(connection: Any, organization_id: int, week: tuple[datetime, datetime],
                      month: tuple[datetime, datetime], now: datetime) -> tuple[int, int, int]:
    """The organization's minutes booked in the week and in the month, and its bookings to come."""
    _count, rows = await connection.execute_query(_QUOTA_SQL[connection.capabilities.dialect], [
        *week, *month, now, organization_id, *(status.value for status in ACTIVE_STATUSES),
        min(week[0], month[0], now - LONGEST_HOLD)])
    week_minutes, month_minutes, to_come = tuple(rows[0])
    return int(week_minutes), int(month_minutes), int(to_come)


def _hours(minutes: int) -> str:
    return f"{minutes / 60:g}"


def occurrences(command: Book) -> list[date]:
    """The days a booking asks for: its day, and the same weekday of the weeks after it for a weekly
    series, without the days the user chose to skip."""
    return [day for week in range(command.weeks) if (day := command.day + timedelta(weeks=week)) not in command.skip]


@dataclass(frozen=True)
class Occurrence:
    day: date
    problem: str  # why it cannot be booked ("" when it can)


async def plan(principal: Principal, command: Book) -> list[Occurrence]:
    """The dates of a weekly series before it is saved, each with what stands in its way (closed, taken,
    over the quota), so the user skips those dates or chooses another time. Checked again on saving."""
    space = await bookable_space(command.space_id)
    organization = await _organization_for(principal, space, command)
    rules = await rules_for(space.id)
    now = clock.now()
    days = [command.day + timedelta(weeks=week) for week in range(command.weeks)]
    slots = [Slot(local_instant(day, command.start), local_instant(day, command.end)) for day in days]
    buffer = timedelta(minutes=rules.buffer_minutes)
    taken = await Booking.filter(
        space_id=space.id, status=BookingStatus.CONFIRMED, starts_at__lt=slots[-1].ends_at + buffer,
        starts_at__gt=slots[0].starts_at - LONGEST_HOLD, held_until__gt=slots[0].starts_at,
    ).values_list("starts_at", "held_until")
    booked: list[tuple[datetime, datetime]] = []
    limits = None
    at_most_open = ""
    if organization is not None:
        limits = (await quota_for(space.park_id)).limits(organization.stage == Stage.GRADUATED)
        # Every week and month a date of the series falls in, whole.
        (week, month), (last_week, last_month) = _periods(days[0]), _periods(days[-1])
        window = (min(week[0], month[0]), max(last_week[1], last_month[1]))
        booked = list(await Booking.filter(
            organization_id=organization.id, status__in=list(ACTIVE_STATUSES),
            starts_at__gte=local_instant(window[0], time()), starts_at__lt=local_instant(window[1], time()),
        ).values_list("starts_at", "ends_at"))
        this_week = _instants(_periods(clock.today())[0])
        *_used, to_come = await _quota_used(Booking._meta.db, organization.id, this_week, this_week, now)
        if to_come >= limits[2]:
            at_most_open = _("Your organization already has %(count)s bookings to come, its most at once.",
                             count=limits[2])
    result = []
    for day, slot in zip(days, slots, strict=True):
        if day in command.skip:
            result.append(Occurrence(day, ""))
            continue
        errors = _check_time(space, rules, command, day, now, block=organization is None)
        problem = next(iter(errors.values()), "") or at_most_open
        if not problem and any(start < slot.ends_at + buffer and held > slot.starts_at for start, held in taken):
            problem = _("Taken.")
        if not problem and limits is not None:
            problem = _over_quota(limits, booked, slot)
            if not problem:
                booked.append((slot.starts_at, slot.ends_at))
        result.append(Occurrence(day, problem))
    return result


def _over_quota(limits: tuple[int, int, int], booked: list[tuple[datetime, datetime]], slot: Slot) -> str:
    """Why `slot` would take the organization over its week or month (`booked`: its bookings of
    those periods, the series' earlier dates included), or ""."""
    minutes = int((slot.ends_at - slot.starts_at).total_seconds() // 60)
    week, month = _periods(slot.starts_at.astimezone(clock.zone()).date())
    for days, allowed, message in ((week, limits[0], N_("Over your organization's %(hours)s hours that week.")),
                                   (month, limits[1], N_("Over your organization's %(hours)s hours that month."))):
        low, high = _instants(days)
        used = sum(int((end - start).total_seconds() // 60) for start, end in booked if low <= start < high)
        if used + minutes > allowed:
            return _(message, hours=_hours(allowed))
    return ""


async def bookable_space(space_id: int) -> Space:
    space = await Space.get_or_none(id=space_id, is_active=True, bookable=True)
    if space is None:
        raise NotFound(_("Not found."))
    return space


async def book(principal: Principal, command: Book, space: Space | None = None) -> Booking:
    """Books a space (pending when the space needs a manager's approval), or says why not. A weekly
    series books every one of its days, or none: one date that cannot be booked refuses the whole.
    `space`: the command's space, active and bookable, when the caller has just read it."""
    if space is None or space.id != command.space_id:
        space = await bookable_space(command.space_id)
    organization = await _organization_for(principal, space, command)
    rules = await rules_for(space.id)
    now = clock.now()
    days = occurrences(command)
    if not days:
        raise ValidationFailed({"weeks": _("Every date is skipped: there is nothing to book.")})
    series = command.weeks > 1
    for day in days:
        errors = _check_time(space, rules, command, day, now, block=organization is None)
        if errors:
            if series:
                raise ValidationFailed({"weeks": _("%(date)s: %(problem)s", date=day.isoformat(),
                                                   problem=next(iter(errors.values())))})
            raise ValidationFailed(errors)
    status = BookingStatus.PENDING if space.needs_approval and organization is not None else BookingStatus.CONFIRMED
    keys = [f"booking:space:{space.id}"] + ([f"booking:organization:{organization.id}"] if organization else [])
    wanted = Slot(local_instant(days[0], command.start), local_instant(days[0], command.end))
    try:
        async with events.transaction() as connection:
            await db.serialize(connection, Booking._meta.db_table, *keys)
            series_row = None
            if series:
                series_row = await BookingSeries.create(
                    space_id=space.id, organization_id=organization.id if organization else None,
                    booked_by_id=principal.id, weeks=command.weeks)
            created: list[Booking] = []
            for day in days:
                wanted = Slot(local_instant(day, command.start), local_instant(day, command.end))
                held_until = wanted.ends_at + timedelta(minutes=rules.buffer_minutes)
                if await _confirmed_overlapping(space.id, wanted.starts_at, held_until).exists():
                    if series:
                        raise Conflict(_("%(date)s was just taken: look at the dates again.", date=day.isoformat()))
                    raise _taken(await free_slots(space, rules, wanted, now))
                if organization is not None:
                    try:
                        await _check_quota(connection, organization, space.park_id, wanted, now,
                                           series_row.id if series_row and created else None)
                    except ValidationFailed as refused:
                        if not series:
                            raise
                        raise ValidationFailed({"weeks": _("%(date)s: %(problem)s", date=day.isoformat(),
                                                           problem=refused.message)}) from None
                booking = await Booking.create(
                    space_id=space.id, organization_id=organization.id if organization else None,
                    booked_by_id=principal.id, starts_at=wanted.starts_at, ends_at=wanted.ends_at,
                    held_until=held_until, attendees=command.attendees, purpose=command.purpose, status=status,
                    series_id=series_row.id if series_row else None)
                await audit.record(principal, "create", booking, audit.diff({}, {
                    "space_id": space.id, "organization_id": booking.organization_id, "starts_at": wanted.starts_at,
                    "ends_at": wanted.ends_at, "status": status.value}))
                created.append(booking)
            if status == BookingStatus.PENDING:
                managers = await db.flat(ParkManager.filter(park_id=space.park_id).values_list("user_id", flat=True))
                first = created[0]
                when = Slot(first.starts_at, first.ends_at).label()
                if series:
                    when = _("%(when)s, weekly, %(count)s dates", when=when, count=len(created))
                await notifications.notify_many(managers, "booking_requested", "/bookings?status=pending", {
                    "space": space.name, "organization": organization.name_zh if organization else "",
                    "when": when})
    except IntegrityError:
        # PostgreSQL's exclusion constraint: only a writer that skipped the locks gets here.
        raise _taken(await free_slots(space, rules, wanted, now)) from None
    return created[0]


# ---- rooms held by another capability (a training session) -----------------------------------------

def hold_problem(space: Space, day: date, start: time, end: time) -> str:
    """What stands against holding `space` on `day` from `start` to `end`, before looking at other
    bookings: a bookable space keeps its opening hours and closed days (a room nobody books has none)."""
    if start >= end:
        return _("The end must be after the start.")
    if not space.bookable:
        return ""
    opening = opening_on(space, day)
    if opening is None or workdays.is_public_holiday(day):
        return _("The space is closed that day.")
    if start < opening[0] or end > opening[1]:
        return _("The space is open %(open)s–%(close)s that day.", open=f"{opening[0]:%H:%M}",
                 close=f"{opening[1]:%H:%M}")
    return ""


async def hold(connection: Any, principal: Principal | None, space: Space, starts_at: datetime, ends_at: datetime,
               held_by: str, purpose: str, keep: int | None = None) -> Booking:
    """Inside the caller's transaction: `space` is held from `starts_at` to `ends_at` (plus its buffer)
    for `held_by` as a confirmed booking, or Conflict if another booking holds any of that time. The
    same serialization and, on PostgreSQL, the same exclusion constraint as every booking: a session
    and a booking never hold one room at once. `keep`: the caller's own hold being moved (it is
    ended once the new one is made; its time does not count as taken)."""
    await db.serialize(connection, Booking._meta.db_table, f"booking:space:{space.id}")
    buffer = (await rules_for(space.id)).buffer_minutes if space.bookable else 0
    held_until = ends_at + timedelta(minutes=buffer)
    taken = _confirmed_overlapping(space.id, starts_at, held_until)
    if keep is not None:
        taken = taken.exclude(id=keep)
    if await taken.exists():
        raise Conflict(_("%(space)s is taken at %(when)s.", space=space.name, when=Slot(starts_at, ends_at).label()))
    if keep is not None:
        await release_hold(principal, keep)
    try:  # an IntegrityError ends the caller's transaction on PostgreSQL: the Conflict rolls it back
        booking = await Booking.create(space_id=space.id, organization_id=None, booked_by_id=principal.id if principal
                                       else None, starts_at=starts_at, ends_at=ends_at, held_until=held_until,
                                       purpose=purpose[:200], status=BookingStatus.CONFIRMED, held_by=held_by)
    except IntegrityError:  # PostgreSQL's exclusion constraint: a writer that skipped the locks
        raise Conflict(_("%(space)s is taken at %(when)s.", space=space.name,
                         when=Slot(starts_at, ends_at).label())) from None
    await audit.record(principal, "create", booking, audit.diff({}, {
        "space_id": space.id, "starts_at": starts_at, "ends_at": ends_at, "status": BookingStatus.CONFIRMED.value}))
    return booking


async def release_hold(principal: Principal | None, booking_id: int) -> None:
    """Inside the caller's transaction: the hold ends (its time frees: watchers are told)."""
    rows = await Booking.filter(id=booking_id, status=BookingStatus.CONFIRMED).values_list(
        "space_id", "starts_at", "held_until")
    if not rows:
        return
    await Booking.filter(id=booking_id).update(status=BookingStatus.CANCELLED, ended_at=clock.now(),
                                               end_reason=HELD_RELEASED)
    await audit.record(principal, "cancel", object_type="Booking", object_id=booking_id,
                       object_repr=f"Booking {booking_id}",
                       changes={"status": [BookingStatus.CONFIRMED.value, BookingStatus.CANCELLED.value]})
    space_id, starts_at, held_until = rows[0]
    events.emit(TimeFreed(space_id, starts_at, held_until))


async def _books_at(park_id: int, stage: str) -> bool:
    """Whether an organization of the park at `stage` books its spaces: a resident does, a graduate
    when the park gives graduates a quota (the quota is read only then)."""
    return stage in RESIDENT_STAGES or (stage == Stage.GRADUATED and (await quota_for(park_id)).graduates_may_book)


async def _bookers(park_id: int) -> QuerySet[Organization]:
    """The organizations that may book a park's spaces: those in a resident stage there, and its
    graduates when the park gives them a quota."""
    stages = list(RESIDENT_STAGES)
    if (await quota_for(park_id)).graduates_may_book:
        stages.append(Stage.GRADUATED)
    return Organization.filter(park_id=park_id, stage__in=stages)


async def _member_park(principal: Principal) -> int | None:
    """The park whose spaces a member's organization may book (None: none)."""
    if principal.organization_id is None:
        return None
    rows = await Organization.filter(id=principal.organization_id).values_list("park_id", "stage")
    if not rows or rows[0][0] is None:
        return None
    park_id, stage = rows[0]
    return park_id if await _books_at(park_id, stage) else None


async def may_book(principal: Principal, space: Space) -> bool:
    """Whether the principal may book `space` at all (the rules of a booking are `book`'s)."""
    if principal.is_(Role.ADMIN):
        return True
    if principal.is_(Role.MANAGER):
        return space.park_id in principal.park_ids
    return principal.is_(Role.MEMBER) and await _member_park(principal) == space.park_id


async def bookable_spaces(principal: Principal, limit: int = 100) -> list[Space]:
    """The spaces the principal may book (for a member, the spaces of their organization's park)."""
    spaces = Space.filter(bookable=True, is_active=True).only("id", "name", "park_id", "capacity", "kind")
    if principal.is_(Role.MEMBER):
        park_id = await _member_park(principal)
        if park_id is None:
            return []
        spaces = spaces.filter(park_id=park_id)
    elif principal.is_(Role.MANAGER):
        spaces = spaces.filter(park_id__in=list(principal.park_ids))
    elif not principal.is_(Role.ADMIN):
        return []
    return list(await spaces.order_by("park_id", "name").limit(limit))


async def organizations_to_book_for(principal: Principal, space: Space) -> list[tuple[int, str]]:
    """A manager's choice on the booking form: the resident organizations of the space's park."""
    if principal.is_(Role.MEMBER) or not await may_book(principal, space):
        return []
    return await (await _bookers(space.park_id)).order_by("name_zh").values_list("id", "name_zh")


async def door_view(secret: str, space_id: int, token: str) -> tuple[Space, list[Booking], str, str]:
    """The tablet at a room's door: the space, today's confirmed bookings with their organization, and
    today's check-in code, for the QR code and in six digits to type; NotFound unless `token` is the
    door's secret."""
    space = await Space.get_or_none(id=space_id, bookable=True, is_active=True)
    if space is None or not hmac.compare_digest(token.encode(), door_token(secret, space.id).encode()):
        raise NotFound(_("Not found."))
    today = clock.today()
    bookings = await Booking.filter(
        space_id=space.id, status=BookingStatus.CONFIRMED, starts_at__gte=local_instant(today, time()),
        starts_at__lt=local_instant(today + timedelta(days=1), time())).select_related("organization").only(
        "id", "starts_at", "ends_at", "checked_in_at", "organization_id", "organization__id",
        "organization__name_zh").order_by("starts_at")
    return space, list(bookings), door_code(secret, space.id, today), door_typed_code(secret, space.id, today)


def cancel_allowed(principal: Principal, booking: Booking) -> bool:
    if booking.status not in ACTIVE_STATUSES or booking.held_by:
        return False
    if principal.is_(Role.ADMIN):
        return True
    if principal.is_(Role.MANAGER):
        return True  # within their parks: the caller found the booking through the access scope
    return (principal.is_(Role.MEMBER) and booking.organization_id == principal.organization_id
            and booking.starts_at > clock.now())


def end_reason(booking: Booking) -> str:
    """Why a booking ended, in the reader's language (a typed reason as typed)."""
    label = END_REASON_LABELS.get(booking.end_reason)
    return _(label) if label else booking.end_reason


def cancel_needs_reason(principal: Principal, booking: Booking) -> bool:
    """A manager cancelling an organization's booking says why (the organization is told)."""
    return principal.is_(Role.ADMIN, Role.MANAGER) and booking.organization_id is not None


async def cancel(principal: Principal, booking_id: int, command: Cancel) -> Booking:
    """The organization cancels until the start; managers at any time, with a reason. With
    `rest_of_series`, the later dates of the booking's weekly series go too."""
    booking = await access.get_or_404(Booking, principal, id=booking_id)
    if not cancel_allowed(principal, booking):
        raise PermissionDenied(_("This booking can no longer be cancelled."))
    if cancel_needs_reason(principal, booking) and not command.reason.strip():
        raise ValidationFailed({"reason": _("Say why the booking is cancelled.")})
    ids = [booking.id]
    async with events.transaction():
        if command.rest_of_series and booking.series_id is not None:
            ids += await db.flat(Booking.filter(
                series_id=booking.series_id, status__in=list(ACTIVE_STATUSES), starts_at__gt=booking.starts_at,
            ).values_list("id", flat=True))
        # Locked first (PostgreSQL; SQLite has one writer): an approval committing meanwhile would
        # otherwise be cancelled by the UPDATE and audited with the status read before it.
        ending = [(row.id, row.status.value, row.space_id, row.starts_at, row.held_until)
                  for row in await Booking.filter(id__in=ids, status__in=list(ACTIVE_STATUSES)).select_for_update(
                      ).only("id", "status", "space_id", "starts_at", "held_until").order_by("id")]
        if booking.id not in {row[0] for row in ending}:
            raise Conflict(_("This booking was changed meanwhile; look again."))
        await Booking.filter(id__in=[row[0] for row in ending], status__in=list(ACTIVE_STATUSES)).update(
            status=BookingStatus.CANCELLED, ended_at=clock.now(), end_reason=command.reason.strip())
        for id_, status, space_id, starts_at, held_until in ending:
            await audit.record(principal, "cancel", object_type="Booking", object_id=id_, object_repr=f"Booking {id_}",
                               changes={"status": [status, BookingStatus.CANCELLED.value]})
            events.emit(TimeFreed(space_id, starts_at, held_until))  # a date moved elsewhere frees its own room
        if principal.organization_id != booking.organization_id and booking.organization_id is not None:
            when = Slot(booking.starts_at, booking.ends_at).label()
            if len(ending) > 1:
                when = _("%(when)s and the series' %(count)s later dates", when=when, count=len(ending) - 1)
            await notifications.notify_many(
                await auth_service.member_ids(booking.organization_id), "booking_cancelled", "/bookings",
                {"space": await _space_name(booking.space_id), "when": when, "reason": command.reason.strip()})
    booking.status = BookingStatus.CANCELLED
    return booking


def move_allowed(principal: Principal, booking: Booking) -> bool:
    """Managers (of the space's park: found through the access scope) move a booking not yet ended."""
    return (principal.is_(Role.ADMIN, Role.MANAGER) and booking.status in ACTIVE_STATUSES
            and booking.ends_at > clock.now() and not booking.held_by)


async def move_targets(principal: Principal, park_id: int) -> list[Space]:
    """The spaces a manager may move a booking of the park to: its bookable ones (`move` refuses others)."""
    if not principal.manages(park_id):
        return []
    return list(await Space.filter(park_id=park_id, bookable=True, is_active=True).only(
        "id", "name", "park_id").order_by("name", "id"))


async def move(principal: Principal, booking_id: int, command: Move) -> Booking:
    """A manager moves a booking to another time, or another space of the same park: the space's
    rules of time apply (not the quota: the manager decides), and the new time must be free."""
    booking = await access.get_or_404(Booking, principal, id=booking_id)
    if not move_allowed(principal, booking):
        raise PermissionDenied(_("Only the park's managers move a booking, before it ends."))
    old_space = await Space.get(id=booking.space_id).only("id", "park_id", "name")
    space = await bookable_space(command.space_id)
    if space.id not in {target.id for target in await move_targets(principal, old_space.park_id)}:
        raise ValidationFailed({"space_id": _("Choose one of the options.")})
    rules = await rules_for(space.id)
    now = clock.now()
    as_booked = Book(space_id=space.id, day=command.day, start=command.start, end=command.end,
                     attendees=booking.attendees)
    errors = _check_time(space, rules, as_booked, command.day, now, block=booking.organization_id is None)
    if errors:
        raise ValidationFailed(errors)
    wanted = Slot(local_instant(command.day, command.start), local_instant(command.day, command.end))
    held_until = wanted.ends_at + timedelta(minutes=rules.buffer_minutes)
    spaces = sorted({booking.space_id, space.id})
    try:
        async with events.transaction() as connection:
            await db.serialize(connection, Booking._meta.db_table, *(f"booking:space:{i}" for i in spaces))
            if await _confirmed_overlapping(space.id, wanted.starts_at, held_until).exclude(id=booking.id).exists():
                raise _taken(await free_slots(space, rules, wanted, now))
            # Moved, it is a new time: a check-in to the old one does not count for it.
            if not await Booking.filter(id=booking.id, status=booking.status, starts_at=booking.starts_at).update(
                    space_id=space.id, starts_at=wanted.starts_at, ends_at=wanted.ends_at, held_until=held_until,
                    checked_in_at=None):
                raise Conflict(_("This booking was changed meanwhile; look again."))
            await audit.record(principal, "move", booking, audit.diff(
                {"space_id": booking.space_id, "starts_at": booking.starts_at, "ends_at": booking.ends_at},
                {"space_id": space.id, "starts_at": wanted.starts_at, "ends_at": wanted.ends_at}))
            events.emit(TimeFreed(booking.space_id, booking.starts_at, booking.held_until))
            moved = Booking(space_id=space.id, starts_at=wanted.starts_at, ends_at=wanted.ends_at)
            await _tell_members(booking.organization_id, "booking_moved", space.name, moved,
                                reason=command.reason.strip())
    except IntegrityError:  # PostgreSQL's exclusion constraint
        raise _taken(await free_slots(space, rules, wanted, now)) from None
    booking.space_id, booking.starts_at, booking.ends_at, booking.held_until = (
        space.id, wanted.starts_at, wanted.ends_at, held_until)
    return booking


def decide_allowed(principal: Principal, booking: Booking) -> bool:
    """Managers (of the space's park: the caller found the booking through the access scope) and
    administrators approve or reject a pending booking."""
    return booking.status == BookingStatus.PENDING and principal.is_(Role.ADMIN, Role.MANAGER)


async def approve(principal: Principal, booking_id: int) -> Booking:
    """Confirms a pending booking; the pending ones overlapping it are rejected, with the reason.
    Serialized on the space like a booking, so nothing confirmed can slip in between."""
    booking = await access.get_or_404(Booking, principal, id=booking_id)
    if not decide_allowed(principal, booking):
        raise PermissionDenied(_("Only a pending booking can be approved, by the park's managers."))
    if booking.starts_at <= clock.now():
        raise ValidationFailed({"booking": _("This booking has already started: it can no longer be approved.")})
    try:
        async with events.transaction() as connection:
            await db.serialize(connection, Booking._meta.db_table, f"booking:space:{booking.space_id}")
            if await _confirmed_overlapping(booking.space_id, booking.starts_at, booking.held_until).exists():
                raise Conflict(_("Another booking of this time was confirmed meanwhile: reject this one."))
            if not await Booking.filter(id=booking.id, status=BookingStatus.PENDING).update(
                    status=BookingStatus.CONFIRMED):
                raise Conflict(_("This booking was changed meanwhile; look again."))
            await audit.record(principal, "approve", booking, {"status": [booking.status, "confirmed"]})
            losers = await Booking.filter(
                space_id=booking.space_id, status=BookingStatus.PENDING, starts_at__lt=booking.held_until,
                starts_at__gt=booking.starts_at - LONGEST_HOLD, held_until__gt=booking.starts_at).exclude(
                id=booking.id).values_list("id", "organization_id", "starts_at", "ends_at")
            if losers:
                await Booking.filter(id__in=[loser[0] for loser in losers]).update(
                    status=BookingStatus.REJECTED, ended_at=clock.now(), end_reason=OVERLAPS_APPROVED)
                for loser_id, *_rest in losers:
                    await audit.record(principal, "reject", object_type="Booking", object_id=loser_id,
                                       object_repr=f"Booking {loser_id}",
                                       changes={"status": ["pending", "rejected"]})
            space_name = await _space_name(booking.space_id)
            await _tell_members(booking.organization_id, "booking_approved", space_name, booking)
            for _loser, organization_id, starts_at, ends_at in losers:
                await _tell_members(organization_id, "booking_rejected", space_name,
                                    Booking(space_id=booking.space_id, starts_at=starts_at, ends_at=ends_at))
    except IntegrityError:  # PostgreSQL's exclusion constraint
        raise Conflict(_("Another booking of this time was confirmed meanwhile: reject this one.")) from None
    booking.status = BookingStatus.CONFIRMED
    return booking


async def reject(principal: Principal, booking_id: int, command: Cancel) -> Booking:
    booking = await access.get_or_404(Booking, principal, id=booking_id)
    if not decide_allowed(principal, booking):
        raise PermissionDenied(_("Only a pending booking can be rejected, by the park's managers."))
    if not command.reason.strip():
        raise ValidationFailed({"reason": _("Say why the booking is rejected.")})
    async with events.transaction():
        if not await Booking.filter(id=booking.id, status=BookingStatus.PENDING).update(
                status=BookingStatus.REJECTED, ended_at=clock.now(), end_reason=command.reason.strip()):
            raise Conflict(_("This booking was changed meanwhile; look again."))
        await audit.record(principal, "reject", booking, {"status": ["pending", "rejected"]})
        events.emit(TimeFreed(booking.space_id, booking.starts_at, booking.held_until))
        await _tell_members(booking.organization_id, "booking_rejected", await _space_name(booking.space_id), booking)
    booking.status = BookingStatus.REJECTED
    return booking


async def _tell_members(organization_id: int | None, kind: str, space_name: str, booking: Booking,
                        reason: str = "") -> None:
    if organization_id is None:
        return
    details = {"space": space_name, "when": Slot(booking.starts_at, booking.ends_at).label(), "reason": reason}
    await notifications.notify_many(await auth_service.member_ids(organization_id), kind, "/bookings", details)


async def _space_name(space_id: int) -> str:
    return (await Space.get(id=space_id).only("id", "name")).name


# ---- check-in and no-shows ----------------------------------------------------------------------

CHECK_IN_EARLY = timedelta(minutes=15)  # how long before its start a booking may check in
EXPIRED_CODE_DAYS = 60  # an older door code than this reads as a wrong one, not an expired one


class CheckInRefused(ValidationFailed):
    """Why a check-in is refused: `reason` is one of the constants below (for tests and callers),
    the message says it in the user's language, beside the code field."""

    TOO_EARLY = "too_early"
    ENDED = "ended"
    ALREADY = "already_checked_in"
    NOT_CONFIRMED = "not_confirmed"
    NOT_YOURS = "not_yours"
    NO_BOOKING = "no_booking"
    EXPIRED_CODE = "expired_code"
    WRONG_CODE = "wrong_code"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__({"code": message})
        self.reason = reason


def door_code(secret: str, space_id: int, day: date) -> str:
    """Today's check-in code of a space: shown as a QR code at its door, valid that day only."""
    return hmac.new(secret.encode(), f"check-in:{space_id}:{day.isoformat()}".encode(), hashlib.sha256).hexdigest()[:20]


def door_typed_code(secret: str, space_id: int, day: date) -> str:
    """The same day's code in six digits, printed under the QR code for a member to type in."""
    return f"{int(door_code(secret, space_id, day), 16) % 1_000_000:06d}"


def door_token(secret: str, space_id: int) -> str:
    """The secret part of the address of a space's door page (the tablet at the door)."""
    return hmac.new(secret.encode(), f"door:{space_id}".encode(), hashlib.sha256).hexdigest()[:24]


def _code_refusal(secret: str, space_id: int, code: str) -> CheckInRefused | None:
    """None when `code` is today's code of the space's door, scanned or typed (spaces ignored)."""
    code = "".join(code.split()).replace("-", "").lower()

    def matches(day: date) -> bool:  # compare_digest: the code is any text the member sent
        return any(hmac.compare_digest(code.encode(), known.encode())
                   for known in (door_code(secret, space_id, day), door_typed_code(secret, space_id, day)))

    today = clock.today()
    if code and matches(today):
        return None
    if code and any(matches(today - timedelta(days=n)) for n in range(1, EXPIRED_CODE_DAYS + 1)):
        return CheckInRefused(CheckInRefused.EXPIRED_CODE,
                              _("This code has expired: the code at the door changes every day. Scan it again."))
    return CheckInRefused(CheckInRefused.WRONG_CODE,
                          _("This is not the code at this room's door: scan it, or type the six digits under it."))


def _local_time(moment: datetime) -> str:
    local = moment.astimezone(clock.zone())
    return f"{local:%H:%M}" if local.date() == clock.today() else f"{local:%m-%d %H:%M}"


def check_in_refusal(principal: Principal, booking: Booking) -> CheckInRefused | None:
    """Why the principal may not check in to the booking at its door now; None when they may (a
    member of its organization, the booking confirmed, not checked in, from 15 minutes before its
    start until its end)."""
    if not principal.is_(Role.MEMBER) or booking.organization_id is None \
            or booking.organization_id != principal.organization_id:
        return CheckInRefused(CheckInRefused.NOT_YOURS, _("This is not your organization's booking."))
    if booking.status != BookingStatus.CONFIRMED:
        return CheckInRefused(CheckInRefused.NOT_CONFIRMED, _("Only a confirmed booking checks in."))
    if booking.checked_in_at is not None:
        return CheckInRefused(CheckInRefused.ALREADY, _("Checked in at %(time)s already.",
                                                        time=_local_time(booking.checked_in_at)))
    now = clock.now()
    if now < booking.starts_at - CHECK_IN_EARLY:
        return CheckInRefused(CheckInRefused.TOO_EARLY, _("Check-in opens at %(time)s.",
                                                          time=_local_time(booking.starts_at - CHECK_IN_EARLY)))
    if now >= booking.ends_at:
        return CheckInRefused(CheckInRefused.ENDED, _("This booking ended at %(time)s.",
                                                      time=_local_time(booking.ends_at)))
    return None


def check_in_allowed(principal: Principal, booking: Booking) -> bool:
    """Whether the bookings list offers the member the check-in action now."""
    return check_in_refusal(principal, booking) is None


async def current_booking(organization_id: int, space_id: int) -> Booking | None:
    """The organization's confirmed booking of the space that may check in now."""
    now = clock.now()
    return await Booking.filter(organization_id=organization_id, space_id=space_id, status=BookingStatus.CONFIRMED,
                                starts_at__lte=now + CHECK_IN_EARLY, ends_at__gt=now).order_by("starts_at").first()


async def _no_booking_now(principal: Principal, space_id: int) -> CheckInRefused:
    """Why the member's organization has nothing to check in to at this door now: its next booking
    of the room today is not open yet, its last one ended, or the time is another organization's."""
    now, today = clock.now(), clock.today()
    day = Booking.filter(space_id=space_id, status=BookingStatus.CONFIRMED,
                         starts_at__gte=local_instant(today, time()),
                         starts_at__lt=local_instant(today + timedelta(days=1), time()))
    ours = day.filter(organization_id=principal.organization_id)
    later = await ours.filter(starts_at__gt=now).order_by("starts_at").first()
    if later is not None:
        return check_in_refusal(principal, later) or CheckInRefused(CheckInRefused.NO_BOOKING, "")
    if await day.filter(starts_at__lte=now + CHECK_IN_EARLY, ends_at__gt=now).exists():
        return CheckInRefused(CheckInRefused.NOT_YOURS,
                              _("The booking of this room now is another organization's, not yours."))
    ended = await ours.filter(ends_at__lte=now).order_by("-ends_at").first()
    if ended is not None:
        return check_in_refusal(principal, ended) or CheckInRefused(CheckInRefused.NO_BOOKING, "")
    return CheckInRefused(CheckInRefused.NO_BOOKING,
                          _("Your organization has no booking of this space to check in to now."))


async def door_check_in_state(principal: Principal, space_id: int, code: str,
                              secret: str) -> tuple[Booking | None, CheckInRefused | None]:
    """What a member who scanned a door's code sees before checking in: their organization's
    booking that checks in now (if any), and why the check-in would be refused (None: it would not)."""
    booking = (await current_booking(principal.organization_id, space_id)
               if principal.is_(Role.MEMBER) and principal.organization_id else None)
    refusal = _code_refusal(secret, space_id, code)
    if refusal is None and booking is None:
        refusal = await _no_booking_now(principal, space_id)
    return booking, refusal


async def check_in(principal: Principal, space_id: int, code: str, secret: str) -> Booking:
    """A member checks their organization in, with the code read at the door."""
    if not principal.is_(Role.MEMBER) or principal.organization_id is None:
        raise PermissionDenied(_("Only a member of the booking organization checks in at the door."))
    if refusal := _code_refusal(secret, space_id, code):
        raise refusal
    booking = await current_booking(principal.organization_id, space_id)
    if booking is None:
        raise await _no_booking_now(principal, space_id)
    return await _check_in(principal, booking)


async def check_in_booking(principal: Principal, booking_id: int, code: str, secret: str) -> Booking:
    """A member checks in to one of their organization's bookings (from the bookings list), with
    the code at its room's door, scanned or typed."""
    booking = await access.get_or_404(Booking, principal, id=booking_id)
    if refusal := check_in_refusal(principal, booking):
        raise refusal
    if refusal := _code_refusal(secret, booking.space_id, code):
        raise refusal
    return await _check_in(principal, booking)


def mark_allowed(principal: Principal, booking: Booking) -> bool:
    """Whether a manager may mark the booking checked in now (found through the access scope)."""
    now = clock.now()
    return (principal.is_(Role.ADMIN, Role.MANAGER) and booking.status == BookingStatus.CONFIRMED
            and booking.organization_id is not None and booking.checked_in_at is None
            and booking.starts_at - CHECK_IN_EARLY <= now < booking.ends_at)


async def mark_checked_in(principal: Principal, booking_id: int) -> Booking:
    """A manager marks a booking's organization as present."""
    booking = await access.get_or_404(Booking, principal, id=booking_id)
    if not principal.is_(Role.ADMIN, Role.MANAGER):
        raise PermissionDenied(_("Only the park's managers mark a booking as checked in."))
    if not mark_allowed(principal, booking):
        raise ValidationFailed({"booking": _("A booking checks in from 15 minutes before its start until its end.")})
    return await _check_in(principal, booking)


async def _check_in(principal: Principal, booking: Booking) -> Booking:
    if booking.checked_in_at is not None:
        return booking
    async with events.transaction():
        now = clock.now()
        if not await Booking.filter(id=booking.id, status=BookingStatus.CONFIRMED, checked_in_at__isnull=True).update(
                checked_in_at=now):
            raise Conflict(_("This booking was changed meanwhile; look again."))
        await audit.record(principal, "check_in", booking, {"checked_in_at": [None, now.isoformat()]})
    booking.checked_in_at = now
    return booking


async def release_no_shows() -> dict:
    """The scheduled job: confirmed bookings not checked in within their space's release time after
    their start are released (the slot is free again) and counted as no-shows."""
    now = clock.now()
    candidates = await Booking.filter(status=BookingStatus.CONFIRMED, organization_id__isnull=False,
                                      checked_in_at__isnull=True, starts_at__lte=now,
                                      ends_at__gt=now - timedelta(days=1)).values_list(
        "id", "space_id", "starts_at", "organization_id", "held_until")
    if not candidates:
        return {"released": 0}
    release = dict(await BookingRules.filter(space_id__in={c[1] for c in candidates}).values_list(
        "space_id", "release_minutes"))
    default = BookingRules().release_minutes
    due = [c for c in candidates if c[2] + timedelta(minutes=release.get(c[1], default)) <= now]
    released = 0
    for booking_id, space_id, starts_at, organization_id, held_until in due:
        async with events.transaction():
            if not await Booking.filter(id=booking_id, status=BookingStatus.CONFIRMED,
                                        checked_in_at__isnull=True).update(
                    status=BookingStatus.RELEASED, ended_at=now, end_reason=NO_SHOW):
                continue  # checked in or cancelled meanwhile
            released += 1
            await audit.record(None, "release", object_type="Booking", object_id=booking_id,
                               object_repr=f"Booking {booking_id}", changes={"status": ["confirmed", "released"]})
            booking = Booking(id=booking_id, space_id=space_id, starts_at=starts_at,
                              ends_at=starts_at, organization_id=organization_id)
            space_name = await _space_name(space_id)
            await _tell_members(organization_id, "booking_released", space_name, booking)
            events.emit(TimeFreed(space_id, now, held_until))
            events.emit(NoShowRecorded(organization_id, booking_id, space_name, starts_at))
    return {"released": released}


async def on_stage_changed(event: StageChanged) -> None:
    """An organization graduated or exited: its bookings to come are cancelled, and its members told.
    (Its right to book ends with its resident stage: `_organization_for`.)"""
    if Stage(event.target) not in (Stage.GRADUATED, Stage.EXITED):
        return
    async with events.transaction():
        ending = await Booking.filter(organization_id=event.organization_id, status__in=list(ACTIVE_STATUSES),
                                      starts_at__gt=clock.now()).values_list("id", "status", "space_id", "starts_at",
                                                                              "held_until")
        if not ending:
            return
        await Booking.filter(id__in=[row[0] for row in ending]).update(
            status=BookingStatus.CANCELLED, ended_at=clock.now(), end_reason=LEFT_PARK)
        for id_, status, space_id, starts_at, held_until in ending:
            await audit.record(None, "cancel", object_type="Booking", object_id=id_, object_repr=f"Booking {id_}",
                               changes={"status": [status, BookingStatus.CANCELLED.value]})
            events.emit(TimeFreed(space_id, starts_at, held_until))
        await notifications.notify_many(await auth_service.member_ids(event.organization_id), "bookings_cancelled",
                                        details={"count": len(ending)})
