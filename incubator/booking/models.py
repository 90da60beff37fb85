"""Shared-space booking: each bookable space's rules, each park's quotas per organization, and the
bookings themselves.

A booking holds its space from its start to its end plus the space's buffer (`held_until`), so two
bookings of one space never come closer than the buffer. No two confirmed bookings of a space may
hold overlapping time: on PostgreSQL an exclusion constraint says so (migration 0015, btree_gist);
on SQLite the booking transaction takes the database's write lock before it checks
(booking.new_bookings). Pending bookings (spaces that need a manager's approval) may overlap each other;
approving one rejects the others.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from incubator.i18n import N_


class BookingStatus(StrEnum):
    PENDING = "pending"  # waits for a manager's approval
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    RELEASED = "released"  # not checked in: freed by the no-show job


BOOKING_STATUS_LABELS = {
    BookingStatus.PENDING: N_("Waiting for approval"),
    BookingStatus.CONFIRMED: N_("Confirmed"),
    BookingStatus.CANCELLED: N_("Cancelled"),
    BookingStatus.REJECTED: N_("Rejected"),
    BookingStatus.RELEASED: N_("Released (no-show)"),
}

# End reasons the system writes are codes (booking.decisions, booking.holds, booking.check_in); a reason a
# manager typed is kept as typed.
END_REASON_LABELS = {
    "held_released": N_("What held the room was cancelled or moved."),
    "left_park": N_("The organization left the park."),
    "overlaps_approved": N_("Another request for this time was approved."),
    "no_show": N_("Nobody checked in."),
}

# Statuses that hold time and count against an organization's quota.
ACTIVE_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED)
ENDED_STATUSES = (BookingStatus.CANCELLED, BookingStatus.REJECTED, BookingStatus.RELEASED)
SLOT_MINUTES = (15, 30, 60)
# The longest time one booking holds (a day, plus a buffer of at most 4 hours): a query for the
# bookings touching a period looks only that far back before it, so the index bounds both ends.
LONGEST_HOLD = timedelta(minutes=1440 + 240)


class BookingRules(Model):
    """How a bookable space may be booked: one row a space, the defaults until a manager sets them."""

    id = fields.IntField(primary_key=True)
    space: fields.OneToOneRelation = fields.OneToOneField(
        "incubator.Space", related_name="booking_rules", on_delete=fields.CASCADE)
    space_id: int
    slot_minutes = fields.IntField(default=30)
    min_minutes = fields.IntField(default=30)
    max_minutes = fields.IntField(default=240)
    notice_minutes = fields.IntField(default=60)  # the earliest start is this long from now
    horizon_days = fields.IntField(default=60)  # the latest start is this many days ahead
    buffer_minutes = fields.IntField(default=0)  # held after each booking (cleaning, set-up)
    # A confirmed booking not checked in this long after its start is released (a no-show).
    release_minutes = fields.IntField(default=15)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "booking_rules"
        constraints = [
            CheckConstraint(check="slot_minutes IN (15, 30, 60)", name="ck_booking_rules_slot"),
            CheckConstraint(check="min_minutes > 0 AND min_minutes <= max_minutes AND max_minutes <= 1440",
                            name="ck_booking_rules_duration"),
            CheckConstraint(check="notice_minutes >= 0 AND horizon_days > 0 AND buffer_minutes >= 0",
                            name="ck_booking_rules_window"),
            CheckConstraint(check="release_minutes >= 0", name="ck_booking_rules_release"),
        ]


class BookingQuota(Model):
    """A park's quota per organization, shared by all its members (one row a park)."""

    id = fields.IntField(primary_key=True)
    park: fields.OneToOneRelation = fields.OneToOneField(
        "incubator.Park", related_name="booking_quota", on_delete=fields.CASCADE)
    park_id: int
    week_minutes = fields.IntField(default=8 * 60)
    month_minutes = fields.IntField(default=16 * 60)
    open_bookings = fields.IntField(default=4)  # bookings not yet ended, at once (a series counts once)
    # Graduated organizations keep booking at this lower quota (all zero: graduates no longer book).
    graduate_week_minutes = fields.IntField(default=0, db_default=0)
    graduate_month_minutes = fields.IntField(default=0, db_default=0)
    graduate_open_bookings = fields.IntField(default=0, db_default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "booking_quota"
        constraints = [
            CheckConstraint(check="week_minutes >= 0 AND month_minutes >= 0 AND open_bookings >= 0",
                            name="ck_booking_quota"),
        ]

    def limits(self, graduate: bool) -> tuple[int, int, int]:
        """Minutes a week, minutes a month and bookings to come at once, for a resident or a graduate."""
        if graduate:
            return self.graduate_week_minutes, self.graduate_month_minutes, self.graduate_open_bookings
        return self.week_minutes, self.month_minutes, self.open_bookings

    @property
    def graduates_may_book(self) -> bool:
        return self.graduate_open_bookings > 0 and self.graduate_week_minutes > 0 and self.graduate_month_minutes > 0


class BookingSeries(Model):
    """A weekly booking repeated over several weeks: its occurrences are bookings, each cancelled on its
    own or with the rest of the series."""

    id = fields.IntField(primary_key=True)
    space: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.Space", related_name="booking_series", on_delete=fields.RESTRICT)
    space_id: int
    organization: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.Organization", related_name="booking_series", null=True, on_delete=fields.RESTRICT)
    organization_id: int | None
    booked_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.User", related_name="booking_series", null=True, on_delete=fields.SET_NULL)
    booked_by_id: int | None
    weeks = fields.IntField()  # asked for, skipped dates included
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "booking_series"


class Booking(Model):
    id = fields.IntField(primary_key=True)
    space: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.Space", related_name="bookings", on_delete=fields.RESTRICT)
    space_id: int
    organization: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.Organization", related_name="bookings", null=True, on_delete=fields.RESTRICT)
    organization_id: int | None  # None: time a manager blocked
    booked_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.User", related_name="bookings", null=True, on_delete=fields.SET_NULL)
    booked_by_id: int | None
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    held_until = fields.DatetimeField()  # ends_at plus the space's buffer when booked
    attendees = fields.IntField(default=1)
    purpose = fields.CharField(max_length=200, default="")
    status = fields.CharEnumField(BookingStatus, max_length=12)
    created_at = fields.DatetimeField(auto_now_add=True)
    checked_in_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)  # cancelled, rejected or released at
    end_reason = fields.CharField(max_length=300, default="")
    series: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.BookingSeries", related_name="bookings", null=True, on_delete=fields.RESTRICT)
    series_id: int | None
    # "": a booking or a manager's block; else what holds the room through this row (a training
    # session holds it as "training"): that capability moves and frees it, the booking pages do not.
    held_by = fields.CharField(max_length=20, default="", db_default="")

    class Meta:
        table = "booking"
        indexes = [
            Index(fields=["series_id", "starts_at"], name="ix_booking_series_start"),
            Index(fields=["space_id", "starts_at"], name="ix_booking_space_start"),
            Index(fields=["organization_id", "starts_at"], name="ix_booking_organization_start"),
            # The bookings list across every park (an official's), by start. Not (status, start):
            # with it SQLite read a park's or the city's bookings by status rather than by space.
            Index(fields=["starts_at"], name="ix_booking_start"),
        ]
        constraints = [
            CheckConstraint(check="starts_at < ends_at AND ends_at <= held_until", name="ck_booking_times"),
            CheckConstraint(check="attendees >= 0", name="ck_booking_attendees"),
        ]


class BookingWatch(Model):
    """Someone waiting for a taken time of a space: when it frees, the earliest watcher is told."""

    id = fields.IntField(primary_key=True)
    space: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.Space", related_name="booking_watches", on_delete=fields.CASCADE)
    space_id: int
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.User", related_name="booking_watches", on_delete=fields.CASCADE)
    user_id: int
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)
    notified_at = fields.DatetimeField(null=True)  # told the time is free (a watch is told once)

    class Meta:
        table = "booking_watch"
        unique_together = (("space", "user", "starts_at"),)
        indexes = [Index(fields=["space_id", "starts_at"], name="ix_booking_watch_space_start")]


class FeedKind(StrEnum):
    SPACE = "space"
    ORGANIZATION = "organization"


class BookingFeed(Model):
    """The secret of a space's or an organization's iCalendar feed (its address), replaced on reset."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(FeedKind, max_length=12)
    owner_id = fields.IntField()  # the space's or the organization's id
    token = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "booking_feed"
        unique_together = (("kind", "owner_id"),)
