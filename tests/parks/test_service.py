"""Rules for parks and spaces, and the audit entries they leave."""

from datetime import time

import pytest
from msgspec.structs import replace
from tortoise.exceptions import IntegrityError

from incubator.access import Principal
from incubator.audit.models import AuditEntry
from incubator.errors import PermissionDenied, ValidationFailed
from incubator.parks import forms, service
from incubator.parks.commands import CreatePark, Hours, OpeningHours, SpaceDetails, UpdatePark
from incubator.parks.models import Park, ParkKind, Space, SpaceKind
from tests.helpers import assert_audited

PARK = CreatePark(kind=ParkKind.PARK, name_zh="新园区", resident_slots=10, floor_area_m2=1200)


async def test_admin_creates_a_park_and_the_audit_records_it(admin):
    park = await service.create_park(Principal(admin), PARK)
    assert park.floor_area_m2 == 1200 and park.kind == ParkKind.PARK
    entry = await AuditEntry.get(object_type="Park", object_id=str(park.id))
    assert entry.action == "create" and entry.actor_id == admin.id
    assert entry.changes["name_zh"] == [None, "新园区"]


async def test_a_new_park_gets_its_default_scorecard_and_review_plan_once_it_is_committed(admin):
    from incubator.organizations.models import AdmissionCriterion
    from incubator.reviews.models import Milestone

    park = await service.create_park(Principal(admin), PARK)
    assert await AdmissionCriterion.filter(park_id=park.id).count() == 4
    assert await Milestone.filter(park_id=park.id).count() == 4


async def test_only_administrators_create_parks(manager):
    with pytest.raises(PermissionDenied):
        await service.create_park(Principal(manager, frozenset()), PARK)


def test_park_form_reports_every_wrong_field():
    with pytest.raises(ValidationFailed) as failed:
        forms.create_park({"kind": "castle", "name_zh": "", "resident_slots": "-1", "floor_area_m2": "big"})
    assert set(failed.value.errors) == {"kind", "name_zh", "resident_slots", "floor_area_m2"}


def test_park_form_reads_numbers_and_terms_as_people_type_them():
    command = forms.create_park({"kind": "hub", "name_zh": " 中心 ", "floor_area_m2": "1,200",
                                 "agreement_terms": "24，6、12 6", "accepts_applications": "on"})
    assert command == CreatePark(kind=ParkKind.HUB, name_zh="中心", floor_area_m2=1200, agreement_terms=(6, 12, 24))
    assert forms.create_park({"name_zh": "园", "kind": "park"}).agreement_terms == (6, 12, 24)
    with pytest.raises(ValidationFailed) as failed:
        forms.create_park({"name_zh": "园", "kind": "park", "agreement_terms": "0, 61"})
    assert set(failed.value.errors) == {"agreement_terms"}


def test_without_the_classify_fields_the_update_keeps_kind_and_status(park):
    values = {**forms.park_values(park), "kind": "hub", "is_active": ""}
    command = forms.update_park(values, classify=False)
    assert command.kind is None and command.is_active is None
    assert forms.update_park(values, classify=True).kind == ParkKind.HUB


async def test_the_park_name_is_unique(admin, park):
    with pytest.raises(ValidationFailed) as failed:
        await service.create_park(Principal(admin), CreatePark(name_zh=park.name_zh))
    assert set(failed.value.errors) == {"name_zh"}
    assert await Park.all().count() == 1


async def test_a_district_has_one_hub(admin):
    await service.create_park(Principal(admin), CreatePark(kind=ParkKind.HUB, name_zh="服务中心"))
    with pytest.raises(ValidationFailed) as failed:
        await service.create_park(Principal(admin), CreatePark(kind=ParkKind.HUB, name_zh="第二中心"))
    assert "kind" in failed.value.errors


async def test_the_database_refuses_a_second_hub_too(clean):
    await Park.create(name_zh="中心一", kind=ParkKind.HUB)
    with pytest.raises(IntegrityError):
        await Park.create(name_zh="中心二", kind=ParkKind.HUB)


async def test_the_database_refuses_negative_slots(clean):
    with pytest.raises(IntegrityError):
        await Park.create(name_zh="负数园区", resident_slots=-1)


