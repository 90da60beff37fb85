"""After a session: feedback and satisfaction, certificates and their public verification, the
figures per park, topic and month against a count of the rows, the reminder the day before, the
flag for mandatory sessions nobody signed up for, and the calendar feed parsed back."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from icalendar import Calendar

from incubator.errors import NotFound, PermissionDenied
from incubator.flags.service import Wanted
from incubator.notifications.models import Notification
from incubator.training import attendance, certificates, feedback, feeds, figures, flags, notices, seating
from incubator.training.commands import GiveFeedback, Mark, SignUp
from incubator.training.models import ATTENDED, Attendance, Feedback, Seat, SeatStatus, TrainingSession
from tests.training.conftest import TUESDAY

SECRET = "k" * 32


@pytest.fixture
def held(planned, boss, resident_with_people, frozen):
    """A session held on Tuesday: of 甲社's three people, two attended (present, late), one absent."""

    async def make(**values):
        session = await planned(**values)
        organization, member, people = await resident_with_people(f"甲社{session.id}", 3)
        seats = await seating.sign_up(member, session.id, SignUp(person_ids=frozenset(p.id for p in people)))
        frozen.move_to(session.starts_at)
        for seat, mark in zip(seats, (Attendance.PRESENT, Attendance.LATE, Attendance.ABSENT), strict=True):
            await attendance.mark(boss, seat.id, Mark(attendance=mark))
        frozen.move_to(session.ends_at + timedelta(hours=1))
        return session, organization, member, seats

    return make


async def test_attendees_rate_a_session_once_each_and_managers_see_who_has_not(held):
    session, _org, member, seats = await held(capacity=3, per_organization=3)
    await feedback.give_feedback(member, seats[0].id, GiveFeedback(rating=5, comment="很实用"))
    await feedback.give_feedback(member, seats[0].id, GiveFeedback(rating=4, comment="很实用"))  # replaces
    with pytest.raises(PermissionDenied):  # absent: nothing to rate
        await feedback.give_feedback(member, seats[2].id, GiveFeedback(rating=1))
    summary = await feedback.satisfaction(session)
    assert (summary.attended, summary.responses, summary.average, summary.satisfied) == (2, 1, "4.00", "100.0")
    assert [s.id for s in summary.silent] == [seats[1].id]
    assert await Feedback.all().count() == 1


async def test_a_certificate_prints_what_was_attended_and_verifies_publicly_until_corrected(held, boss):
    _session, _org, member, seats = await held(credit_minutes=150, capacity=3, per_organization=3)
    certificate = await certificates.for_seat(member, seats[0].id, SECRET)
    assert (certificate.serial, certificate.hours, certificate.first) == (f"TS{seats[0].id}", "2.5", TUESDAY)
    verified = await certificates.verify(certificate.serial, certificate.code, SECRET)
    assert verified is not None and verified.person == certificate.person
    assert await certificates.verify(certificate.serial, "0" * 16, SECRET) is None  # not issued here
    with pytest.raises(NotFound):  # absent: no certificate
        await certificates.for_seat(member, seats[2].id, SECRET)
    await attendance.mark(boss, seats[0].id, Mark(attendance=Attendance.ABSENT))
    assert await certificates.verify(certificate.serial, certificate.code, SECRET) is None


async def test_a_course_certificate_sums_the_sessions_attended(planned, boss, resident_with_people, frozen):
    sessions = await planned(weeks=3, credit_minutes=120)
    _org, member, people = await resident_with_people("学习社", 1)
    seats = [(await seating.sign_up(member, s.id, SignUp(person_ids=frozenset([people[0].id]))))[0]
             for s in sessions]
    for session, seat in zip(sessions[:2], seats[:2], strict=True):
        frozen.move_to(session.starts_at)
        await attendance.mark(boss, seat.id, Mark(attendance=Attendance.PRESENT))
    certificate = await certificates.for_course(member, sessions[0].course_id, people[0].id, SECRET)
    assert (certificate.sessions, certificate.hours) == (2, "4")
    assert (certificate.first, certificate.last) == (TUESDAY, TUESDAY + timedelta(weeks=1))


