"""iCalendar feeds: a space's bookings (for its park's managers) and an organization's (for its
members), each at a secret address a calendar app subscribes to without signing in. The secret is
random, kept in the database, and replaced on reset: the old address stops working at once, in
every process."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from icalendar import Calendar, Event
from tortoise.exceptions import IntegrityError

from incubator import access, clock, events
from incubator.access import Principal
from incubator.audit import service as audit
from incubator.booking.models import ACTIVE_STATUSES, Booking, BookingFeed, BookingStatus, FeedKind
from incubator.errors import NotFound, PermissionDenied
from incubator.i18n import gettext as _
from incubator.organizations.models import Organization
from incubator.parks.models import Space
from incubator.roles import Role

PAST_DAYS = 30  # how far back a feed reaches
FUTURE_DAYS = 370  # and forward (beyond any space's booking horizon)
LIMIT = 2000  # events in one feed


async def token(secret_key: str, kind: FeedKind, owner_id: int) -> str:
    """The feed's secret: a random one once the feed was reset, until then one derived from the
    app's secret key (so showing the address writes nothing)."""
    found = await BookingFeed.filter(kind=kind, owner_id=owner_id).values_list("token", flat=True)
    if found:
        return str(found[0])
    return hmac.new(secret_key.encode(), f"feed:{kind.value}:{owner_id}".encode(), hashlib.sha256).hexdigest()[:43]


async def may_reset(principal: Principal, kind: FeedKind, owner_id: int) -> bool:
    """A space's feed is its park's managers' (and administrators'); an organization's, its members'."""
    if kind == FeedKind.SPACE:
        space = await Space.get_or_none(id=owner_id).only("id", "park_id")
        return space is not None and (principal.is_(Role.ADMIN) or (
            principal.is_(Role.MANAGER) and space.park_id in principal.park_ids))
    return principal.is_(Role.MEMBER) and principal.organization_id == owner_id


async def reset(principal: Principal, kind: FeedKind, owner_id: int) -> str:
    """A new secret: the feed's old address stops working."""
    if not await may_reset(principal, kind, owner_id):
        raise PermissionDenied(_("You may not do that."))
    new = secrets.token_urlsafe(32)
    for attempt in (1, 2):  # two first resets at the same moment: the one that lost updates the other's row
        try:
            async with events.transaction():
                if not await BookingFeed.filter(kind=kind, owner_id=owner_id).update(token=new):
                    await BookingFeed.create(kind=kind, owner_id=owner_id, token=new)
                await audit.record(principal, "reset", object_type="BookingFeed", object_id=owner_id,
                                   object_repr=f"{kind.value} {owner_id}", changes={"token": ["…", "…"]})
            break
        except IntegrityError:
            if attempt == 2:
                raise
    return new


async def calendar(secret_key: str, kind: FeedKind, owner_id: int, secret: str) -> bytes:
    """The feed as iCalendar text; NotFound unless `secret` is the feed's."""
    if not hmac.compare_digest((await token(secret_key, kind, owner_id)).encode(), secret.encode()):
        raise NotFound(_("Not found."))
    now = clock.now()
    bookings = Booking.filter(status__in=list(ACTIVE_STATUSES), starts_at__gt=now - timedelta(days=PAST_DAYS),
                              starts_at__lt=now + timedelta(days=FUTURE_DAYS))
    if kind == FeedKind.SPACE:
        bookings = bookings.filter(space_id=owner_id)
        space = await Space.get_or_none(id=owner_id).only("id", "name")
        if space is None:
            raise NotFound(_("Not found."))
        name = space.name
    else:
        bookings = bookings.filter(organization_id=owner_id)
        organization = await Organization.get_or_none(id=owner_id).only("id", "name_zh")
        if organization is None:
            raise NotFound(_("Not found."))
        name = organization.name_zh
    rows = await bookings.select_related("space", "organization").only(
        "id", "starts_at", "ends_at", "status", "purpose", "created_at", "space__id", "space__name",
        "organization_id", "organization__id", "organization__name_zh").order_by("starts_at").limit(LIMIT)
    feed = Calendar()
    feed.add("prodid", "-//Incubator//booking//ZH")
    feed.add("version", "2.0")
    feed.add("x-wr-calname", _("Bookings: %(name)s", name=name))
    for booking in rows:
        event = Event()
        event.add("uid", f"booking-{booking.id}@incubator")
        event.add("dtstamp", booking.created_at)
        event.add("dtstart", booking.starts_at)
        event.add("dtend", booking.ends_at)
        who = booking.organization.name_zh if booking.organization is not None else _("Blocked time")
        event.add("summary", f"{booking.space.name} · {who}" if kind == FeedKind.SPACE else booking.space.name)
        event.add("location", booking.space.name)
        if booking.purpose:
            event.add("description", booking.purpose)
        event.add("status", "TENTATIVE" if booking.status == BookingStatus.PENDING else "CONFIRMED")
        feed.add_component(event)
    return feed.to_ical()


async def space_of(principal: Principal, space_id: int) -> Space:
    """The space whose feed the principal may see and reset (404 otherwise)."""
    space = await access.get_or_404(Space, principal, id=space_id)
    if not await may_reset(principal, FeedKind.SPACE, space.id):
        raise NotFound(_("Not found."))
    return space
