"""Training sessions through the service: seats within capacity and each organization's share, the
fair waitlist and its promotions, a session's room held like a booking, attendance, hours and the
graduation criterion, and the rotating check-in code."""

from __future__ import annotations

import asyncio
from datetime import time, timedelta

import pytest
from tortoise.exceptions import IntegrityError

from incubator import clock
from incubator.booking import decisions, new_bookings
from incubator.booking.commands import Book
from incubator.booking.models import Booking, BookingStatus
from incubator.errors import Conflict, PermissionDenied, ValidationFailed
from incubator.notifications.models import Notification
from incubator.organizations.models import Organization, Stage
from incubator.training import attendance, hours, planning, seating
from incubator.training.commands import CancelSession, EditSession, Mark, SelfCheckIn, SetTrainingSettings, SignUp
from incubator.training.models import Attendance, Audience, Person, Seat, SeatStatus, TrainingSession, TrainingSettings
from tests.training.conftest import NOW, TUESDAY, details

SECRET = "s" * 32


async def credited_minutes(organization_id: int) -> int:
    """The organization's credited minutes, summed row by row (a check of its own)."""
    return sum(await Seat.filter(organization_id=organization_id).values_list("credit_minutes", flat=True))


async def statuses(session_id: int) -> dict[str, str]:
    rows = await Seat.filter(session_id=session_id).values_list("person__name", "status")
    return {name: status for name, status in rows}


async def test_people_take_seats_up_to_their_share_and_the_rest_wait(planned, resident_with_people):
    session = await planned(capacity=10, per_organization=2)
    _org, member, people = await resident_with_people("阳光社", 3)
    seats = await seating.sign_up(member, session.id, SignUp(person_ids=frozenset(p.id for p in people)))
    assert [s.status for s in seats] == [SeatStatus.SEATED, SeatStatus.SEATED, SeatStatus.WAITLISTED]
    assert (await TrainingSession.get(id=session.id)).seated == 2


async def test_beyond_capacity_everyone_waits(planned, resident_with_people):
    session = await planned(capacity=3, per_organization=2)
    _a, first, people_a = await resident_with_people("甲社", 2)
    _b, second, people_b = await resident_with_people("乙社", 2)
    await seating.sign_up(first, session.id, SignUp(person_ids=frozenset(p.id for p in people_a)))
    seats = await seating.sign_up(second, session.id, SignUp(person_ids=frozenset(p.id for p in people_b)))
    assert sorted(s.status for s in seats) == [SeatStatus.SEATED, SeatStatus.WAITLISTED]
    assert (await TrainingSession.get(id=session.id)).seated == 3


async def test_a_freed_seat_goes_first_to_the_organization_holding_the_fewest(planned, resident_with_people,
                                                                           frozen):
    """乙 signed up after 甲's third person but holds fewer seats: the freed seat is 乙's."""
    session = await planned(capacity=4, per_organization=3)
    _a, first, people_a = await resident_with_people("甲社", 4)
    _b, second, people_b = await resident_with_people("乙社", 2)
    await seating.sign_up(first, session.id, SignUp(person_ids=frozenset(p.id for p in people_a[:3])))
    frozen.shift(60)
    await seating.sign_up(second, session.id, SignUp(person_ids=frozenset([people_b[0].id])))  # seated: 4 of 4
    frozen.shift(60)
    await seating.sign_up(first, session.id, SignUp(person_ids=frozenset([people_a[3].id])))  # waits (full)
    frozen.shift(60)
    await seating.sign_up(second, session.id, SignUp(person_ids=frozenset([people_b[1].id])))  # waits, later
    seat = await Seat.get(session_id=session.id, person_id=people_a[0].id)
    _seat, promoted = await seating.cancel_seat(first, seat.id)
    # 甲 now holds 2, 乙 holds 1: 乙's waiting person goes first although 甲's signed up earlier.
    assert await Seat.get(id=promoted[0]).values_list("person_id", flat=True) == people_b[1].id
    assert (await statuses(session.id))["甲社3号"] == SeatStatus.WAITLISTED
    assert await Notification.filter(kind="training_seat_given").count() == 1


def test_the_fair_order_serves_the_fewest_seats_then_the_earliest():
    # (seat, organization) in sign-up order; organization 1 holds 2 seats, 2 holds 1, 3 none; share 2.
    waiting = [(10, 1), (11, 2), (12, 2), (13, 3), (14, 3)]
    assert seating.fair_order(waiting, {1: 2, 2: 1}, share=2, free=3) == [13, 11, 14]
    assert seating.fair_order(waiting, {1: 2, 2: 2, 3: 2}, share=2, free=3) == []  # all at their share
    assert seating.fair_order([(1, 5), (2, 6)], {}, share=2, free=5) == [1, 2]


