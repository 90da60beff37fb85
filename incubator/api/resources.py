"""What the data API serves: one typed structure per resource (msgspec Structs, which both encode the
responses and generate the OpenAPI document's schemas), the query parameters each list takes (also
Structs: they parse the query string and document it), and the endpoints that fill them.

Every list reads through `access.scope`, the same rules as the pages: a caller gets what their role
sees and nothing else; an object outside it answers 404. Lists are keyset pages by id (`after`,
`limit`, and a `next` link): a row inserted while a client pages through lands after the rows it has
read, so nothing is skipped or read twice. Columns are named and selected explicitly: a private
column added to a model later reaches no client until it is added here.

Field names are part of the contract: renaming one is a new version of the API (/api/v2).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, TypeVar

from msgspec import Meta, Struct
from starlette.requests import Request
from starlette.responses import Response
from tortoise.expressions import Subquery
from tortoise.functions import Count

from incubator import access, clock
from incubator.api.http import (
    BadRequest,
    conditional,
    endpoint,
    json_response,
    next_link,
    page_of,
    parse,
    principal,
)
from incubator.booking.models import Booking, BookingStatus
from incubator.dashboards import service as dashboards
from incubator.dashboards import tables as dashboard_tables
from incubator.dashboards.period import Period
from incubator.errors import NotFound
from incubator.funding.models import Fund, FundSource, Grant, GrantStatus
from incubator.i18n import gettext as _
from incubator.organizations.models import (
    Organization,
    OrganizationDomain,
    OrganizationKind,
    Registration,
    ServiceDomain,
    Stage,
)
from incubator.pagecache import cached
from incubator.parks.models import Park, ParkKind, Space, SpaceKind
from incubator.reviews.models import Decision, Review, ReviewStatus
from incubator.training.models import Attendance, Seat, SeatStatus, Topic, TrainingSession

T = TypeVar("T")
Id = Annotated[int, Meta(ge=1, le=2_147_483_647)]
Code = Annotated[str, Meta(min_length=1, max_length=40, pattern="^[A-Za-z0-9_-]+$")]
Fen = Annotated[int, Meta(description="An amount of money in fen (1/100 yuan, CNY).")]
Moment = Annotated[datetime, Meta(tz=True, description="An instant, RFC 3339 with its offset.")]
Year = Annotated[int, Meta(ge=2000, le=2100)]


class Page(Struct, Generic[T], kw_only=True):
    """One page of a list: follow `next` (null on the last page) for the rest."""

    items: list[T]
    next: str | None = None


class ListQuery(Struct, kw_only=True):
    limit: Annotated[int, Meta(ge=1, le=500, description="Rows per page (default 100).")] = 100
    after: Annotated[int, Meta(ge=0, le=2_147_483_647, description=(
        "Continue after this id: the value the previous page's `next` link carries."))] | None = None


# ---- parks and spaces ------------------------------------------------------------------------


class ParkOut(Struct, kw_only=True):
    """A park, or the district's hub."""

    id: int
    kind: ParkKind
    name_zh: str
    name_en: str
    theme: str
    address: str
    floor_area_m2: int | None
    resident_slots: int
    operator: str
    is_active: bool
    updated_at: datetime


PARK_COLUMNS = tuple(ParkOut.__struct_fields__)


class SpaceOut(Struct, kw_only=True):
    """A space of a park: a desk, office, meeting or training room, hall."""

    id: int
    park_id: int
    kind: SpaceKind
    name: str
    capacity: int
    area_m2: int | None
    bookable: bool
    needs_approval: bool
    is_active: bool
    updated_at: datetime


class SpaceQuery(ListQuery, kw_only=True):
    park: Id | None = None


SPACE_COLUMNS = tuple(SpaceOut.__struct_fields__)


# ---- organizations ---------------------------------------------------------------------------


