"""Training through its pages: a manager plans a session, a member keeps the roster and signs people
up (the third waits), a cancellation promotes them, the manager marks them on the sheet (htmx), a
scanned code checks in, and the hours reach the organization's page."""

from __future__ import annotations

from datetime import timedelta

from incubator.training.models import Attendance, Person, Seat, SeatStatus, TrainingSession
from incubator.training.service import check_in_code
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