async def test_a_seat_given_back_after_the_deadline_stays_free_until_a_manager_fills_it(
        planned, resident_with_people, boss, frozen):
    session = await planned(capacity=1, cancel_hours=24)
    _a, first, people_a = await resident_with_people("甲社", 1)
    _b, second, people_b = await resident_with_people("乙社", 1)
    await seating.sign_up(first, session.id, SignUp(person_ids=frozenset([people_a[0].id])))
    await seating.sign_up(second, session.id, SignUp(person_ids=frozenset([people_b[0].id])))
    frozen.move_to(session.starts_at - timedelta(hours=2))  # past the 24-hour deadline
    seat = await Seat.get(session_id=session.id, person_id=people_a[0].id)
    _seat, promoted = await seating.cancel_seat(first, seat.id)
    assert promoted == [] and (await statuses(session.id))["乙社0号"] == SeatStatus.WAITLISTED
    assert len(await seating.fill(boss, session.id)) == 1
    assert (await statuses(session.id))["乙社0号"] == SeatStatus.SEATED


async def test_one_person_cannot_hold_two_live_seats_of_a_session(planned, resident_with_people):
    session = await planned()
    org, member, people = await resident_with_people("甲社", 1)
    await seating.sign_up(member, session.id, SignUp(person_ids=frozenset([people[0].id])))
    with pytest.raises(ValidationFailed) as refused:
        await seating.sign_up(member, session.id, SignUp(person_ids=frozenset([people[0].id])))
    assert "甲社0号" in refused.value.errors["person_ids"]
    with pytest.raises(IntegrityError):  # the database's partial unique index, past the service
        await Seat.create(session_id=session.id, person_id=people[0].id, organization_id=org.id,
                          status=SeatStatus.WAITLISTED, signed_up_at=clock.now())


async def test_the_database_refuses_more_seats_than_the_capacity(planned):
    session = await planned(capacity=2)
    with pytest.raises(IntegrityError):
        await TrainingSession.filter(id=session.id).update(seated=3)


async def test_only_the_audience_signs_up_and_only_from_its_own_roster(planned, resident_with_people, park):
    session = await planned(audience=Audience.STAGES, audience_stages=frozenset({Stage.ADMITTED.value}))
    _org, member, people = await resident_with_people("孵化中社", 1)  # incubating, not admitted
    with pytest.raises(PermissionDenied):
        await seating.sign_up(member, session.id, SignUp(person_ids=frozenset([people[0].id])))
    open_session = await planned(day=TUESDAY + timedelta(days=1))
    stranger = await Person.create(organization=await Organization.create(park=park, name_zh="他社",
                                                                         stage=Stage.INCUBATING), name="外人")
    with pytest.raises(ValidationFailed):
        await seating.sign_up(member, open_session.id, SignUp(person_ids=frozenset([stranger.id])))


async def test_a_session_holds_its_room_as_a_booking_does(planned, room, resident_with_people, park):
    """A booking cannot take a session's time, nor a session a booked time: one occupancy model."""
    session = await planned(start=time(14), end=time(17))
    hold = await Booking.get(id=session.hold_id)
    assert (hold.status, hold.held_by, hold.organization_id) == (BookingStatus.CONFIRMED, "training", None)
    _org, member, _people = await resident_with_people("订房社", 0)
    with pytest.raises(Conflict):
        await new_bookings.book(member, Book(space_id=room.id, day=TUESDAY, start=time(16), end=time(18)))
    await new_bookings.book(member, Book(space_id=room.id, day=TUESDAY + timedelta(days=1), start=time(9),
                                         end=time(11)))
    with pytest.raises(Conflict):
        await planned(day=TUESDAY + timedelta(days=1), start=time(10), end=time(12))
    assert not decisions.cancel_allowed(member, hold) and not decisions.move_allowed(member, hold)


async def test_a_course_is_planned_whole_or_not_at_all(planned, room, resident_with_people):
    _org, member, _people = await resident_with_people("订房社", 0)
    await new_bookings.book(member, Book(space_id=room.id, day=TUESDAY + timedelta(weeks=2), start=time(15),
                                         end=time(16)))
    with pytest.raises(Conflict):
        await planned(weeks=6)
    assert await TrainingSession.all().count() == 0
    assert await Booking.filter(held_by="training").count() == 0
    sessions = await planned(weeks=6, start=time(9), end=time(12))
    assert len(sessions) == 6 and len({s.course_id for s in sessions}) == 1
    assert [s.starts_at for s in sessions] == [sessions[0].starts_at + timedelta(weeks=n) for n in range(6)]


