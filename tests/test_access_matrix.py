"""Every route × every role × someone else's object: outside one's scope the answer is
403 or 404, the other object's data never shows, and nothing changes; and every page about an
object shows each role the objects of its own (MUST_SEE).

A new route must be added to ROUTES below (the completeness test fails until it is)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import pytest_asyncio
from starlette.routing import Route

from incubator.access import Principal
from incubator.accounts.models import Invitation
from incubator.api import tokens as api_tokens
from incubator.api.commands import NewToken
from incubator.api.models import ApiToken
from incubator.audit.models import AuditEntry
from incubator.auth.models import Role, User, UserSession
from incubator.booking.models import Booking, BookingQuota, BookingRules
from incubator.calendar.models import WorkdayOverride
from incubator.directory.models import BrandProject
from incubator.funding.models import Fund, Grant, LedgerEntry, Tranche
from incubator.organizations.models import Document, FollowUp, ImportBatch, Organization
from incubator.parks.models import WEEKDAYS, Park, Space, SpaceKind
from incubator.reviews.models import DEFAULT_DIMENSIONS, Indicator, Review, ReviewAssignment
from incubator.training.models import (
    Feedback,
    Material,
    Person,
    Seat,
    Topic,
    TrainingFeed,
    TrainingSession,
    TrainingSettings,
)
from tests.conftest import PASSWORD, open_park


@dataclass
class World:
    park_a: Park  # managed by the manager; the member's organization lives here
    park_b: Park
    space_a: Space
    space_b: Space
    org_a: Organization  # the member's organization
    org_a2: Organization  # another organization in park A
    org_b: Organization
    users: dict[Role, User]
    stranger: User  # an account of no one in the test
    stranger_session: UserSession
    document_a: Document
    document_b: Document
    follow_up_a: FollowUp
    follow_up_b: FollowUp
    import_b: ImportBatch
    override: WorkdayOverride
    review_a: Review
    review_b: Review
    other_assignment: ReviewAssignment
    assignment_b: ReviewAssignment  # a declared conflict on park B's review
    fund_b: Fund
    grant_a: Grant
    grant_b: Grant
    tranche_a: Tranche
    tranche_b: Tranche
    room_a: Space  # a bookable room in park A
    room_b: Space  # a bookable room in park B
    booking_b: Booking  # org B's booking of it
    session_a: TrainingSession  # training in park A
    session_b: TrainingSession  # training in park B, where org B's person holds a seat
    person_b: Person
    seat_b: Seat
    material_b: Material
    project_a2: BrandProject  # a brand project of another organization in park A
    project_b: BrandProject
    stranger_token: ApiToken  # the stranger's API token
    invitation_b: Invitation  # an open invitation to org B


@pytest_asyncio.fixture
async def world(make_user, browser) -> World:
    park_a = await open_park(name_zh="甲园区SECRET-PARK-A", resident_slots=5)
    park_b = await open_park(name_zh="乙园区SECRET-PARK-B", resident_slots=5)
    space_a = await Space.create(park=park_a, kind=SpaceKind.OFFICE, name="SECRET-SPACE-A", capacity=4)
    space_b = await Space.create(park=park_b, kind=SpaceKind.OFFICE, name="SECRET-SPACE-B", capacity=4)
    org_a = await Organization.create(park=park_a, name_zh="SECRET-ORG-A")
    org_a2 = await Organization.create(park=park_a, name_zh="SECRET-ORG-A2")
    org_b = await Organization.create(park=park_b, name_zh="SECRET-ORG-B")
    users = {
        Role.ADMIN: await make_user("admin", Role.ADMIN),
        Role.OFFICIAL: await make_user("official", Role.OFFICIAL),
        Role.MANAGER: await make_user("manager", Role.MANAGER, parks=[park_a]),
        Role.MEMBER: await make_user("member", Role.MEMBER, organization=org_a),
        Role.EVALUATOR: await make_user("evaluator", Role.EVALUATOR),
    }
    stranger = await make_user("stranger-secret", Role.MEMBER, organization=org_b)
    await browser.login("stranger-secret")
    stranger_session = await UserSession.get(user_id=stranger.id)
    # Something for the audit timeline to show.
    from incubator.parks.commands import UpdatePark
    from incubator.parks.models import ParkKind
    from incubator.parks.service import update_park

    await update_park(Principal(users[Role.ADMIN]), park_a, UpdatePark(name_zh=park_a.name_zh, kind=ParkKind.PARK,
                                                                      resident_slots=6, is_active=True))
    now = datetime.now(UTC)
    documents = [
        await Document.create(organization=org, title=f"SECRET-DOC-{org.name_zh}", filename="x.pdf",
                              content_type="application/pdf", size=1, sha256="0" * 64,
                              storage_name=f"{org.id:032x}.pdf", uploaded_at=now)
        for org in (org_a, org_b)
    ]
    follow_ups = [await FollowUp.create(organization=org, due_on=date(2027, 1, 1)) for org in (org_a, org_b)]
    import_b = await ImportBatch.create(park=park_b, created_by=users[Role.ADMIN], created_at=now,
                                        filename="SECRET-IMPORT.xlsx", rows=[])
    override = await WorkdayOverride.create(day=date(2027, 2, 7), is_working=True, note="SECRET-NOTE")
    reviews = [await Review.create(organization=org, code="midterm", name_zh=f"SECRET-REVIEW-{org.name_zh}",
                                   anchor="term", amount=50, dimensions=DEFAULT_DIMENSIONS, due_on=date(2027, 1, 4))
               for org in (org_a, org_b)]
    await ReviewAssignment.create(review=reviews[0], evaluator=users[Role.EVALUATOR], panel="expert")
    other_evaluator = await make_user("other-evaluator", Role.EVALUATOR)
    other_assignment = await ReviewAssignment.create(review=reviews[0], evaluator=other_evaluator, panel="media")
    assignment_b = await ReviewAssignment.create(review=reviews[1], evaluator=other_evaluator, panel="expert",
                                                 conflict=True, conflict_note="SECRET-CONFLICT-B")
    district = await Fund.create(name="SECRET-FUND-DISTRICT", source="district_special", fiscal_year=2026,
                                 budget_fen=1_000_000, valid_from=date(2026, 1, 1), valid_to=date(2030, 1, 1))
    fund_b = await Fund.create(name="SECRET-FUND-B", source="operator_budget", fiscal_year=2026, park=park_b,
                               budget_fen=1_000_000, valid_from=date(2026, 1, 1), valid_to=date(2030, 1, 1))
    grant_a = await Grant.create(fund=district, organization=org_a, purpose="grant a", amount_fen=1000,
                                 status="active")
    grant_b = await Grant.create(fund=fund_b, organization=org_b, purpose="SECRET-GRANT-B", amount_fen=1000,
                                 status="proposed")
    tranches = [await Tranche.create(grant=g, sequence=1, amount_fen=1000, condition="on_signing", status="ready")
                for g in (grant_a, grant_b)]
    room_a, room_b = [await Space.create(park=park, kind=SpaceKind.MEETING_ROOM, name=f"SECRET-ROOM-{letter}",
                                         capacity=9, bookable=True,
                                         opening_hours={day: ["08:00", "22:00"] for day in WEEKDAYS})
                      for park, letter in ((park_a, "A"), (park_b, "B"))]
    starts = datetime(2027, 1, 5, 2, tzinfo=UTC)
    booking_b = await Booking.create(space=room_b, organization=org_b, starts_at=starts,
                                     ends_at=starts + timedelta(hours=1), held_until=starts + timedelta(hours=1),
                                     purpose="SECRET-BOOKING-B", status="pending")
    topic = await Topic.get(code="finance")
    session_a, session_b = [await TrainingSession.create(
        park=park, topic=topic, title=f"SECRET-SESSION-{letter}", trainer="T", space=room, capacity=5,
        starts_at=starts + timedelta(days=1), ends_at=starts + timedelta(days=1, hours=2), credit_minutes=120,
        seated=1 if letter == "B" else 0) for park, room, letter in ((park_a, room_a, "A"), (park_b, room_b, "B"))]
    person_b = await Person.create(organization=org_b, name="SECRET-PERSON-B")
    seat_b = await Seat.create(session=session_b, person=person_b, organization=org_b, status="seated",
                               signed_up_at=now, attendance="present", credit_minutes=120)
    material_b = await Material.create(session=session_b, title="SECRET-MATERIAL-B", filename="b.pdf",
                                       content_type="application/pdf", size=1, sha256="0" * 64,
                                       storage_name=f"{session_b.id:032x}.pdf", uploaded_at=now)
    project_a2, project_b = [await BrandProject.create(organization=org, name=f"SECRET-PROJECT-{letter}",
                                                       started_on=date(2026, 1, 1), created_at=now)
                             for org, letter in ((org_a2, "A2"), (org_b, "B"))]
    in_a_month = date.today() + timedelta(days=30)
    stranger_token = (await api_tokens.create(Principal(stranger), NewToken(name="SECRET-TOKEN",
                                                                          expires_on=in_a_month))).token
    invitation_b = await Invitation.create(organization=org_b, display_name="SECRET-INVITEE-B", token_hash="b" * 64,
                                           created_at=now, expires_at=now + timedelta(days=7))
    return World(park_a, park_b, space_a, space_b, org_a, org_a2, org_b, users, stranger, stranger_session,
                 documents[0], documents[1], follow_ups[0], follow_ups[1], import_b, override, reviews[0],
                 reviews[1], other_assignment, assignment_b, fund_b, grant_a, grant_b, tranches[0], tranches[1],
                 room_a, room_b, booking_b, session_a, session_b, person_b, seat_b, material_b, project_a2, project_b,
                 stranger_token, invitation_b)


# For each role: how to find, in the world, an object of the route's kind that lies outside
# the role's scope; None when the role may reach every such object (nothing to forbid).
Foreign = Callable[[Role], Callable[[World], int] | None]


def park_to_change(role: Role) -> Callable[[World], int] | None:
    if role == Role.ADMIN:
        return None
    return (lambda w: w.park_b.id) if role == Role.MANAGER else (lambda w: w.park_a.id)


def space_to_change(role: Role) -> Callable[[World], int] | None:
    if role == Role.ADMIN:
        return None
    return (lambda w: w.space_b.id) if role == Role.MANAGER else (lambda w: w.space_a.id)


def organization_to_view(role: Role) -> Callable[[World], int] | None:
    return {
        Role.MANAGER: lambda w: w.org_b.id,
        Role.MEMBER: lambda w: w.org_a2.id,
        Role.EVALUATOR: lambda w: w.org_a.id,
    }.get(role)


def organization_to_change(role: Role) -> Callable[[World], int] | None:
    return {
        Role.MANAGER: lambda w: w.org_b.id,
        Role.MEMBER: lambda w: w.org_a2.id,
        Role.OFFICIAL: lambda w: w.org_a.id,
        Role.EVALUATOR: lambda w: w.org_a.id,
    }.get(role)


def conflict_to_lift(role: Role) -> Callable[[World], int] | None:
    # Only a manager of the review's park (or an administrator) lifts a declared conflict.
    return None if role == Role.ADMIN else (lambda w: w.assignment_b.id)


def document_to_view(role: Role) -> Callable[[World], int] | None:
    return {
        Role.MANAGER: lambda w: w.document_b.id,
        Role.MEMBER: lambda w: w.document_b.id,
        Role.EVALUATOR: lambda w: w.document_a.id,
    }.get(role)


def follow_up_to_change(role: Role) -> Callable[[World], int] | None:
    if role == Role.ADMIN:
        return None
    return (lambda w: w.follow_up_b.id) if role == Role.MANAGER else (lambda w: w.follow_up_a.id)


def import_of_another_park(role: Role) -> Callable[[World], int] | None:
    return None if role == Role.ADMIN else (lambda w: w.import_b.id)


def override_to_remove(role: Role) -> Callable[[World], int] | None:
    return None if role == Role.ADMIN else (lambda w: w.override.id)


def review_to_view(role: Role) -> Callable[[World], int] | None:
    return {Role.MANAGER: lambda w: w.review_b.id, Role.MEMBER: lambda w: w.review_b.id,
            Role.EVALUATOR: lambda w: w.review_b.id}.get(role)


def review_to_change(role: Role) -> Callable[[World], int] | None:
    if role == Role.ADMIN:
        return None
    return (lambda w: w.review_b.id) if role in (Role.MANAGER, Role.MEMBER) else (lambda w: w.review_a.id)


def someone_elses_assignment(role: Role) -> Callable[[World], int] | None:
    return lambda w: w.other_assignment.id


def fund_to_view(role: Role) -> Callable[[World], int] | None:
    return None if role in (Role.ADMIN, Role.OFFICIAL) else (lambda w: w.fund_b.id)


def grant_to_view(role: Role) -> Callable[[World], int] | None:
    return {Role.MANAGER: lambda w: w.grant_b.id, Role.MEMBER: lambda w: w.grant_b.id,
            Role.EVALUATOR: lambda w: w.grant_a.id}.get(role)


def grant_to_decide(role: Role) -> Callable[[World], int] | None:
    # Officials approve, cancel and close any grant: nothing to forbid them there.
    if role in (Role.ADMIN, Role.OFFICIAL):
        return None
    return (lambda w: w.grant_b.id) if role == Role.MANAGER else (lambda w: w.grant_a.id)


def grant_to_manage(role: Role) -> Callable[[World], int] | None:
    if role == Role.ADMIN:
        return None
    return (lambda w: w.grant_b.id) if role == Role.MANAGER else (lambda w: w.grant_a.id)


def tranche_to_pay(role: Role) -> Callable[[World], int] | None:
    if role == Role.ADMIN:
        return None
    return (lambda w: w.tranche_b.id) if role == Role.MANAGER else (lambda w: w.tranche_a.id)


def user_to_change(role: Role) -> Callable[[World], int] | None:
    return None if role == Role.ADMIN else (lambda w: w.stranger.id)


def someone_elses_session(role: Role) -> Callable[[World], int] | None:
    return lambda w: w.stranger_session.id


def someone_elses_token(role: Role) -> Callable[[World], int] | None:
    return lambda w: w.stranger_token.id


def audit_of_park(role: Role) -> Callable[[World], int] | None:
    return None if role in (Role.ADMIN, Role.OFFICIAL) else (lambda w: w.park_a.id)


def room_to_book(role: Role) -> Callable[[World], int] | None:
    # Park B's room: managers book their parks' rooms, members their own park's; officials and
    # evaluators none at all; administrators any.
    return None if role == Role.ADMIN else (lambda w: w.room_b.id)


def booking_to_cancel(role: Role) -> Callable[[World], int] | None:
    return None if role == Role.ADMIN else (lambda w: w.booking_b.id)


def park_figures(role: Role) -> Callable[[World], int] | None:
    # Park B's figures: officials and administrators read every park's; managers only their own.
    return None if role in (Role.ADMIN, Role.OFFICIAL) else (lambda w: w.park_b.id)


def session_to_view(role: Role) -> Callable[[World], int] | None:
    # Park B's session: managers see their parks' training, members their organization's park's.
    return None if role in (Role.ADMIN, Role.OFFICIAL) else (lambda w: w.session_b.id)


def session_to_change(role: Role) -> Callable[[World], int] | None:
    if role == Role.ADMIN:
        return None
    return (lambda w: w.session_b.id) if role == Role.MANAGER else (lambda w: w.session_a.id)


def session_of_park_b(role: Role) -> Callable[[World], int] | None:
    return lambda w: w.session_b.id  # a member of park A's organization signs up or checks in to none of it


def seat_to_touch(role: Role) -> Callable[[World], int] | None:
    return None if role == Role.ADMIN else (lambda w: w.seat_b.id)


def material_to_view(role: Role) -> Callable[[World], int] | None:
    return None if role in (Role.ADMIN, Role.OFFICIAL) else (lambda w: w.material_b.id)


def seat_to_view(role: Role) -> Callable[[World], int] | None:
    return None if role in (Role.ADMIN, Role.OFFICIAL) else (lambda w: w.seat_b.id)


def person_of_org_b(role: Role) -> Callable[[World], int] | None:
    return lambda w: w.person_b.id  # only its own organization's members keep a roster


def listing_to_publish(role: Role) -> Callable[[World], int] | None:
    # Only an organization's own members decide what it publishes: every other role, any other.
    return (lambda w: w.org_a2.id) if role == Role.MEMBER else (lambda w: w.org_a.id)


def projects_to_keep(role: Role) -> Callable[[World], int] | None:
    # An organization's brand projects: its members, its park's managers, administrators.
    if role == Role.ADMIN:
        return None
    return {Role.MANAGER: lambda w: w.org_b.id, Role.MEMBER: lambda w: w.org_a2.id}.get(role, lambda w: w.org_a.id)


def project_to_change(role: Role) -> Callable[[World], int] | None:
    if role == Role.ADMIN:
        return None
    return (lambda w: w.project_b.id) if role == Role.MANAGER else (lambda w: w.project_a2.id)


def invitation_to_revoke(role: Role) -> Callable[[World], int] | None:
    # Org B's invitation: its park's managers and its own members revoke it, administrators any.
    return None if role == Role.ADMIN else (lambda w: w.invitation_b.id)


def public(role: Role) -> Callable[[World], int] | None:
    return None  # parks and spaces are district-public: every role may view them


PARK_FORM = {"name_zh": "HACKED", "kind": "hub", "resident_slots": "1", "is_active": ""}
SPACE_FORM = {"name": "HACKED", "kind": "desk", "capacity": "1"}
USER_FORM = {"display_name": "HACKED", "role": "admin", "language": "en", "is_active": "on"}

# route name -> (how to find a foreign object, form to post, marker of the foreign object)
ROUTES: dict[str, tuple[Foreign, dict | None]] = {
    "parks:detail": (public, None),
    "parks:space": (public, None),
    "parks:edit": (park_to_change, None),
    "parks:update": (park_to_change, PARK_FORM),
    "parks:space_new": (park_to_change, None),
    "parks:space_create": (park_to_change, SPACE_FORM),
    "parks:space_edit": (space_to_change, None),
    "parks:space_update": (space_to_change, SPACE_FORM),
    "organizations:detail": (organization_to_view, None),
    "organizations:timeline": (organization_to_view, None),
    "organizations:stage": (organization_to_change, {"stage": "exited", "reason": "HACKED"}),
    "organizations:edit": (organization_to_change, None),
    "directory:listing": (organization_to_view, None),
    "directory:listing_save": (listing_to_publish, {"listed": "1", "contact": "HACKED"}),
    "directory:logo_upload": (listing_to_publish, {}),
    "directory:project_add": (projects_to_keep, {"name": "HACKED", "started_on": "2026-01-01"}),
    "directory:project": (project_to_change, None),
    "directory:project_save": (project_to_change, {"name": "HACKED", "started_on": "2026-01-01"}),
    "directory:project_delete": (project_to_change, {}),
    "organizations:update": (organization_to_change, {"name_zh": "HACKED", "kind": "unregistered"}),
    "organizations:registration": (organization_to_change, None),
    "organizations:registration_update": (organization_to_change, {"registration": "preparing",
                                                                   "name_preapproval": "HACKED"}),
    "organizations:admission": (organization_to_change, None),
    "organizations:admission_decide": (organization_to_change, {"decision": "reject", "reason": "HACKED"}),
    "organizations:document_upload": (organization_to_change, {"title": "HACKED"}),
    "organizations:document": (document_to_view, None),
    "organizations:follow_up": (follow_up_to_change, {"notes": "HACKED"}),
    "organizations:import_preview": (import_of_another_park, None),
    "organizations:import_confirm": (import_of_another_park, {}),
    "organizations:criteria": (park_to_change, None),
    "calendar:remove": (override_to_remove, {}),
    "reviews:detail": (review_to_view, None),
    "funding:fund": (fund_to_view, None),
    "funding:grant_new": (organization_to_change, None),
    "funding:grant_create": (organization_to_change, {"purpose": "HACKED", "amount": "1", "amount_0": "1",
                                                      "condition_0": "on_signing"}),
    "funding:grant": (grant_to_view, None),
    "funding:propose": (grant_to_manage, {}),
    "funding:approve": (grant_to_decide, {}),
    "funding:cancel": (grant_to_decide, {"reason": "HACKED"}),
    "funding:close": (grant_to_decide, {"reason": "HACKED"}),
    "funding:repay": (grant_to_manage, {"amount": "1", "on_date": "2026-01-01", "reason": "HACKED"}),
    "funding:pay": (tranche_to_pay, {"paid_on": "2026-01-01", "voucher": "HACKED"}),
    "reviews:plan": (park_to_change, None),
    "reviews:plan_save": (park_to_change, {"name_zh_0": "HACKED", "anchor_0": "term", "amount_0": "1",
                                           "threshold_0": "1", "dimensions_0": "HACKED | x | 1 | 1"}),
    "reviews:assign": (review_to_change, {"evaluator_id": "1", "panel": "expert"}),
    "reviews:indicators": (review_to_change, {"name_0": "HACKED", "target_0": "1"}),
    "reviews:evidence": (review_to_change, {"title": "HACKED"}),
    "reviews:decide": (review_to_change, {"decision": "fail", "reason": "HACKED"}),
    "reviews:conflict": (someone_elses_assignment, {"conflict": "yes", "conflict_note": "HACKED"}),
    "reviews:score": (someone_elses_assignment, {"score_0": "1", "comment": "HACKED"}),
    "reviews:lift_conflict": (conflict_to_lift, {"lift_reason": "HACKED"}),
    "organizations:criteria_save": (park_to_change, {"name_zh_0": "HACKED", "weight_0": "1", "max_score_0": "1"}),
    "users:edit": (user_to_change, None),
    "users:update": (user_to_change, USER_FORM),
    "users:reset_password": (user_to_change, {"password": "hacked-password-123"}),
    "auth:end_session": (someone_elses_session, {}),
    "api:token_revoke": (someone_elses_token, {}),
    "audit:timeline": (audit_of_park, None),
    "booking:week": (public, None),
    "booking:day": (public, None),  # taken time only, to everyone (tests/booking/test_routes.py)
    "booking:form": (room_to_book, None),
    "booking:book": (room_to_book, {"organization_id": "block", "day": "2027-01-05", "start": "12:00",
                                    "end": "13:00", "attendees": "1", "purpose": "HACKED"}),
    "booking:cancel": (booking_to_cancel, {"reason": "HACKED"}),
    "booking:approve": (booking_to_cancel, {}),
    "booking:mark_checked_in": (booking_to_cancel, {}),
    "booking:check_in": (room_to_book, None),
    "booking:check_in_submit": (room_to_book, {"code": "0" * 20}),
    "booking:check_in_booking": (booking_to_cancel, None),
    "booking:check_in_booking_submit": (booking_to_cancel, {"code": "0" * 20}),
    "booking:rules": (space_to_change, None),
    "booking:rules_save": (space_to_change, {"slot_minutes": "15", "min_minutes": "15", "max_minutes": "15",
                                             "notice_minutes": "0", "horizon_days": "1", "buffer_minutes": "0"}),
    "booking:quota": (park_to_change, None),
    "booking:quota_save": (park_to_change, {"week_hours": "0", "month_hours": "0", "open_bookings": "0"}),
    "booking:reject": (booking_to_cancel, {"reason": "HACKED"}),
    "booking:move": (booking_to_cancel, None),
    "booking:utilization": (park_figures, None),
    "booking:utilization_xlsx": (park_figures, None),
    "booking:move_submit": (booking_to_cancel, {"space_id": "1", "day": "2027-01-05", "start": "12:00",
                                                "end": "13:00", "reason": "HACKED"}),
    "booking:watch": (room_to_book, {"day": "2027-01-05", "start": "12:00", "end": "13:00"}),
    "booking:space_feed_reset": (room_to_book, {}),
    "training:new": (park_to_change, None),
    "training:plan": (park_to_change, {"title": "HACKED", "topic_id": "1", "trainer": "HACKED", "space_id": "1",
                                       "day": "2027-01-05", "start": "14:00", "end": "15:00", "capacity": "5",
                                       "per_organization": "2", "cancel_hours": "0", "credit_hours": "1",
                                       "audience": "residents"}),
    "training:detail": (session_to_view, None),
    "training:edit": (session_to_change, None),
    "training:edit_submit": (session_to_change, {"title": "HACKED", "topic_id": "1", "trainer": "HACKED",
                                                 "capacity": "1", "per_organization": "1", "cancel_hours": "0",
                                                 "credit_hours": "9", "audience": "residents", "space_id": "1",
                                                 "day": "2027-01-06", "start": "10:00", "end": "11:00"}),
    "training:cancel": (session_to_change, {"reason": "HACKED"}),
    "training:fill": (session_to_change, {}),
    "training:screen": (session_to_change, None),
    "training:sheet": (session_to_view, None),
    "training:sign_up": (session_of_park_b, {"person_ids": "1"}),
    "training:check_in": (session_of_park_b, None),
    "training:check_in_submit": (session_of_park_b, {"pass": "0.0", "seat_ids": "1"}),
    "training:seat_cancel": (seat_to_touch, {}),
    "training:mark": (seat_to_touch, {"attendance": "absent"}),
    "training:person_active": (person_of_org_b, {"active": "0"}),
    "training:person": (person_of_org_b, None),
    "training:person_save": (person_of_org_b, {"name": "HACKED", "role": "staff"}),
    "training:settings": (park_to_change, None),
    "training:settings_save": (park_to_change, {"min_hours": "999"}),
    "training:feedback": (seat_to_touch, {"rating": "1", "comment": "HACKED"}),
    "training:certificate": (seat_to_view, None),
    "training:course_certificate": (person_of_org_b, None),
    "training:material_upload": (session_to_change, {"title": "HACKED"}),
    "training:material": (material_to_view, None),
    "accounts:organization_accounts": (organization_to_change, None),
    "accounts:invitation_new": (organization_to_change, None),
    "accounts:invite": (organization_to_change, {"display_name": "HACKED"}),
    "accounts:invitation_revoke": (invitation_to_revoke, {}),
}

# Routes without an object id: who may use them at all (others get 403 or a redirect).
ROUTES_WITHOUT_OBJECT: dict[str, set[Role] | None] = {
    "home": set(Role),
    "organizations:mine": {Role.MEMBER},
    "healthz": None,  # public
    "favicon": None,
    "auth:login": None,
    "auth:login_submit": None,
    "auth:logout": None,
    "auth:language": None,
    "auth:sessions": set(Role),
    "auth:end_all": set(Role),
    "auth:password": set(Role),
    "auth:password_submit": set(Role),
    "users:list": {Role.ADMIN},
    "users:new": {Role.ADMIN},
    "users:check_username": {Role.ADMIN},
    "users:organization_choices": {Role.ADMIN},
    "users:create": {Role.ADMIN},
    "parks:list": set(Role),
    "parks:new": {Role.ADMIN},
    "parks:create": {Role.ADMIN},
    "organizations:list": set(Role),
    "flags:list": {Role.ADMIN, Role.OFFICIAL, Role.MANAGER},
    "flags:export_xlsx": {Role.ADMIN, Role.OFFICIAL, Role.MANAGER},
    "flags:export_csv": {Role.ADMIN, Role.OFFICIAL, Role.MANAGER},
    "funding:funds": {Role.ADMIN, Role.OFFICIAL, Role.MANAGER},
    "funding:grants": {Role.ADMIN, Role.OFFICIAL, Role.MANAGER},
    "funding:fund_new": {Role.ADMIN, Role.OFFICIAL},
    "funding:fund_create": {Role.ADMIN, Role.OFFICIAL},
    "reviews:list": set(Role),
    "notifications:inbox": set(Role),
    "notifications:export_xlsx": set(Role),  # one's own messages
    "notifications:export_csv": set(Role),
    "notifications:unread": set(Role),
    "notifications:read": set(Role),
    "jobs:runs": {Role.ADMIN},
    "calendar:overrides": {Role.ADMIN, Role.OFFICIAL, Role.MANAGER},
    "calendar:save": {Role.ADMIN},
    "organizations:overdue": {Role.ADMIN, Role.MANAGER, Role.OFFICIAL},
    "organizations:import": {Role.ADMIN, Role.MANAGER},
    "organizations:import_upload": {Role.ADMIN, Role.MANAGER},
    "organizations:import_template": {Role.ADMIN, Role.MANAGER},
    "organizations:check_credit_code": set(Role),
    "organizations:domains": {Role.ADMIN},
    "organizations:domain_create": {Role.ADMIN},
    # Public: a group applies without an account; the receipt is reached by its secret reference.
    "organizations:apply": None,
    "organizations:apply_submit": None,
    "organizations:application_status": None,
    "audit:log": {Role.ADMIN, Role.OFFICIAL},
    "audit:export_xlsx": {Role.ADMIN, Role.OFFICIAL},
    "audit:export_csv": {Role.ADMIN, Role.OFFICIAL},
    "booking:list": {Role.ADMIN, Role.OFFICIAL, Role.MANAGER, Role.MEMBER},
    "booking:export_xlsx": {Role.ADMIN, Role.OFFICIAL, Role.MANAGER, Role.MEMBER},
    "booking:export_csv": {Role.ADMIN, Role.OFFICIAL, Role.MANAGER, Role.MEMBER},
    "booking:door": None,  # public: reached by its secret address (tests/booking/test_check_in.py)
    "booking:feed": None,  # public: reached by its secret address (tests/booking/test_feeds.py)
    "booking:organization_feed_reset": {Role.MEMBER},
    "training:list": {Role.ADMIN, Role.OFFICIAL, Role.MANAGER, Role.MEMBER},
    "training:export_xlsx": {Role.ADMIN, Role.OFFICIAL, Role.MANAGER, Role.MEMBER},
    "training:export_csv": {Role.ADMIN, Role.OFFICIAL, Role.MANAGER, Role.MEMBER},
    "training:people": {Role.MEMBER},
    "training:person_add": {Role.MEMBER},
    "training:figures": {Role.ADMIN, Role.OFFICIAL, Role.MANAGER},
    "training:topics": {Role.ADMIN, Role.MANAGER},
    "training:topic_add": {Role.ADMIN, Role.MANAGER},
    "training:figures_xlsx": {Role.ADMIN, Role.OFFICIAL, Role.MANAGER},
    "training:figures_csv": {Role.ADMIN, Role.OFFICIAL, Role.MANAGER},
    "training:feed_reset": {Role.ADMIN, Role.OFFICIAL, Role.MANAGER, Role.MEMBER},
    "training:feed": None,  # public: reached by its secret address (tests/training/test_records.py)
    "training:verify": None,  # public: a certificate's QR code (tests/training/test_records.py)
    "directory:list": None,  # public: the directory (tests/directory/test_directory.py)
    "directory:entry": None,
    "directory:logo": None,
    "organizations:export_xlsx": set(Role),  # the list's rows in the reader's scope (as the list)
    "organizations:export_csv": set(Role),
    "organizations:overdue_xlsx": {Role.ADMIN, Role.MANAGER, Role.OFFICIAL},
    "organizations:overdue_csv": {Role.ADMIN, Role.MANAGER, Role.OFFICIAL},
    "reviews:export_xlsx": set(Role),
    "reviews:export_csv": set(Role),
    "dashboards:dashboard": {Role.ADMIN, Role.OFFICIAL, Role.MANAGER},
    "dashboards:report": {Role.ADMIN, Role.OFFICIAL, Role.MANAGER},
    "dashboards:table_xlsx": {Role.ADMIN, Role.OFFICIAL, Role.MANAGER},
    "dashboards:table_csv": {Role.ADMIN, Role.OFFICIAL, Role.MANAGER},
    "dashboards:close": {Role.ADMIN, Role.OFFICIAL},
    "api:tokens": set(Role),  # one's own tokens (api.rules)
    "api:token_create": set(Role),
    "api:docs": None,  # public: the API's reference (the API itself needs a token)
    "api": None,  # the data API: a token, not a session (tests/api/test_api_access.py is its matrix)
    "dashboards:reopen": {Role.ADMIN, Role.OFFICIAL},
    # Public: reached by the invitation's secret link (tests/accounts/test_invitations.py).
    "accounts:invitation": None,
    "accounts:invitation_accept": None,
    "static": None,
}

SECRETS = ["SECRET-CONFLICT-B", "SECRET-PARK-B", "SECRET-SPACE-B", "SECRET-ORG-A2", "SECRET-ORG-B", "stranger-secret",
           "SECRET-DOC-SECRET-ORG-B", "SECRET-IMPORT", "SECRET-REVIEW-SECRET-ORG-B", "SECRET-FUND-B",
           "SECRET-GRANT-B", "SECRET-BOOKING-B", "SECRET-SESSION-B", "SECRET-PERSON-B",
           "SECRET-MATERIAL-B", "SECRET-INVITEE-B"]


def app_routes(app) -> dict[str, Route]:
    return {r.name: r for r in app.routes if getattr(r, "name", None)}


def test_every_route_is_in_the_matrix(app):
    names = set(app_routes(app))
    listed = set(ROUTES) | set(ROUTES_WITHOUT_OBJECT)
    assert names - listed == set(), "add these routes to the access matrix"
    assert listed - names == set(), "these matrix entries name no route"


def _url(app, name: str, object_id: int) -> str:
    route = app_routes(app)[name]
    params = {key: object_id for key in route.param_convertors}
    if "type" in params:
        params["type"] = "Park"
    return str(app.url_path_for(name, **params))


def _method(app, name: str) -> str:
    methods = app_routes(app)[name].methods or {"GET"}
    return "POST" if "POST" in methods else "GET"


FOREIGN_CASES = [
    pytest.param(name, role, id=f"{name}-{role.value}")
    for name in sorted(ROUTES)
    for role in Role
    if ROUTES[name][0](role) is not None
]


@pytest.mark.parametrize(("name", "role"), FOREIGN_CASES)
async def test_foreign_object_is_not_found_and_unchanged(app, world, new_browser, role, name):
    foreign = ROUTES[name][0](role)(world)
    b = new_browser()
    await b.login(role.value if role != Role.MEMBER else "member")
    audit_before = await AuditEntry.all().count()
    sessions_before = await UserSession.all().count()
    url = _url(app, name, foreign)
    if _method(app, name) == "POST":
        response = await b.post(url, ROUTES[name][1] or {})
    else:
        response = await b.get(url)
    assert response.status_code in (403, 404), (name, role, response.status_code)
    for secret in SECRETS:
        assert secret not in response.text
    assert await AuditEntry.all().count() == audit_before, "a refused request changed something"
    assert await UserSession.all().count() == sessions_before
    assert not await Park.filter(name_zh="HACKED").exists()
    assert not await Space.filter(name="HACKED").exists()
    assert not await User.filter(display_name="HACKED").exists()
    assert not await Organization.filter(name_zh="HACKED").exists()
    assert not await Organization.filter(stage__in=["exited", "rejected"]).exists()
    assert not await FollowUp.filter(notes="HACKED").exists()
    assert (await ImportBatch.get(id=world.import_b.id)).status == "preview"
    assert await WorkdayOverride.filter(id=world.override.id).exists()
    assert not await Review.filter(decision__isnull=False).exists()
    assert not await Indicator.exists()
    assert not await ReviewAssignment.filter(conflict__isnull=False).exclude(id=world.assignment_b.id).exists()
    assert (await ReviewAssignment.get(id=world.assignment_b.id)).conflict is True
    assert not await Grant.filter(purpose="HACKED").exists()
    assert not await LedgerEntry.exists()
    assert await Tranche.filter(status="ready").count() == 2
    assert [g.status for g in await Grant.all().order_by("id")] == ["active", "proposed"]
    assert [b.status for b in await Booking.all()] == ["pending"]
    assert not await BookingRules.exists() and not await BookingQuota.exists()
    assert [s.title for s in await TrainingSession.all().order_by("id")] == ["SECRET-SESSION-A", "SECRET-SESSION-B"]
    assert not await TrainingSession.filter(cancelled_at__isnull=False).exists()
    assert [(s.status, s.attendance, s.credit_minutes) for s in await Seat.all()] == [("seated", "present", 120)]
    assert not await Feedback.exists() and not await TrainingFeed.exists()
    assert [m.title for m in await Material.all()] == ["SECRET-MATERIAL-B"]
    assert (await Person.get()).is_active and not await TrainingSettings.exists()
    assert [(i.display_name, i.revoked_at) for i in await Invitation.all()] == [("SECRET-INVITEE-B", None)]


# Changing one's own password or ending one's own sessions is tested in tests/auth.
OWN_ACCOUNT = {"auth:end_all", "auth:password_submit"}
GATED = sorted(n for n, roles in ROUTES_WITHOUT_OBJECT.items() if roles and n not in OWN_ACCOUNT)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("name", GATED)
async def test_role_gated_routes_refuse_other_roles(app, world, new_browser, role, name):
    allowed = ROUTES_WITHOUT_OBJECT[name]
    b = new_browser()
    await b.login(role.value)
    url = str(app.url_path_for(name))
    audit_before = await AuditEntry.all().count()
    if _method(app, name) == "POST":
        response = await b.post(url, {"name_zh": "HACKED", "username": "hacked-user", "password": PASSWORD,
                                      "display_name": "HACKED", "role": "admin", "kind": "park"})
    else:
        response = await b.get(url)
    if role in allowed:
        assert response.status_code in (200, 303, 400)
    else:
        assert response.status_code == 403, (name, role, response.status_code)
        assert await AuditEntry.all().count() == audit_before
        assert not any(secret in response.text for secret in SECRETS)


@pytest.mark.parametrize("name", sorted(set(ROUTES) | {n for n, r in ROUTES_WITHOUT_OBJECT.items() if r}))
async def test_anonymous_visitors_are_sent_to_sign_in(app, world, new_browser, name):
    browser = new_browser()
    route = app_routes(app)[name]
    url = _url(app, name, world.park_a.id) if route.param_convertors else str(app.url_path_for(name))
    if _method(app, name) == "POST":
        response = await browser.post(url, {"name_zh": "HACKED"})
    else:
        response = await browser.get(url)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


async def test_member_sees_only_their_own_organization_in_lists(world, new_browser):
    b = new_browser()
    await b.login("member")
    page = await b.get("/organizations")
    assert "SECRET-ORG-A" in page.text
    assert "SECRET-ORG-A2" not in page.text and "SECRET-ORG-B" not in page.text


async def test_manager_sees_only_their_parks_organizations(world, new_browser):
    b = new_browser()
    await b.login("manager")
    page = await b.get("/organizations")
    assert "SECRET-ORG-A2" in page.text
    assert "SECRET-ORG-B" not in page.text


# The other half of the matrix: for each page about one object, the roles that must reach such an
# object of their own, which one (in the world), and what of it the page must show.
AD, OF, MG, MB, EV = Role.ADMIN, Role.OFFICIAL, Role.MANAGER, Role.MEMBER, Role.EVALUATOR
Own = tuple[Callable[[World], int], str]
MUST_SEE: dict[str, dict[Role, Own]] = {
    "parks:detail": {role: (lambda w: w.park_a.id, "SECRET-PARK-A") for role in Role},
    "parks:space": {role: (lambda w: w.space_a.id, "SECRET-SPACE-A") for role in Role},
    "parks:edit": {AD: (lambda w: w.park_b.id, "SECRET-PARK-B"), MG: (lambda w: w.park_a.id, "SECRET-PARK-A")},
    "parks:space_new": {AD: (lambda w: w.park_b.id, "SECRET-PARK-B"), MG: (lambda w: w.park_a.id, "SECRET-PARK-A")},
    "parks:space_edit": {AD: (lambda w: w.space_b.id, "SECRET-SPACE-B"),
                         MG: (lambda w: w.space_a.id, "SECRET-SPACE-A")},
    "organizations:detail": {AD: (lambda w: w.org_b.id, "SECRET-ORG-B"), OF: (lambda w: w.org_b.id, "SECRET-ORG-B"),
                             MG: (lambda w: w.org_a2.id, "SECRET-ORG-A2"), MB: (lambda w: w.org_a.id, "SECRET-ORG-A")},
    "organizations:timeline": {AD: (lambda w: w.org_b.id, "SECRET-ORG-B"), OF: (lambda w: w.org_b.id, "SECRET-ORG-B"),
                               MG: (lambda w: w.org_a2.id, "SECRET-ORG-A2"),
                               MB: (lambda w: w.org_a.id, "SECRET-ORG-A")},
    "organizations:edit": {AD: (lambda w: w.org_b.id, "SECRET-ORG-B"), MG: (lambda w: w.org_a2.id, "SECRET-ORG-A2"),
                           MB: (lambda w: w.org_a.id, "SECRET-ORG-A")},
    "organizations:registration": {AD: (lambda w: w.org_b.id, "SECRET-ORG-B"),
                                   MG: (lambda w: w.org_a2.id, "SECRET-ORG-A2")},
    "organizations:admission": {AD: (lambda w: w.org_b.id, "SECRET-ORG-B"),
                                MG: (lambda w: w.org_a2.id, "SECRET-ORG-A2")},
    "organizations:import_preview": {AD: (lambda w: w.import_b.id, "SECRET-IMPORT")},
    "organizations:criteria": {AD: (lambda w: w.park_b.id, "SECRET-PARK-B"),
                               MG: (lambda w: w.park_a.id, "SECRET-PARK-A")},
    "reviews:detail": {AD: (lambda w: w.review_b.id, "SECRET-REVIEW-SECRET-ORG-B"),
                       OF: (lambda w: w.review_b.id, "SECRET-REVIEW-SECRET-ORG-B"),
                       MG: (lambda w: w.review_a.id, "SECRET-REVIEW-SECRET-ORG-A"),
                       MB: (lambda w: w.review_a.id, "SECRET-REVIEW-SECRET-ORG-A"),
                       EV: (lambda w: w.review_a.id, "SECRET-REVIEW-SECRET-ORG-A")},
    "reviews:plan": {AD: (lambda w: w.park_b.id, "SECRET-PARK-B"), MG: (lambda w: w.park_a.id, "SECRET-PARK-A")},
    "funding:fund": {AD: (lambda w: w.fund_b.id, "SECRET-FUND-B"), OF: (lambda w: w.fund_b.id, "SECRET-FUND-B")},
    "funding:grant": {AD: (lambda w: w.grant_b.id, "SECRET-GRANT-B"), OF: (lambda w: w.grant_b.id, "SECRET-GRANT-B"),
                      MG: (lambda w: w.grant_a.id, "grant a"), MB: (lambda w: w.grant_a.id, "grant a")},
    "funding:grant_new": {AD: (lambda w: w.org_b.id, "SECRET-ORG-B"), MG: (lambda w: w.org_a.id, "SECRET-ORG-A")},
    "users:edit": {AD: (lambda w: w.stranger.id, "stranger-secret")},
    "audit:timeline": {AD: (lambda w: w.park_a.id, "SECRET-PARK-A"), OF: (lambda w: w.park_a.id, "SECRET-PARK-A")},
    "booking:week": {role: (lambda w: w.room_b.id, "SECRET-ROOM-B") for role in Role},
    "booking:day": {role: (lambda w: w.park_b.id, "SECRET-ROOM-B") for role in Role},
    # Only a member of an organization booking the room right now checks in: tests/booking/test_check_in.py.
    "booking:check_in": {},
    "booking:check_in_booking": {},  # a member's own booking only: tests/booking/test_check_in.py
    "booking:form": {AD: (lambda w: w.room_b.id, "SECRET-ROOM-B"), MG: (lambda w: w.room_a.id, "SECRET-ROOM-A")},
    "booking:rules": {AD: (lambda w: w.room_b.id, "SECRET-ROOM-B"), MG: (lambda w: w.room_a.id, "SECRET-ROOM-A")},
    "booking:quota": {AD: (lambda w: w.park_b.id, "SECRET-PARK-B"), MG: (lambda w: w.park_a.id, "SECRET-PARK-A")},
    "booking:move": {AD: (lambda w: w.booking_b.id, "SECRET-ROOM-B")},
    "booking:utilization": {OF: (lambda w: w.park_b.id, "SECRET-ROOM-B"), MG: (lambda w: w.park_a.id, "SECRET-ROOM-A")},
    "training:new": {AD: (lambda w: w.park_b.id, "SECRET-PARK-B"), MG: (lambda w: w.park_a.id, "SECRET-PARK-A")},
    "directory:listing": {AD: (lambda w: w.org_b.id, "SECRET-PROJECT-B"),
                          OF: (lambda w: w.org_b.id, "SECRET-PROJECT-B"),
                          MG: (lambda w: w.org_a2.id, "SECRET-PROJECT-A2"), MB: (lambda w: w.org_a.id, "SECRET-ORG-A")},
    "directory:project": {AD: (lambda w: w.project_b.id, "SECRET-PROJECT-B"),
                          MG: (lambda w: w.project_a2.id, "SECRET-PROJECT-A2")},
    "training:detail": {AD: (lambda w: w.session_b.id, "SECRET-PERSON-B"),
                        OF: (lambda w: w.session_b.id, "SECRET-PERSON-B"),
                        MG: (lambda w: w.session_a.id, "SECRET-SESSION-A"),
                        MB: (lambda w: w.session_a.id, "SECRET-SESSION-A")},
    "training:edit": {AD: (lambda w: w.session_b.id, "SECRET-SESSION-B"),
                      MG: (lambda w: w.session_a.id, "SECRET-SESSION-A")},
    "training:sheet": {AD: (lambda w: w.session_b.id, "SECRET-PERSON-B"),
                       OF: (lambda w: w.session_b.id, "SECRET-PERSON-B"),
                       MG: (lambda w: w.session_a.id, "SECRET-SESSION-A")},
    "training:screen": {AD: (lambda w: w.session_b.id, "SECRET-SESSION-B"),
                        MG: (lambda w: w.session_a.id, "SECRET-SESSION-A")},
    # Only a member who scanned the code in the session's window checks in: tests/training/test_routes.py.
    "training:check_in": {},
    "training:settings": {AD: (lambda w: w.park_b.id, "SECRET-PARK-B"),
                          MG: (lambda w: w.park_a.id, "SECRET-PARK-A")},
    "training:certificate": {AD: (lambda w: w.seat_b.id, "SECRET-PERSON-B"),
                             OF: (lambda w: w.seat_b.id, "SECRET-PERSON-B")},
    # A course's certificate needs a course: tests/training/test_records.py.
    "training:course_certificate": {},
    # Only members keep a roster, and the world's member's organization has nobody on it: test_routes.py.
    "training:person": {},
    # The world's organizations are applicants, whom no one invites yet: an admitted organization's
    # managers and members open the form in tests/accounts/test_invitations.py.
    "accounts:invitation_new": {},
    "accounts:organization_accounts": {AD: (lambda w: w.org_b.id, "SECRET-INVITEE-B"),
                                       MG: (lambda w: w.org_a2.id, "SECRET-ORG-A2"),
                                       MB: (lambda w: w.org_a.id, "SECRET-ORG-A")},
}
# Pages about one object that no role reads as a page: a file download, and the POST-only actions.
# Files: their contents are tested beside them.
NOT_PAGES = {"organizations:document", "booking:utilization_xlsx", "training:material"}


def test_every_page_about_an_object_has_must_see_cases(app):
    pages = {name for name in ROUTES if _method(app, name) == "GET"} - NOT_PAGES
    assert pages == set(MUST_SEE), sorted(pages ^ set(MUST_SEE))


OWN_CASES = [pytest.param(name, role, id=f"{name}-{role.value}")
             for name in sorted(MUST_SEE) for role in MUST_SEE[name]]


@pytest.mark.parametrize(("name", "role"), OWN_CASES)
async def test_own_object_is_shown(app, world, new_browser, role, name):
    """What a role is there for: its own park, organization, review or grant answers 200 and shows it."""
    find, marker = MUST_SEE[name][role]
    b = new_browser()
    await b.login(role.value)
    response = await b.get(_url(app, name, find(world)))
    assert response.status_code == 200, (name, role, response.status_code)
    assert marker in response.text, (name, role)
