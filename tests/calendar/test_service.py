"""The administrator's corrections to the working-day calendar."""

from datetime import date

import pytest

from incubator.access import Principal
from incubator.audit.models import AuditEntry
from incubator.calendar import forms, service
from incubator.calendar.commands import SetOverride
from incubator.calendar.models import WorkdayOverride
from incubator.errors import PermissionDenied, ValidationFailed

MAKE_UP_DAY = SetOverride(day=date(2027, 2, 7), is_working=True, note="春节调休")


def test_the_form_reads_a_day_and_what_it_is():
    assert forms.set_override({"day": "2027-02-07", "is_working": "1", "note": " 春节调休 "}) == MAKE_UP_DAY
    assert not forms.set_override({"day": "2027/10/08", "is_working": "0"}).is_working


def test_the_form_reports_every_wrong_field():
    with pytest.raises(ValidationFailed) as failed:
        forms.set_override({"day": "2027-02-30", "is_working": "maybe", "note": "x" * 101})
    assert set(failed.value.errors) == {"day", "is_working", "note"}


async def test_admin_corrects_a_day_and_corrects_it_again(admin):
    override = await service.set_override(Principal(admin), MAKE_UP_DAY)
    assert await service.overrides() == {date(2027, 2, 7): True}
    await service.set_override(Principal(admin), SetOverride(day=override.day, is_working=False))
    assert await service.overrides() == {date(2027, 2, 7): False}
    actions = await AuditEntry.filter(object_type="WorkdayOverride").order_by("id").values_list("action", flat=True)
    assert actions == ["create", "update"]


async def test_only_administrators_correct_the_calendar(official):
    principal = Principal(official)
    assert not service.may_correct(principal)
    with pytest.raises(PermissionDenied):
        await service.set_override(principal, MAKE_UP_DAY)
    assert not await WorkdayOverride.exists()