async def test_cancelling_a_session_frees_its_room_and_tells_everyone_signed_up(
        planned, boss, room, resident_with_people):
    session = await planned()
    _org, member, people = await resident_with_people("甲社", 1)
    await seating.sign_up(member, session.id, SignUp(person_ids=frozenset([people[0].id])))
    await planning.cancel(boss, session.id, CancelSession(reason="讲师生病"))
    assert (await Booking.get(id=session.hold_id)).status == BookingStatus.CANCELLED
    assert await Seat.filter(session_id=session.id, status=SeatStatus.CANCELLED).count() == 1
    notice = await Notification.get(kind="training_session_cancelled")
    assert notice.details["reason"] == "讲师生病"
    await new_bookings.book(member, Book(space_id=room.id, day=TUESDAY, start=time(14), end=time(15)))


async def test_a_larger_capacity_seats_the_waitlist_and_a_smaller_one_cannot_unseat_anyone(
        planned, boss, resident_with_people, topic, room):
    session = await planned(capacity=2, per_organization=2)
    _org, member, people = await resident_with_people("甲社", 3)
    await seating.sign_up(member, session.id, SignUp(person_ids=frozenset(p.id for p in people)))
    when = dict(space_id=room.id, day=TUESDAY, start=time(14), end=time(17))
    with pytest.raises(ValidationFailed) as refused:
        await planning.edit(boss, session.id, EditSession(details=details(topic, capacity=1, per_organization=1),
                                                          **when))
    assert "capacity" in refused.value.errors
    await planning.edit(boss, session.id, EditSession(details=details(topic, capacity=5, per_organization=3), **when))
    assert sorted((await statuses(session.id)).values()) == [SeatStatus.SEATED] * 3


async def test_moving_a_session_moves_its_hold_and_frees_the_old_time(planned, boss, topic, room,
                                                                     resident_with_people):
    session = await planned(start=time(14), end=time(17))
    await planning.edit(boss, session.id, EditSession(details=details(topic), space_id=room.id, day=TUESDAY,
                                                      start=time(9), end=time(12)))
    moved = await TrainingSession.get(id=session.id)
    assert moved.hold_id != session.hold_id
    assert (await Booking.get(id=session.hold_id)).status == BookingStatus.CANCELLED
    assert (await Booking.get(id=moved.hold_id)).starts_at == moved.starts_at
    _org, member, _people = await resident_with_people("订房社", 0)
    await new_bookings.book(member, Book(space_id=room.id, day=TUESDAY, start=time(15), end=time(16)))


async def test_editing_a_course_changes_every_session_not_yet_begun(planned, boss, topic, room):
    sessions = await planned(weeks=3)
    await planning.edit(boss, sessions[1].id, EditSession(
        details=details(topic, title="筹款实务", credit_minutes=120), whole_course=True, space_id=room.id,
        day=TUESDAY + timedelta(weeks=1), start=time(14), end=time(17)))
    titles = await TrainingSession.filter(course_id=sessions[0].course_id).order_by("starts_at").values_list(
        "title", "credit_minutes")
    assert titles == [("筹款实务", 120)] * 3


async def test_attendance_credits_the_hours_and_counts_toward_graduation(
        planned, boss, park, resident_with_people, frozen):
    session = await planned(credit_minutes=150)
    organization, member, people = await resident_with_people("甲社", 2)
    seats = await seating.sign_up(member, session.id, SignUp(person_ids=frozenset(p.id for p in people)))
    await hours.set_settings(boss, park.id, SetTrainingSettings(min_hours=4))
    with pytest.raises(PermissionDenied):  # too early to mark
        await attendance.mark(boss, seats[0].id, Mark(attendance=Attendance.PRESENT))
    frozen.move_to(session.starts_at)
    await attendance.mark(boss, seats[0].id, Mark(attendance=Attendance.PRESENT))
    await attendance.mark(boss, seats[1].id, Mark(attendance=Attendance.ABSENT))
    check = await hours.training_hours_met(organization)
    assert not check.met and "2.5" in check.missing
    await attendance.mark(boss, seats[1].id, Mark(attendance=Attendance.LATE))
    assert (await hours.training_hours_met(organization)).met
    minimum, rows = await hours.organization_hours(organization)
    assert minimum == 4 and [(r.year, r.topic_zh, r.minutes) for r in rows] == [(2026, "财务管理", 300)]
    await attendance.mark(boss, seats[1].id, Mark(attendance=Attendance.ABSENT))
    assert await credited_minutes(organization.id) == 150


