"""Booking in the data API: the bookings of spaces, as far as the caller's role may see them."""

from __future__ import annotations

from datetime import datetime

from msgspec import Struct

from incubator.apitypes import Id, ListQuery, Moment, columns
from incubator.booking.models import Booking, BookingStatus
from incubator.capability import Resource


class BookingOut(Struct, kw_only=True):
    """A booking of a space, as far as the caller's role may see bookings."""

    id: int
    space_id: int
    organization_id: int | None
    starts_at: datetime
    ends_at: datetime
    attendees: int
    purpose: str
    status: BookingStatus
    checked_in_at: datetime | None


class BookingQuery(ListQuery, kw_only=True):
    space: Id | None = None
    organization: Id | None = None
    starts_from: Moment | None = None
    starts_before: Moment | None = None


resources = (
    Resource("/bookings", "listBookings", "Bookings of spaces (as far as the role sees them)", "booking", BookingOut,
             BookingQuery, model=Booking, filters={
                 "space": "space_id", "organization": "organization_id", "starts_from": "starts_at__gte",
                 "starts_before": "starts_at__lt"}, columns=columns(BookingOut)),
)
