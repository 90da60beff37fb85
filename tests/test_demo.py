"""The demo holds a few months of life (held training, a public directory, past bookings and
payments, timelines, a closed month), all dated relative to the app's clock; `incubator demo` on a
database an older version filled adds what is missing, and loading again adds nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from tortoise.models import Model

from incubator import clock, db, demo
from incubator.audit.models import AuditEntry
from incubator.auth.models import User
from incubator.booking.models import Booking
from incubator.dashboards.models import ClosedMonth
from incubator.directory import service as directory
from incubator.directory.models import BrandProject, Listing
from incubator.funding.models import Grant, LedgerEntry
from incubator.organizations.models import Organization, StageChange
from incubator.period import Period
from incubator.training import certificates
from incubator.training.models import Attendance, Feedback, Person, Seat, TrainingSession
from incubator.workdays import add_months

COUNTED: list[type[Model]] = [User, Organization, StageChange, TrainingSession, Person, Seat, Feedback, Booking,
                              Grant, LedgerEntry, Listing, BrandProject, ClosedMonth, AuditEntry]


async def _counts() -> dict[str, int]:
    return {model.__name__: await model.all().count() for model in COUNTED}


def _last_month() -> Period:
    return Period.month_of(add_months(clock.today().replace(day=1), -1))


async def test_the_demo_holds_months_of_life(clean, settings):
    assert await demo.load(settings) is True
    today = clock.today()
    last_month = _last_month()

    # Held training: attendance taken (present, late, absent), ratings, hours, a certificate to verify.
    past = await TrainingSession.filter(ends_at__lt=clock.now()).count()
    assert past >= 3 and await TrainingSession.filter(starts_at__gt=clock.now()).exists()
    marks = set(await Seat.all().values_list("attendance", flat=True))
    assert {Attendance.PRESENT, Attendance.LATE, Attendance.ABSENT} <= marks
    assert await Feedback.all().count() >= 5
    member = await User.get(username="org")
    assert member.organization_id is not None
    assert await Seat.filter(organization_id=member.organization_id, credit_minutes__gt=0).exists()
    seat = await Seat.filter(attendance=Attendance.PRESENT).first()
    assert seat is not None
    serial = f"TS{seat.id}"
    certificate = await certificates.verify(serial, certificates.code_of(settings.secret_key, serial),
                                            settings.secret_key)
    assert certificate is not None and certificate.minutes > 0

    # The public directory: listed organizations with a logo (a PNG file) and brand projects.
    page = await directory.directory("", None, None, 1, "zh-CN")
    assert page.total >= 5 and all(entry.has_logo for entry in page.entries)
    assert "太湖邻里志愿者协会" in {entry.name for entry in page.entries}
    assert await BrandProject.all().count() >= 5
    logo = await directory.public_logo(member.organization_id)
    assert (settings.uploads / logo.logo_name).read_bytes().startswith(b"\x89PNG")

    # Past bookings of the meeting room: checked in, and one no-show.
    booked = Booking.filter(organization_id__isnull=False, starts_at__lt=clock.now())
    assert await booked.filter(checked_in_at__isnull=False).count() >= 3
    assert await booked.filter(end_reason="no_show").count() == 1

    # Seed money committed and paid in past months, not today.
    paid_days: list[date] = await db.flat(LedgerEntry.filter(kind="disburse").values_list("on_date", flat=True))
    assert any(day < last_month.after for day in paid_days)
    assert any(last_month.first <= day < last_month.after for day in paid_days)

    # Timelines in the past months, and organizations existing from their application.
    assert await StageChange.filter(at__lt=clock.local_instant(last_month.first)).exists()
    assert not await Organization.filter(created_at__gte=clock.local_instant(today - timedelta(days=10))).exists()

    # Loading again adds nothing.
    before = await _counts()
    assert await demo.load(settings) is False
    assert await _counts() == before


async def test_the_demo_closes_last_month_with_its_history(clean, settings):
    await demo.load(settings)
    closed = await ClosedMonth.get(month=_last_month().key)
    assert closed.is_closed and closed.closed_by_name == "区民政局 王科长"
    facts = closed.facts
    assert facts["training"] and facts["stages"] and facts["rooms"]
    assert sum(row[4] for row in facts["money"]) > 0  # paid in that month
    assert sum(row[4] for row in facts["rooms"]) >= 1  # the no-show


async def test_an_older_demo_gets_what_newer_versions_add_once(clean, settings, monkeypatch):
    # An older version: no second member account, no months of history.
    async def nothing(*args: object) -> bool:
        return False

    with monkeypatch.context() as older:
        older.setattr(demo, "ACCOUNTS", [account for account in demo.ACCOUNTS if account[0] != "green"])
        for part in ("_timelines", "_training", "_bookings", "_past_money", "_directory", "_close_last_month"):
            older.setattr(demo, part, nothing)
        # The older loader did not know the member "green", so the history's members are org alone.
        older.setattr(demo, "MEMBER_ORGANIZATIONS", {"org": demo.MEMBER_ORGANIZATIONS["org"]})
        assert await demo.load(settings) is True
    assert not await User.filter(username="green").exists()
    assert not await TrainingSession.exists() and not await Listing.exists() and not await ClosedMonth.exists()
    older_counts = await _counts()

    assert await demo.load(settings) is True
    green = await User.get(username="green")
    assert (await Organization.get(id=green.organization_id)).name_zh == "滨湖绿色环保志愿服务队"
    assert await TrainingSession.filter(ends_at__lt=clock.now()).count() >= 3
    assert await Listing.filter(listed=True).count() >= 5
    assert await ClosedMonth.filter(month=_last_month().key).exists()
    # What was there stays: the older organizations and grants are not made twice.
    assert await Organization.all().count() == older_counts["Organization"]
    assert await Grant.filter(purpose=demo.FIRST_GRANT).count() == 1

    before = await _counts()
    assert await demo.load(settings) is False
    assert await _counts() == before


async def test_a_database_with_accounts_but_not_the_demo_is_left_alone(clean, settings):
    from incubator.auth.service import create_user_plain
    from incubator.roles import Role

    await create_user_plain("admin", "a-long-enough-password", Role.ADMIN)
    assert await demo.load(settings) is False
    assert await User.all().count() == 1
    assert not await Organization.exists()


@pytest.mark.parametrize("months_back", [1, 3])
def test_history_months_are_before_this_month(months_back):
    start = demo._month_start(months_back)
    assert start.day == 1 and start < clock.today().replace(day=1)