class OrganizationOut(Struct, kw_only=True):
    """An organization as the back office knows it, without personal contacts (the people's names,
    phones and e-mail addresses stay in the back office)."""

    id: int
    park_id: int
    name_zh: str
    name_en: str
    kind: OrganizationKind
    stage: Stage
    registration: Registration
    credit_code: str | None = None
    registration_authority: str
    registered_on: date | None
    founded_on: date | None
    admitted_on: date | None
    term_end_on: date | None
    graduated_on: date | None
    exited_on: date | None
    staff_count: int
    volunteer_count: int
    domains: Annotated[list[str], Meta(description="Codes of its service domains.")]
    updated_at: Annotated[datetime, Meta(description="Last change of the organization's own record.")]


class OrganizationQuery(ListQuery, kw_only=True):
    park: Id | None = None
    stage: Stage | None = None
    domain: Annotated[Code, Meta(description="A service domain's code.")] | None = None
    registration: Registration | None = None
    updated_since: Annotated[Moment, Meta(description=(
        "Only organizations changed at or after this instant: for incremental sync, pass the time "
        "the previous sync started."))] | None = None


ORGANIZATION_COLUMNS = tuple(name for name in OrganizationOut.__struct_fields__ if name != "domains")


# ---- reviews ---------------------------------------------------------------------------------


class ReviewOut(Struct, kw_only=True):
    """A decided milestone review: its result, not its scores or comments."""

    id: int
    organization_id: int
    code: Annotated[str, Meta(description="The milestone's code (onboarding, midterm, graduation…).")]
    name_zh: str
    name_en: str
    attempt: int
    due_on: date
    decision: Decision | None
    decided_at: datetime | None


class ReviewQuery(ListQuery, kw_only=True):
    organization: Id | None = None
    park: Id | None = None
    decided_since: Moment | None = None


REVIEW_COLUMNS = tuple(ReviewOut.__struct_fields__)


# ---- funds and grants ------------------------------------------------------------------------


class FundOut(Struct, kw_only=True):
    """A seed fund and its totals; `available_fen` is what is not yet committed to grants."""

    id: int
    name: str
    source: FundSource
    park_id: Annotated[int | None, Meta(description="None: a district-wide fund.")]
    fiscal_year: int
    budget_fen: Fen
    committed_fen: Fen
    disbursed_fen: Fen
    available_fen: Fen
    valid_from: date
    valid_to: date


class FundQuery(ListQuery, kw_only=True):
    fiscal_year: Year | None = None
    park: Id | None = None


FUND_COLUMNS = tuple(name for name in FundOut.__struct_fields__ if name != "available_fen")


class GrantOut(Struct, kw_only=True):
    """A grant of a fund to an organization: its amount and what has been paid of it."""

    id: int
    fund_id: int
    organization_id: int
    status: GrantStatus
    amount_fen: Fen
    disbursed_fen: Fen
    approved_at: datetime | None
    ended_at: datetime | None


class GrantQuery(ListQuery, kw_only=True):
    fund: Id | None = None
    organization: Id | None = None
    status: GrantStatus | None = None


GRANT_COLUMNS = tuple(GrantOut.__struct_fields__)


# ---- training --------------------------------------------------------------------------------


class AttendanceFigures(Struct, kw_only=True):
    seated: int
    waitlisted: int
    present: int
    late: int
    absent: int
    unmarked: Annotated[int, Meta(description="Seated, attendance not marked yet.")]


class TrainingSessionOut(Struct, kw_only=True):
    """A capacity-building session and its attendance figures (no names)."""

    id: int
    park_id: int
    topic: Annotated[str, Meta(description="The topic's code.")]
    title: str
    trainer: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    mandatory: bool
    credit_minutes: int
    cancelled_at: datetime | None
    attendance: AttendanceFigures


class TrainingSessionQuery(ListQuery, kw_only=True):
    park: Id | None = None
    starts_from: Moment | None = None
    starts_before: Moment | None = None


SESSION_COLUMNS = ("id", "park_id", "topic_id", "title", "trainer", "starts_at", "ends_at", "capacity",
                   "mandatory", "credit_minutes", "cancelled_at")


