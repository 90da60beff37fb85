"""What the booking pages show: their templates' inputs, typed, in one place (plus the base context
every page has: request, principal, user, csrf_token, locale, nav, today, flashes)."""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from incubator.booking.grid import Day, Week
from incubator.booking.models import BOOKING_STATUS_LABELS, Booking, BookingRules
from incubator.booking.new_bookings import Occurrence
from incubator.booking.utilization import RATES, Report
from incubator.i18n import gettext
from incubator.parks.models import Park, Space
from incubator.web import Page


@dataclass
class WeekPage:  # booking/week.html (block "grid" for htmx)
    space: Space
    park: Park
    rules: BookingRules
    week: Week
    may_book: bool  # free slots link to the booking form
    feed_url: str | None = None  # the space's calendar feed (its park's managers)


@dataclass
class BookPage:  # booking/form.html
    space: Space
    park: Park
    rules: BookingRules
    organizations: list[tuple[str, str]]  # a manager's choice (value, label); empty for a member
    values: dict  # the form's text, and "skip": the series' dates to skip
    errors: dict[str, str]
    plan: list[Occurrence] = field(default_factory=list)  # a weekly series' dates, before it is saved
    watchable: bool = False  # the time was just taken: offer to be told when it frees


@dataclass
class BookingsPage:  # booking/list.html
    bookings: list[Booking]  # with space and organization, soonest first
    cancellable: set[int]  # ids the viewer may cancel now (decisions.cancel_allowed)
    needs_reason: set[int]  # ids whose cancelling needs a reason (decisions.cancel_needs_reason)
    spaces: list[Space]  # the bookable spaces the viewer may book, each a link to its week
    decidable: set[int]  # pending ids the viewer may approve or reject (decisions.decide_allowed)
    view: str  # "": to come; "pending": the managers' queue; "ended": ended lately
    checkable: set[int]  # ids a manager may mark as checked in now
    door_checkable: set[int]  # ids the member may check in to at the door now (check_in.check_in_allowed)
    movable: set[int]  # ids a manager may move (decisions.move_allowed)
    reasons: dict[int, str]  # why each ended booking ended, translated
    feed_url: str | None  # a member's organization's calendar feed
    page: Page  # which page of the list, and whether more follow
    params: dict[str, str]  # the filters (status, park, months), for the pager and the views' links
    export_query: str  # the filters, for the export links
    park: Park | None  # the park the list is narrowed to
    statuses: dict[str, str] = field(default_factory=lambda: {
        status.value: gettext(label) for status, label in BOOKING_STATUS_LABELS.items()})


@dataclass
class RulesPage:  # booking/rules.html
    space: Space
    values: dict[str, str]
    errors: dict[str, str]
    door_url: str  # the door tablet's secret address


@dataclass
class DoorPage:  # booking/door.html: no sign-in, reached by its secret address
    space: Space
    bookings: list[Booking]  # today's confirmed bookings, with their organization
    qr: Markup  # today's check-in address as an inline SVG QR code
    check_in_url: str
    typed_code: str  # today's code in six digits ("123 456"), for a member checking in from their bookings


@dataclass
class CheckInPage:  # booking/check_in.html
    space: Space
    booking: Booking | None  # the member's organization's booking that may check in now
    code: str  # as scanned (or typed)
    errors: dict[str, str]
    refusal: str = ""  # why the check-in would be refused now (check_in.CheckInRefused), else ""
    # "scanned": the door's code came in the address, one button checks in; "typed": the member came
    # from their bookings (or scanned a stale code) and enters the code; "": no form.
    form: str = "scanned"


@dataclass
class QuotaPage:  # booking/quota.html
    park: Park
    values: dict[str, str]
    errors: dict[str, str]


@dataclass
class DayPage:  # booking/day.html (block "grid" for htmx)
    park: Park
    view: Day


@dataclass
class MovePage:  # booking/move.html
    booking: Booking
    space: Space  # where it is now
    spaces: list[tuple[str, str]]  # where a manager may move it: (id, name) in the same park
    values: dict[str, str]
    errors: dict[str, str]


@dataclass
class UtilizationPage:  # booking/utilization.html (block "figures" for htmx)
    report: Report  # the park, the period, a row a space and the park's total
    columns: list[str]  # the table's headers, translated (the workbook's too)
    rates: int = RATES  # the last columns are percentages
