"""What the training pages show: their templates' inputs, typed, in one place (plus the base context
every page has: request, principal, user, csrf_token, locale, nav, today, flashes)."""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from incubator.parks.models import Park
from incubator.training.certificates import Certificate
from incubator.training.feedback import Satisfaction
from incubator.training.figures import Report
from incubator.training.models import Material, Person, Seat, Topic, TrainingSession
from incubator.web import Page


@dataclass
class SessionsPage:  # training/list.html
    sessions: list[TrainingSession]  # with park, space and topic, soonest first
    waiting: dict[int, int]  # session id → people on its waitlist
    mine: dict[int, int]  # session id → the member's organization's live sign-ups
    plannable: list[Park]  # parks the viewer may plan sessions in
    past: bool  # the sessions already held, latest first
    roster: bool  # the viewer keeps an organization's roster (a link to it)
    feed_url: str  # the viewer's calendar feed of training
    figures: bool  # the viewer reads the training figures (a link to them)
    page: Page  # which page of the list, and whether more follow
    params: dict[str, str]  # the filters (when, park, months), for the pager
    export_query: str  # the filters, for the export links
    park: Park | None  # the park the list is narrowed to


@dataclass
class SessionFormPage:  # training/form.html
    park: Park
    session: TrainingSession | None  # None: a new session or course
    values: dict  # the form's text; lists for audience_stages and audience_organizations
    errors: dict[str, str]
    topics: list[tuple[str, str]]
    rooms: list[tuple[str, str]]
    stages: list[tuple[str, str]]
    organizations: list[tuple[str, str]]  # the park's organizations, for a chosen audience


@dataclass
class SessionPage:  # training/detail.html
    session: TrainingSession  # with park, space and topic
    seats: list[Seat]  # live seats the viewer sees (with person and organization): seated, then waitlisted
    positions: dict[int, int]  # waitlisted seat id → place in the fair order (1 = next)
    roster: list[Person]  # the member's organization's people not signed up yet
    may_sign_up: bool
    cancellable: set[int]  # seat ids the viewer may give back
    may_edit: bool
    may_cancel: bool
    may_fill: bool  # free seats and a waitlist: a manager may fill them
    may_mark: bool  # the check-in sheet and the screen
    promotes: bool  # a seat given back now goes to the waitlist
    certifiable: set[int]  # seat ids whose attendance a certificate attests (present or late)
    to_rate: list[Seat]  # the member's attendees, with their feedback if given (after the session)
    satisfaction: Satisfaction | None  # the attendees' ratings and who has not answered (managers)
    materials: list[Material]  # the session's files, newest first
    errors: dict[str, str] = field(default_factory=dict)  # the sign-up's or the material's form
    values: dict[str, str] = field(default_factory=dict)  # the material form's text, when refused
    states: dict[int, str] = field(default_factory=dict)  # seat id → what its row says (attendance.seat_state)


@dataclass
class SheetPage:  # training/sheet.html (block "row" for htmx)
    session: TrainingSession
    seats: list[Seat]  # seated, with person and organization, by organization and name
    may_mark: bool


@dataclass
class ScreenPage:  # training/screen.html (block "code" for htmx, each 20 seconds)
    session: TrainingSession
    qr: Markup | None  # this minute's code as a QR code; None outside the check-in window
    url: str


@dataclass
class CheckInPage:  # training/check_in.html
    session: TrainingSession
    seats: list[Seat]  # the member's organization's seated people
    present: set[int]  # seat ids already checked in (attendance.attended)
    scan: str  # the scanner's pass, or "" when the code was refused
    errors: dict[str, str]


@dataclass
class RosterPage:  # training/people.html
    people: list[Person]
    hours: dict[int, str]  # person id → hours attended
    values: dict[str, str]
    errors: dict[str, str]
    roles: list[tuple[str, str]]


@dataclass
class PersonPage:  # training/person.html
    person: Person
    values: dict[str, str]
    errors: dict[str, str]
    roles: list[tuple[str, str]]


@dataclass
class SettingsPage:  # training/settings.html
    park: Park
    values: dict[str, str]
    errors: dict[str, str]


@dataclass
class FiguresPage:  # training/figures.html
    parks: list[Park]  # the parks the viewer reads
    chosen: Park | None  # ?park=, or None: all of them
    year: int
    report: Report
    topics: dict[int, Topic]
    headers: list[str]  # the figures' column headings (as in the .xlsx)


@dataclass
class CertificatePage:  # training/certificate.html (prints on A4)
    certificate: Certificate
    qr: Markup  # the verification address as a QR code
    url: str


@dataclass
class VerifyPage:  # training/verify.html (public)
    certificate: Certificate | None  # None: no such certificate, or the attendance was corrected
    serial: str


@dataclass
class TopicsPage:  # training/topics.html
    topics: list[Topic]
    values: dict[str, str]
    errors: dict[str, str]