# ---- bookings --------------------------------------------------------------------------------


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


BOOKING_COLUMNS = tuple(BookingOut.__struct_fields__)


# ---- dashboard figures -----------------------------------------------------------------------


class FigureRow(Struct, kw_only=True):
    key: Annotated[str, Meta(description="Stable across languages: a park's id, a month, a code.")]
    label: str
    values: list[float | int | None]
    total: bool


class FigureTable(Struct, kw_only=True):
    key: str
    title: str
    first: str
    columns: list[str]
    kinds: Annotated[list[str], Meta(description="Each column's kind: count, percent, months, yuan, hours…")]
    rows: list[FigureRow]


class DashboardOut(Struct, kw_only=True):
    """The district dashboard's figures for a period, as the caller's dashboard shows them (labels in
    the token owner's language)."""

    period: str
    park_id: int | None
    domain_id: int | None
    reported: Annotated[bool, Meta(description="The figures are those reported when the month closed.")]
    tables: list[FigureTable]


class DashboardQuery(Struct, kw_only=True):
    # The years the dashboards keep (dashboards.period: 2000 to 2999) and the twelve months.
    period: Annotated[str, Meta(pattern=r"^2\d{3}(-(0[1-9]|1[0-2]))?$",
                                description="YYYY-MM or YYYY (default: this month).")] | None = None
    park: Id | None = None
    domain: Id | None = None


# ---- the operations --------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    path: str  # within /api/v1
    name: str  # the operationId
    summary: str
    response: type
    query: type | None
    handler: Callable[[Request], Awaitable[Response]]
    tag: str


OPERATIONS: list[Operation] = []