async def test_the_check_in_code_changes_every_minute_and_works_only_in_its_window(
        planned, resident_with_people, frozen):
    session = await planned()
    _org, member, people = await resident_with_people("甲社", 1)
    seats = await seating.sign_up(member, session.id, SignUp(person_ids=frozenset([people[0].id])))
    assert attendance.current_code(SECRET, session) is None  # the morning before: no code shown
    frozen.move_to(session.starts_at - timedelta(minutes=31))
    assert attendance.current_code(SECRET, session) is None
    frozen.move_to(session.starts_at - timedelta(minutes=29))
    code = attendance.current_code(SECRET, session)
    assert code is not None
    frozen.shift(60)
    assert attendance.current_code(SECRET, session) != code
    attendance.scan_pass(SECRET, session.id, member.id, code)  # the last minute's still scans
    frozen.shift(60)
    with pytest.raises(PermissionDenied):  # a photo of a code two minutes old
        attendance.scan_pass(SECRET, session.id, member.id, code)
    fresh = attendance.scan_pass(SECRET, session.id, member.id, attendance.current_code(SECRET, session))
    _other, colleague, _people = await resident_with_people("乙社", 0)
    with pytest.raises(PermissionDenied):  # a pass is its scanner's own
        await attendance.self_check_in(colleague, session.id, SECRET,
                                       SelfCheckIn(code=fresh, seat_ids=frozenset([seats[0].id])))
    assert await attendance.self_check_in(member, session.id, SECRET,
                                          SelfCheckIn(code=fresh, seat_ids=frozenset([seats[0].id]))) == 1
    seat = await Seat.get(id=seats[0].id)
    assert (seat.attendance, seat.credit_minutes) == (Attendance.PRESENT, 180)


async def test_a_code_from_before_the_window_or_after_the_end_does_not_check_in(
        planned, resident_with_people, frozen):
    session = await planned()
    _org, member, people = await resident_with_people("甲社", 1)
    seats = await seating.sign_up(member, session.id, SignUp(person_ids=frozenset([people[0].id])))
    frozen.move_to(session.starts_at + timedelta(minutes=20))
    scan = attendance.scan_pass(SECRET, session.id, member.id, attendance.current_code(SECRET, session))
    frozen.move_to(session.ends_at + timedelta(minutes=1))
    with pytest.raises(PermissionDenied):
        await attendance.self_check_in(member, session.id, SECRET,
                                       SelfCheckIn(code=scan, seat_ids=frozenset([seats[0].id])))
    frozen.move_to(session.starts_at + timedelta(minutes=20))
    assert await attendance.self_check_in(member, session.id, SECRET,
                                          SelfCheckIn(code=scan, seat_ids=frozenset([seats[0].id]))) == 1
    assert (await Seat.get(id=seats[0].id)).attendance == Attendance.LATE  # twenty minutes after the start


async def test_sign_up_closes_at_the_start(planned, resident_with_people, frozen):
    session = await planned()
    _org, member, people = await resident_with_people("甲社", 1)
    frozen.move_to(session.starts_at)
    with pytest.raises(Conflict):
        await seating.sign_up(member, session.id, SignUp(person_ids=frozenset([people[0].id])))
    assert NOW < session.starts_at


async def test_a_sessions_room_counts_as_used_in_the_rooms_utilization(planned, park, room):
    from datetime import date as day_type

    from incubator.booking import utilization

    await planned(start=time(14), end=time(17))
    figures = (await utilization.park_utilization([park.id], day_type(2026, 12, 7), day_type(2026, 12, 14)))[park.id]
    assert (figures.booked_minutes, figures.blocked_minutes) == (180, 0)


async def test_changing_a_sessions_hours_changes_what_its_attendees_were_credited(
        planned, boss, topic, room, resident_with_people, frozen):
    session = await planned(credit_minutes=120)
    organization, member, people = await resident_with_people("改学时社", 2)
    seats = await seating.sign_up(member, session.id, SignUp(person_ids=frozenset(p.id for p in people)))
    frozen.move_to(session.starts_at)
    await attendance.mark(boss, seats[0].id, Mark(attendance=Attendance.PRESENT))
    await attendance.mark(boss, seats[1].id, Mark(attendance=Attendance.ABSENT))
    await planning.edit(boss, session.id, EditSession(details=details(topic, credit_minutes=180), space_id=room.id,
                                                      day=TUESDAY, start=time(14), end=time(17)))
    assert [(await Seat.get(id=s.id)).credit_minutes for s in seats] == [180, 0]
    assert await credited_minutes(organization.id) == 180


async def test_two_first_saves_of_a_parks_training_settings_leave_one_row(boss, park):
    results = await asyncio.gather(*(hours.set_settings(boss, park.id, SetTrainingSettings(min_hours=h))
                                     for h in (8, 16)), return_exceptions=True)
    assert all(not isinstance(r, Exception) or isinstance(r, Conflict) for r in results), results
    assert await TrainingSettings.filter(park_id=park.id).count() == 1


async def test_one_topic_added_twice_at_once_is_added_once(boss):
    from incubator.training.commands import AddTopic
    from incubator.training.models import Topic

    results = await asyncio.gather(*(planning.add_topic(boss, AddTopic(name_zh="社区营造")) for _ in range(2)),
                                   return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["Topic", "ValidationFailed"]
    assert await Topic.filter(name_zh="社区营造").count() == 1