async def test_figures_match_the_rows_they_count(held, park, resident_with_people, planned):
    first, *_ = await held(capacity=3, per_organization=3, credit_minutes=180)
    session, _org, member, seats = await held(day=TUESDAY + timedelta(days=1), capacity=3, per_organization=3)
    await feedback.give_feedback(member, seats[0].id, GiveFeedback(rating=5))
    await feedback.give_feedback(member, seats[1].id, GiveFeedback(rating=2))
    await planned(day=TUESDAY + timedelta(days=9))  # not yet held: not counted
    report = await figures.park_figures([park.id], date(2026, 12, 1), date(2027, 1, 1))
    assert list(report.rows) == [(park.id, first.topic_id, "2026-12")]
    total = report.total()
    held_sessions = await TrainingSession.filter(ends_at__lte=session.ends_at).count()
    seated = await Seat.filter(status=SeatStatus.SEATED, session__ends_at__lte=session.ends_at)
    assert (total.sessions, total.session_minutes) == (held_sessions, 2 * 180)
    assert total.signed_up == len(seated) == 6
    assert total.attended == sum(1 for s in seated if s.attendance in ATTENDED) == 4
    assert total.absent == 2 and total.attended_minutes == sum(s.credit_minutes for s in seated)
    assert (total.attendance_rate, total.no_show_rate) == ("66.7", "33.3")
    assert (total.responses, total.average_rating, total.satisfaction) == (2, "3.50", "50.0")
    assert not (await figures.park_figures([park.id + 1], date(2026, 12, 1), date(2027, 1, 1))).rows


async def test_those_seated_are_reminded_the_day_before_once(planned, resident_with_people, frozen):
    session = await planned()
    _org, member, people = await resident_with_people("提醒社", 2)
    await seating.sign_up(member, session.id, SignUp(person_ids=frozenset(p.id for p in people)))
    assert await notices.remind_tomorrow() == {"reminded": 1}  # Monday: the session is on Tuesday
    assert await notices.remind_tomorrow() == {"reminded": 0}
    notice = await Notification.get(kind="training_reminder")
    assert notice.details["people"] == "提醒社0号、提醒社1号" and notice.user_id == member.id


async def test_a_mandatory_session_flags_the_audience_that_signed_nobody_up(planned, resident_with_people, park):
    session = await planned(mandatory=True)
    _signed, member, people = await resident_with_people("已报名社", 1)
    silent, _member, _people = await resident_with_people("未报名社", 1)
    await seating.sign_up(member, session.id, SignUp(person_ids=frozenset([people[0].id])))
    wanted = await flags.unsigned_mandatory(TUESDAY - timedelta(days=1))
    assert [(w.kind, w.organization_id, w.target_id) for w in wanted] == [
        ("training_unsigned", silent.id, session.id)]
    assert isinstance(wanted[0], Wanted) and wanted[0].details["organization"] == "未报名社"
    assert await flags.unsigned_mandatory(TUESDAY - timedelta(days=10)) == []  # too early to flag


async def test_the_calendar_feed_lists_the_sessions_of_ones_organization_and_resets(
        planned, resident_with_people, boss):
    mine = await planned(title="我们报名的课")
    await planned(day=TUESDAY + timedelta(days=1), title="别人的课")
    _org, member, people = await resident_with_people("日历社", 1)
    await seating.sign_up(member, mine.id, SignUp(person_ids=frozenset([people[0].id])))
    token = await feeds.token(SECRET, member.id)
    events = Calendar.from_ical(await feeds.calendar(SECRET, member.id, token)).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["我们报名的课"]
    assert events[0].decoded("dtstart") == mine.starts_at
    managed = Calendar.from_ical(await feeds.calendar(SECRET, boss.id, await feeds.token(SECRET, boss.id)))
    assert len(managed.walk("VEVENT")) == 2  # a manager's: the park's sessions
    await feeds.reset(member)
    with pytest.raises(NotFound):
        await feeds.calendar(SECRET, member.id, token)


async def test_two_first_ratings_of_one_attendee_at_once_leave_one_rating(held, make_user):
    import asyncio

    from incubator.access import Principal
    from incubator.roles import Role

    _session, organization, member, seats = await held(capacity=3, per_organization=3)
    colleague = Principal(await make_user("colleague", Role.MEMBER, organization=organization),
                          organization_id=organization.id)
    await asyncio.gather(feedback.give_feedback(member, seats[0].id, GiveFeedback(rating=5)),
                         feedback.give_feedback(colleague, seats[0].id, GiveFeedback(rating=3)))
    assert await Feedback.filter(seat_id=seats[0].id).count() == 1