def operation(path: str, name: str, summary: str, response: type, query: type | None, tag: str
              ) -> Callable[[Callable[[Request], Awaitable[Response]]], Callable[[Request], Awaitable[Response]]]:
    def register(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        # Kept per caller's scope until what it read changes (the page cache, as for pages), and
        # answered 304 to a caller who has the same bytes.
        wrapped = endpoint(conditional(cached(handler)))
        OPERATIONS.append(Operation(path, name, summary, response, query, wrapped, tag))
        return wrapped

    return register


def _path_id(request: Request) -> int:
    value = request.path_params["id"]
    if not 1 <= value <= 2_147_483_647:
        raise BadRequest("id is out of range", {"id": "out of range"})
    return value


def _since(value: datetime | None) -> datetime | None:
    """An instant as the database compares it (UTC: SQLite compares the stored text); out-of-range
    instants are refused."""
    if value is None:
        return None
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise BadRequest("the instant is out of range") from None


def _filtered(query: Any, q: Any, lookups: dict[str, str]) -> Any:
    """`query` narrowed by each query parameter given (`lookups`: parameter → ORM lookup); instants
    compared in UTC."""
    for name, lookup in lookups.items():
        value = getattr(q, name)
        if value is not None:
            query = query.filter(**{lookup: _since(value) if isinstance(value, datetime) else value})
    return query


async def _page(request: Request, query: Any, q: ListQuery, columns: tuple[str, ...]
                ) -> tuple[list[dict[str, Any]], str | None]:
    if q.after is not None:
        query = query.filter(id__gt=q.after)
    rows = list(await query.order_by("id").limit(q.limit + 1).values(*columns))
    shown, after = page_of(rows, q.limit, lambda row: row["id"])
    return list(shown), next_link(request, after)


@operation("/parks", "listParks", "The parks and the hub", Page[ParkOut], ListQuery, "parks")
async def parks(request: Request) -> Response:
    q = parse(request, ListQuery)
    rows, link = await _page(request, access.scope(Park, principal(request)), q, PARK_COLUMNS)
    return json_response(request, Page(items=[ParkOut(**row) for row in rows], next=link))


@operation("/spaces", "listSpaces", "The parks' spaces", Page[SpaceOut], SpaceQuery, "parks")
async def spaces(request: Request) -> Response:
    q = parse(request, SpaceQuery)
    query = _filtered(access.scope(Space, principal(request)), q, {"park": "park_id"})
    rows, link = await _page(request, query, q, SPACE_COLUMNS)
    return json_response(request, Page(items=[SpaceOut(**row) for row in rows], next=link))


async def _organizations(rows: list[dict[str, Any]]) -> list[OrganizationOut]:
    codes: dict[int, list[str]] = defaultdict(list)
    if rows:
        links = await OrganizationDomain.filter(organization_id__in=[row["id"] for row in rows]).order_by(
            "organization_id", "domain__sort", "domain__id").values_list("organization_id", "domain__code")
        for organization_id, code in links:
            codes[organization_id].append(code)
    return [OrganizationOut(**row, domains=codes.get(row["id"], [])) for row in rows]


@operation("/organizations", "listOrganizations", "Organizations, filtered", Page[OrganizationOut],
           OrganizationQuery, "organizations")
async def organizations(request: Request) -> Response:
    q = parse(request, OrganizationQuery)
    query = _filtered(access.scope(Organization, principal(request)), q, {
        "park": "park_id", "stage": "stage", "registration": "registration", "updated_since": "updated_at__gte"})
    if q.domain is not None:
        # An unknown code is refused as an unknown park is (404: the schema cannot list the codes,
        # which administrators add), rather than answered with no rows as if the filter had applied.
        domain_ids = await ServiceDomain.filter(code=q.domain).values_list("id", flat=True)
        if not domain_ids:
            raise NotFound(_("No service domain has the code %(code)s.", code=q.domain))
        query = query.filter(id__in=Subquery(
            OrganizationDomain.filter(domain_id=domain_ids[0]).values("organization_id")))
    rows, link = await _page(request, query, q, ORGANIZATION_COLUMNS)
    return json_response(request, Page(items=await _organizations(rows), next=link))


@operation("/organizations/{id}", "getOrganization", "One organization", OrganizationOut, None, "organizations")
async def organization(request: Request) -> Response:
    rows = list(await access.scope(Organization, principal(request)).filter(id=_path_id(request)).values(
        *ORGANIZATION_COLUMNS))
    if not rows:
        raise NotFound("")
    return json_response(request, (await _organizations(rows))[0])


@operation("/reviews", "listReviews", "Decided milestone reviews", Page[ReviewOut], ReviewQuery, "reviews")
async def reviews(request: Request) -> Response:
    q = parse(request, ReviewQuery)
    query = _filtered(access.scope(Review, principal(request)).filter(status=ReviewStatus.DECIDED), q, {
        "organization": "organization_id", "decided_since": "decided_at__gte"})
    if q.park is not None:
        query = query.filter(organization_id__in=Subquery(Organization.filter(park_id=q.park).values("id")))
    rows, link = await _page(request, query, q, REVIEW_COLUMNS)
    return json_response(request, Page(items=[ReviewOut(**row) for row in rows], next=link))


@operation("/funds", "listFunds", "Seed funds and their totals", Page[FundOut], FundQuery, "funding")
async def funds(request: Request) -> Response:
    q = parse(request, FundQuery)
    query = _filtered(access.scope(Fund, principal(request)), q, {"fiscal_year": "fiscal_year", "park": "park_id"})
    rows, link = await _page(request, query, q, FUND_COLUMNS)
    items = [FundOut(**row, available_fen=row["budget_fen"] - row["committed_fen"]) for row in rows]
    return json_response(request, Page(items=items, next=link))


@operation("/grants", "listGrants", "Grants and what has been paid", Page[GrantOut], GrantQuery, "funding")
async def grants(request: Request) -> Response:
    q = parse(request, GrantQuery)
    query = _filtered(access.scope(Grant, principal(request)), q, {
        "fund": "fund_id", "organization": "organization_id", "status": "status"})
    rows, link = await _page(request, query, q, GRANT_COLUMNS)
    return json_response(request, Page(items=[GrantOut(**row) for row in rows], next=link))


async def _attendance(session_ids: list[int]) -> dict[int, AttendanceFigures]:
    counts: dict[int, dict[str, int]] = {i: defaultdict(int) for i in session_ids}
    if session_ids:
        live = Seat.filter(session_id__in=session_ids, status__in=(SeatStatus.SEATED, SeatStatus.WAITLISTED))
        grouped = await live.annotate(n=Count("id")).group_by("session_id", "status", "attendance").values_list(
            "session_id", "status", "attendance", "n")
        for session_id, status, attendance, n in grouped:
            figures = counts[session_id]
            if status == SeatStatus.WAITLISTED:
                figures["waitlisted"] += n
                continue
            figures["seated"] += n
            figures[Attendance(attendance).name.lower()] += n
    return {i: AttendanceFigures(seated=c["seated"], waitlisted=c["waitlisted"], present=c["present"],
                                 late=c["late"], absent=c["absent"], unmarked=c["unmarked"])
            for i, c in counts.items()}


@operation("/training-sessions", "listTrainingSessions", "Training sessions and their attendance",
           Page[TrainingSessionOut], TrainingSessionQuery, "training")
async def training_sessions(request: Request) -> Response:
    q = parse(request, TrainingSessionQuery)
    query = _filtered(access.scope(TrainingSession, principal(request)), q, {
        "park": "park_id", "starts_from": "starts_at__gte", "starts_before": "starts_at__lt"})
    rows, link = await _page(request, query, q, SESSION_COLUMNS)
    topic_ids = {row["topic_id"] for row in rows}
    topics = dict(await Topic.filter(id__in=topic_ids).values_list("id", "code")) if topic_ids else {}
    figures = await _attendance([row["id"] for row in rows])
    items = [TrainingSessionOut(**{k: v for k, v in row.items() if k != "topic_id"},
                                topic=topics.get(row["topic_id"], ""), attendance=figures[row["id"]])
             for row in rows]
    return json_response(request, Page(items=items, next=link))


@operation("/bookings", "listBookings", "Bookings of spaces (as far as the role sees them)", Page[BookingOut],
           BookingQuery, "booking")
async def bookings(request: Request) -> Response:
    q = parse(request, BookingQuery)
    query = _filtered(access.scope(Booking, principal(request)), q, {
        "space": "space_id", "organization": "organization_id", "starts_from": "starts_at__gte",
        "starts_before": "starts_at__lt"})
    rows, link = await _page(request, query, q, BOOKING_COLUMNS)
    return json_response(request, Page(items=[BookingOut(**row) for row in rows], next=link))


@operation("/dashboard", "getDashboard", "The dashboard's figures for a period", DashboardOut, DashboardQuery,
           "dashboards")
async def dashboard(request: Request) -> Response:
    q = parse(request, DashboardQuery)
    period = Period.parse(q.period, clock.today())
    if q.period is not None and period.key != q.period:
        raise BadRequest("period is not a month or year the dashboards keep", {"period": "out of range"})
    shown = await dashboards.dashboard(principal(request), period, q.park, q.domain)
    if q.domain is not None and shown.filters.domain_id != q.domain:
        # The service leaves out a domain it does not know: refused as an unknown park is, so that
        # the unfiltered figures never come back as the domain's.
        raise NotFound("")
    out = [FigureTable(
        key=table.key, title=table.title, first=table.first, columns=list(table.headers),
        kinds=[cell.kind for cell in table.rows[0].cells] if table.rows else [],
        rows=[FigureRow(key=row.key, label=row.label, values=[dashboard_tables.export_value(c) for c in row.cells],
                        total=row.total) for row in table.rows])
        for table in shown.tables]
    return json_response(request, DashboardOut(
        period=period.key, park_id=shown.filters.park_id, domain_id=shown.filters.domain_id,
        reported=shown.reported, tables=out))

