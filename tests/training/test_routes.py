"""Training through its pages: a manager plans a session, a member keeps the roster and signs people
up (the third waits), a cancellation promotes them, the manager marks them on the sheet (htmx), a
scanned code checks in, and the hours reach the organization's page."""

from __future__ import annotations

from datetime import timedelta

from incubator.training.attendance import check_in_code
from incubator.training.models import Attendance, Material, Person, Seat, SeatStatus, TrainingSession
from tests.training.conftest import TUESDAY


async def test_a_session_from_planning_to_hours_on_the_organization_page(
        app, new_browser, manager, member, organization, park, room, topic, frozen):
    organization.stage = "incubating"
    await organization.save()
    boss = new_browser()
    await boss.login("manager")
    planned = await boss.post(f"/parks/{park.id}/training/new", {
        "title": "项目设计工作坊", "topic_id": str(topic.id), "trainer": "李老师", "space_id": str(room.id),
        "day": TUESDAY.isoformat(), "start": "14:00", "end": "17:00", "capacity": "2", "per_organization": "2",
        "cancel_hours": "24", "credit_hours": "2.5", "audience": "residents", "weeks": "1"})
    assert planned.status_code == 303, planned.text
    session = await TrainingSession.get(title="项目设计工作坊")
    assert session.credit_minutes == 150

    people = new_browser()
    await people.login("member")
    refused = await people.post("/training/people", {"name": "张三", "phone": "12345", "role": "staff"})
    assert refused.status_code == 400 and 'value="张三"' in refused.text and "11" in refused.text
    for name in ("张三", "李四", "王五"):
        assert (await people.post("/training/people", {"name": name, "phone": "", "role": "staff"})).status_code == 303
    ids = {p.name: str(p.id) for p in await Person.filter(organization_id=organization.id)}
    page = await people.get(f"/training/{session.id}")
    assert "项目设计工作坊" in page.text and 'name="person_ids"' in page.text
    signed = await people.post(f"/training/{session.id}/sign-up", {"person_ids": [ids["张三"], ids["李四"]]})
    assert signed.status_code == 303
    waiting = await people.post(f"/training/{session.id}/sign-up", {"person_ids": ids["王五"]})
    assert waiting.status_code == 303
    third = await Seat.get(person_id=int(ids["王五"]))
    assert third.status == SeatStatus.WAITLISTED
    first = await Seat.get(person_id=int(ids["张三"]))
    assert (await people.post(f"/training/seats/{first.id}/cancel", {})).status_code == 303
    assert (await Seat.get(id=third.id)).status == SeatStatus.SEATED

    frozen.move_to(session.starts_at - timedelta(minutes=5))
    await boss.login("manager")  # a day later: signed in afresh
    await people.login("member")
    sheet = await boss.get(f"/training/{session.id}/sheet")
    assert "王五" in sheet.text and "张三" not in sheet.text
    row = await boss.post(f"/training/seats/{third.id}/attendance", {"attendance": "present"},
                          headers={"HX-Request": "true"})
    assert row.status_code == 200, (row.status_code, row.headers)
    assert row.text.lstrip().startswith("<tr") and "王五" in row.text
    assert (await Seat.get(id=third.id)).credit_minutes == 150

    code = check_in_code(app.state.settings.secret_key, session.id, int(session.starts_at.timestamp() // 60) - 5)
    scanned = await people.get(f"/training/{session.id}/check-in?code={code}")
    assert scanned.status_code == 200 and "李四" in scanned.text
    token = scanned.text.split('name="pass" value="')[1].split('"')[0]
    second = await Seat.get(person_id=int(ids["李四"]))
    done = await people.post(f"/training/{session.id}/check-in", {"pass": token, "seat_ids": str(second.id)})
    assert done.status_code == 303
    assert (await Seat.get(id=second.id)).attendance == Attendance.PRESENT
    stale = await people.get(f"/training/{session.id}/check-in?code={code[:-1]}0")
    assert stale.status_code == 403

    profile = await people.get(f"/organizations/{organization.id}")
    assert "培训学时" in profile.text and "已参加 5 学时" in profile.text


async def test_a_plan_refused_keeps_what_was_typed(new_browser, manager, park, room, topic):
    boss = new_browser()
    await boss.login("manager")
    refused = await boss.post(f"/parks/{park.id}/training/new", {
        "title": "志愿者管理", "topic_id": str(topic.id), "trainer": "周老师", "space_id": str(room.id),
        "day": TUESDAY.isoformat(), "start": "17:00", "end": "14:00", "capacity": "abc", "per_organization": "2",
        "cancel_hours": "24", "credit_hours": "1.333", "audience": "residents"})
    assert refused.status_code == 400
    assert 'value="志愿者管理"' in refused.text and 'value="周老师"' in refused.text
    assert "请输入学时" in refused.text and 'id="e-capacity"' in refused.text and 'id="e-end"' in refused.text
    assert not await TrainingSession.exists()


async def test_certificate_prints_and_verifies_and_the_figures_export(
        app, new_browser, manager, official, member, organization, park, other_park, room, topic, frozen):
    from io import BytesIO

    from openpyxl import load_workbook

    from incubator.training import certificates
    from incubator.training.models import Person

    organization.stage = "incubating"
    await organization.save()
    session = await TrainingSession.create(park=park, topic=topic, title="财务制度", trainer="T", space=room,
                                           starts_at=frozen_start(), ends_at=frozen_start() + timedelta(hours=2),
                                           capacity=5, seated=1, credit_minutes=120)
    person = await Person.create(organization=organization, name="赵六")
    seat = await Seat.create(session=session, person=person, organization=organization, status="seated",
                             signed_up_at=session.starts_at, attendance="present", credit_minutes=120)
    frozen.move_to(session.ends_at + timedelta(hours=1))
    people = new_browser()
    await people.login("member")
    printed = await people.get(f"/training/seats/{seat.id}/certificate")
    assert printed.status_code == 200 and "赵六" in printed.text and f"TS{seat.id}" in printed.text
    code = certificates.code_of(app.state.settings.secret_key, f"TS{seat.id}")
    public = await new_browser().get(f"/certificates/TS{seat.id}/{code}")
    assert public.status_code == 200 and "赵六" in public.text and "财务制度" in public.text
    assert organization.name_zh not in public.text  # the public page shows name, course, hours and date only
    assert (await new_browser().get(f"/certificates/TS{seat.id}/{'0' * 16}")).status_code == 404

    boss = new_browser()
    await boss.login("manager")
    assert (await boss.get(f"/training/figures?park={other_park.id}")).status_code == 404
    page = await boss.get("/training/figures?year=2026")
    assert page.status_code == 200 and "66.7" not in page.text and "100.0" in page.text
    district = new_browser()
    await district.login("official")
    workbook = await district.get("/training/figures.xlsx?year=2026")
    sheet = load_workbook(BytesIO(workbook.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("园区", "主题", "月份", "举办场次")
    assert rows[1][3:6] == (1, 2, 1) and rows[-1][0] == "合计"
    spreadsheet = await district.get("/training/figures.csv?year=2026")
    assert spreadsheet.content.startswith(b"\xef\xbb\xbf") and "text/csv" in spreadsheet.headers["content-type"]
    assert spreadsheet.content.decode("utf-8-sig").splitlines()[0].startswith("园区,主题,月份,举办场次")


def frozen_start():
    from datetime import datetime

    from incubator import clock

    return datetime(2026, 12, 8, 14, tzinfo=clock.zone())


async def test_materials_are_added_by_managers_and_read_by_whoever_sees_the_session(
        new_browser, manager, member, organization, park, room, topic, make_user, other_park):
    from incubator.organizations.models import Organization
    from incubator.roles import Role
    from tests.helpers import PDF

    organization.stage = "incubating"
    await organization.save()
    session = await TrainingSession.create(park=park, topic=topic, title="资源筹集", trainer="T", space=room,
                                           starts_at=frozen_start(), ends_at=frozen_start() + timedelta(hours=2),
                                           capacity=5, credit_minutes=120)
    boss = new_browser()
    await boss.login("manager")
    token = await boss.refresh_token()
    added = await boss.client.post(f"/training/{session.id}/materials", data={"csrf_token": token, "title": "讲义"},
                                   files={"file": ("slides.pdf", PDF, "application/pdf")})
    assert added.status_code == 303
    refused = await boss.client.post(f"/training/{session.id}/materials", data={"csrf_token": token, "title": "程序"},
                                     files={"file": ("slides.exe", b"MZ", "application/octet-stream")})
    assert refused.status_code == 400 and 'value="程序"' in refused.text and "PDF" in refused.text
    assert await Material.filter(session_id=session.id).count() == 1
    material = await Material.get(session_id=session.id)
    people = new_browser()
    await people.login("member")
    page = await people.get(f"/training/{session.id}")
    assert "讲义" in page.text
    download = await people.get(f"/training/materials/{material.id}")
    assert download.status_code == 200 and download.content == PDF
    outsider = await Organization.create(park=other_park, name_zh="外园社", stage="incubating")
    await make_user("outsider", Role.MEMBER, organization=outsider)
    stranger = new_browser()
    await stranger.login("outsider")
    assert (await stranger.get(f"/training/materials/{material.id}")).status_code == 404


async def test_the_roster_shows_each_persons_hours(new_browser, member, organization, park, room, topic):
    from incubator.training.models import Person

    session = await TrainingSession.create(park=park, topic=topic, title="志愿者管理", trainer="T", space=room,
                                           starts_at=frozen_start(), ends_at=frozen_start() + timedelta(hours=2),
                                           capacity=5, seated=1, credit_minutes=90)
    person = await Person.create(organization=organization, name="钱七")
    await Seat.create(session=session, person=person, organization=organization, status="seated",
                      signed_up_at=session.starts_at, attendance="late", credit_minutes=90)
    people = new_browser()
    await people.login("member")
    roster = await people.get("/training/people")
    row = roster.text.split("钱七", 1)[1].split("</tr>", 1)[0]
    assert ">1.5<" in row


async def test_managers_extend_the_list_of_topics(new_browser, manager):
    from incubator.training.models import Topic

    boss = new_browser()
    await boss.login("manager")
    assert (await boss.post("/training/topics", {"name_zh": "社区营造", "name_en": "Community building"})
            ).status_code == 303
    again = await boss.post("/training/topics", {"name_zh": "社区营造", "name_en": "Again"})
    assert again.status_code == 400 and 'value="Again"' in again.text
    assert await Topic.filter(name_zh="社区营造").count() == 1


async def test_a_member_corrects_a_persons_details_and_a_wrong_phone_keeps_the_rest(new_browser, member,
                                                                                    organization):
    from incubator.training.models import Person

    person = await Person.create(organization=organization, name="孙八")
    people = new_browser()
    await people.login("member")
    assert "孙八" in (await people.get(f"/training/people/{person.id}")).text
    refused = await people.post(f"/training/people/{person.id}",
                                {"name": "孙小八", "phone": "123", "role": "volunteer"})
    assert refused.status_code == 400 and 'value="孙小八"' in refused.text
    saved = await people.post(f"/training/people/{person.id}", {"name": "孙小八", "phone": "13912345678",
                                                                  "role": "volunteer"})
    assert saved.status_code == 303
    fresh = await Person.get(id=person.id)
    assert (fresh.name, fresh.phone, fresh.role) == ("孙小八", "13912345678", "volunteer")


async def test_a_seat_reads_its_attendance_and_is_given_back_only_after_confirming(
        app, new_browser, manager, member, organization, park, room, topic, frozen):
    """Once attendance is taken the row says how the person attended, not "seated"; giving a seat
    back is a disclosure whose body holds the warning and the real form (no script needed)."""
    organization.stage = "incubating"
    await organization.save()
    boss = new_browser()
    await boss.login("manager")
    assert (await boss.post(f"/parks/{park.id}/training/new", {
        "title": "财务工作坊", "topic_id": str(topic.id), "trainer": "李老师", "space_id": str(room.id),
        "day": TUESDAY.isoformat(), "start": "14:00", "end": "17:00", "capacity": "5", "per_organization": "2",
        "cancel_hours": "24", "credit_hours": "3", "audience": "residents", "weeks": "1"})).status_code == 303
    session = await TrainingSession.get(title="财务工作坊")
    person = await Person.create(organization=organization, name="赵六")
    people = new_browser()
    await people.login("member")
    assert (await people.post(f"/training/{session.id}/sign-up", {"person_ids": str(person.id)})).status_code == 303
    seat = await Seat.get(person_id=person.id)
    page = (await people.get(f"/training/{session.id}")).text
    give_back = page.split('<details class="confirm">')[1].split("</details>")[0]
    assert f'action="/training/seats/{seat.id}/cancel"' in give_back and "赵六" in give_back
    assert '<div class="actions">' in page  # its actions spaced apart, also on a phone

    frozen.move_to(session.starts_at - timedelta(minutes=5))
    await boss.login("manager")
    await people.login("member")
    assert (await boss.post(f"/training/seats/{seat.id}/attendance", {"attendance": "present"})).status_code in (
        200, 303)
    row = (await people.get(f"/training/{session.id}")).text.split("赵六")[1].split("</tr>")[0]
    assert "出席" in row and "已获名额" not in row  # Present, not Seated


async def test_training_is_planned_in_rooms_only(boss, park, room, topic):
    """Desks, offices and the reception area are neither offered nor accepted for a session."""
    from datetime import time

    import pytest

    from incubator.errors import ValidationFailed
    from incubator.parks.models import WEEKDAYS, Space, SpaceKind
    from incubator.training import planning
    from incubator.training.commands import PlanSessions
    from tests.training.conftest import details

    hours = {day: ["08:00", "22:00"] for day in WEEKDAYS}
    hall = await Space.create(park=park, kind=SpaceKind.ACTIVITY_HALL, name="多功能厅", capacity=80,
                              opening_hours=hours)
    desk = await Space.create(park=park, kind=SpaceKind.DESK, name="工位 01", capacity=2, opening_hours=hours)
    reception = await Space.create(park=park, kind=SpaceKind.RECEPTION, name="接待区", capacity=8,
                                   opening_hours=hours)
    offered = {s.id for s in await planning.rooms(park.id)}
    assert offered == {room.id, hall.id}
    for space in (desk, reception):
        with pytest.raises(ValidationFailed) as refused:
            await planning.plan(boss, PlanSessions(park_id=park.id, space_id=space.id, day=TUESDAY, start=time(14),
                                                   end=time(17), weeks=1, details=details(topic)))
        assert set(refused.value.errors) == {"space_id"}
    assert await TrainingSession.all().count() == 0


async def test_the_roster_names_its_action_and_the_state_apart(new_browser, member, organization):
    """"已离开" was the button that marks a person as gone, read as their state."""
    await Person.create(organization=organization, name="钱七")
    await Person.create(organization=organization, name="孙八", is_active=False)
    people = new_browser()
    await people.login("member")
    page = (await people.get("/training/people")).text
    assert ">已离开<" not in page and ">已回归<" not in page
    assert "No longer with the organization" in page or "已不在本组织" in page
