"""One clock: "today" is the date where the users are (INCUBATOR_TIMEZONE), everywhere.

Between 00:00 and 08:00 Beijing time the UTC date is still yesterday; at 23:30 it is the same
day. Each test travels to those instants instead of reading the clock."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from incubator import clock

BEIJING = ZoneInfo("Asia/Shanghai")
JUST_AFTER_MIDNIGHT = datetime(2026, 3, 2, 0, 30, tzinfo=BEIJING)  # 2026-03-01 16:30 UTC
LATE_EVENING = datetime(2026, 3, 2, 23, 30, tzinfo=BEIJING)  # 2026-03-02 15:30 UTC


@pytest.mark.parametrize("instant", [JUST_AFTER_MIDNIGHT, LATE_EVENING])
def test_today_is_the_local_date_at_both_ends_of_the_day(instant):
    with time_machine.travel(instant, tick=False):
        assert clock.today() == date(2026, 3, 2)
        assert clock.local_date(clock.now()) == date(2026, 3, 2)


@pytest.mark.parametrize("instant", [JUST_AFTER_MIDNIGHT, LATE_EVENING])
async def test_the_payment_forms_own_default_date_is_accepted(instant, browser, manager, admitted, manager_principal,
                                                              settings):
    from incubator.funding.models import Fund, Tranche
    from tests.funding.conftest import approved_grant

    fund = await Fund.create(name="专项资金", source="district_special", fiscal_year=2026, budget_fen=100_000_00,
                             valid_from=date(2026, 1, 1), valid_to=date(2030, 12, 31))
    grant = await approved_grant(manager_principal, admitted, fund, settings)
    tranche = await Tranche.get(grant_id=grant.id, sequence=1)
    await browser.login("manager")
    with time_machine.travel(instant, tick=False):
        page = await browser.get(f"/grants/{grant.id}")
        assert 'name="paid_on" type="date" value="2026-03-02"' in page.text
        paid = await browser.post(f"/tranches/{tranche.id}/pay", {"paid_on": "2026-03-02", "voucher": "PZ-1"})
    assert paid.status_code == 303
    assert (await Tranche.get(id=tranche.id)).paid_on == date(2026, 3, 2)


async def test_the_flag_job_counts_days_in_local_time(admitted):
    from incubator.flags import service as flags
    from incubator.flags.models import Flag
    from incubator.reviews.models import Review

    review = await Review.filter(organization_id=admitted.id).order_by("due_on").first()
    await Review.filter(id=review.id).update(due_on=date(2026, 3, 1))
    with time_machine.travel(JUST_AFTER_MIDNIGHT, tick=False):  # 1 March is yesterday in Beijing
        await flags.refresh_all()
    assert await Flag.filter(target_id=review.id, kind="review_overdue").exists()