async def test_manager_edits_their_park_but_not_its_kind_or_status(manager, park):
    principal = Principal(manager, frozenset({park.id}))
    form = {**forms.park_values(park), "theme": "新主题", "kind": "hub", "resident_slots": "25", "is_active": ""}
    await service.update_park(principal, park, forms.update_park(form, classify=False))
    park = await Park.get(id=park.id)
    assert park.theme == "新主题" and park.resident_slots == 25
    assert park.kind == ParkKind.PARK and park.is_active
    entry = await AuditEntry.get(object_type="Park", action="update")
    assert entry.changes == {"theme": ["志愿服务", "新主题"], "resident_slots": [20, 25]}
    with pytest.raises(PermissionDenied):
        await service.update_park(principal, park, UpdatePark(name_zh=park.name_zh, kind=ParkKind.HUB))


async def test_an_unchanged_save_writes_no_audit_entry(admin, park):
    principal = Principal(admin)
    await service.update_park(principal, park, forms.update_park(forms.park_values(park), classify=True))
    assert not await AuditEntry.filter(object_type="Park", action="update").exists()


SPACE_FORM = {"kind": "meeting_room", "name": "二号会议室", "capacity": "12", "area_m2": "40",
              "open_mon": "08:30", "close_mon": "17:30", "open_tue": "9:00", "close_tue": "18:00",
              "bookable": "on"}
SPACE = forms.space(SPACE_FORM, existing=False)


def test_space_form_reads_the_hours_of_each_day():
    assert SPACE == SpaceDetails(
        kind=SpaceKind.MEETING_ROOM, name="二号会议室", capacity=12, area_m2=40, bookable=True,
        opening_hours=OpeningHours(mon=Hours(opens=time(8, 30), closes=time(17, 30)),
                                   tue=Hours(opens=time(9), closes=time(18))))


def test_a_days_hours_close_after_they_open():
    with pytest.raises(ValueError):
        Hours(opens=time(18), closes=time(9))


async def test_space_keeps_opening_hours_per_weekday(admin, park):
    space = await service.create_space(Principal(admin), park, SPACE)
    await assert_audited(space, "create", actor=admin, fields=("opening_hours", "capacity"))
    assert space.opening_hours["mon"] == ["08:30", "17:30"]
    assert space.opening_hours["tue"] == ["09:00", "18:00"]
    assert space.opening_hours["sun"] is None


def test_space_form_reports_every_wrong_field():
    bad = {**SPACE_FORM, "capacity": "0", "open_wed": "18:00", "close_wed": "09:00", "open_thu": "09:00",
           "open_fri": "25:00", "close_fri": "26:00"}
    with pytest.raises(ValidationFailed) as failed:
        forms.space(bad, existing=False)
    assert {"capacity", "open_wed", "open_thu", "open_fri"} <= set(failed.value.errors)


async def test_bookable_space_needs_hours_and_approval_needs_booking(admin, park):
    office = SpaceDetails(kind=SpaceKind.OFFICE, name="A", capacity=3)
    with pytest.raises(ValidationFailed) as failed:
        await service.create_space(Principal(admin), park, replace(office, bookable=True))
    assert "bookable" in failed.value.errors
    with pytest.raises(ValidationFailed) as failed:
        await service.create_space(Principal(admin), park, replace(office, needs_approval=True))
    assert "needs_approval" in failed.value.errors


async def test_space_names_are_unique_within_a_park(admin, park, other_park, space):
    with pytest.raises(ValidationFailed):
        await service.create_space(Principal(admin), park, replace(SPACE, name=space.name))
    await service.create_space(Principal(admin), other_park, replace(SPACE, name=space.name))
    assert await Space.filter(name=space.name).count() == 2


async def test_a_failed_change_leaves_no_audit_entry(admin, park, space):
    other = await Space.create(park=park, kind="office", name="办公室", capacity=3)
    with pytest.raises(ValidationFailed):
        await service.update_space(Principal(admin), other, replace(SPACE, name=space.name))
    assert not await AuditEntry.filter(object_type="Space").exists()
    assert (await Space.get(id=other.id)).name == "办公室"


def test_opening_hours_are_summarised_by_runs_of_days():
    from incubator import i18n

    hours = {d: ["08:30", "17:30"] for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": ["09:00", "12:00"],
                                                                                     "sun": None}
    token = i18n.set_locale("en")
    try:
        assert service.opening_hours_summary(hours) == ["Monday to Friday 08:30–17:30", "Saturday 09:00–12:00"]
        assert service.opening_hours_summary({"mon": ["08:00", "09:00"], "wed": ["08:00", "09:00"]}) == [
            "Monday 08:00–09:00", "Wednesday 08:00–09:00"]
        assert service.opening_hours_summary({}) == []
    finally:
        i18n.reset_locale(token)
