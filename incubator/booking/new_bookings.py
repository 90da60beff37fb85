"""New bookings of shared spaces: who may book a park's spaces; a booking, or a weekly series,
made (pending when the space needs a manager's approval); a series' dates previewed before it is
saved. The space's rules of time are in `slots`, the organization's quota in `quotas`; a booking
once made is cancelled, moved, approved or rejected in `decisions`.

Each booking is one transaction that first serializes on its space and its organization
(`db.serialize`: advisory locks on PostgreSQL, the write lock on SQLite), then checks the overlap
and the quota against what is committed, then writes. On PostgreSQL the exclusion constraint
`ex_booking_no_overlap` guarantees the overlap rule even for a writer that skipped the locks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet

from incubator import clock, db, events
from incubator.access import Principal
from incubator.audit import service as audit
from incubator.auth.models import ParkManager
from incubator.booking.commands import Book
from incubator.booking.models import ACTIVE_STATUSES, LONGEST_HOLD, Booking, BookingSeries, BookingStatus
from incubator.booking.quotas import check_quota, over_quota, quota_for, quota_instants, quota_periods, quota_used
from incubator.booking.slots import (
    Slot,
    check_time,
    confirmed_overlapping,
    free_slots,
    local_instant,
    rules_for,
    taken_between,
)
from incubator.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from incubator.i18n import gettext as _
from incubator.notifications import service as notifications
from incubator.organizations.models import RESIDENT_STAGES, Organization, Stage
from incubator.parks.models import Space
from incubator.roles import Role


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
        (week, month), (last_week, last_month) = quota_periods(days[0]), quota_periods(days[-1])
        window = (min(week[0], month[0]), max(last_week[1], last_month[1]))
        booked = list(await Booking.filter(
            organization_id=organization.id, status__in=list(ACTIVE_STATUSES),
            starts_at__gte=local_instant(window[0], time()), starts_at__lt=local_instant(window[1], time()),
        ).values_list("starts_at", "ends_at"))
        this_week = quota_instants(quota_periods(clock.today())[0])
        *_used, to_come = await quota_used(Booking._meta.db, organization.id, this_week, this_week, now)
        if to_come >= limits[2]:
            at_most_open = _("Your organization already has %(count)s bookings to come, its most at once.",
                             count=limits[2])
    result = []
    for day, slot in zip(days, slots, strict=True):
        if day in command.skip:
            result.append(Occurrence(day, ""))
            continue
        errors = check_time(space, rules, command, day, now, block=organization is None)
        problem = next(iter(errors.values()), "") or at_most_open
        if not problem and any(start < slot.ends_at + buffer and held > slot.starts_at for start, held in taken):
            problem = _("Taken.")
        if not problem and limits is not None:
            problem = over_quota(limits, booked, slot)
            if not problem:
                booked.append((slot.starts_at, slot.ends_at))
        result.append(Occurrence(day, problem))
    return result


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
        errors = check_time(space, rules, command, day, now, block=organization is None)
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
                if await confirmed_overlapping(space.id, wanted.starts_at, held_until).exists():
                    if series:
                        raise Conflict(_("%(date)s was just taken: look at the dates again.", date=day.isoformat()))
                    raise taken_between(await free_slots(space, rules, wanted, now))
                if organization is not None:
                    try:
                        await check_quota(connection, organization, space.park_id, wanted, now,
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
        raise taken_between(await free_slots(space, rules, wanted, now)) from None
    return created[0]


# ---- who may book ---------------------------------------------------------------------------------

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
