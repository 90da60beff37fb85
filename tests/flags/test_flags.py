"""Flags from the state of things: raised once, resolved when the cause goes away, and the
job that raises them is idempotent, survives a crash half-way, and catches up after downtime."""

import asyncio
from collections import Counter
from datetime import date

import pytest

from incubator.flags import service
from incubator.flags.models import Flag
from incubator.notifications import service as notifications
from incubator.notifications.models import Notification
from incubator.organizations.models import FollowUp, Organization
from incubator.reviews.models import Review, ReviewStatus
from incubator.roles import Role


async def open_flags(kind: str | None = None) -> list[Flag]:
    flags = Flag.filter(resolved_at__isnull=True)
    return await (flags.filter(kind=kind) if kind else flags).order_by("id")


async def test_review_due_then_overdue_then_resolved(admitted):
    counts = await service.refresh_all(date(2026, 3, 20))
    due = await open_flags("review_due")
    assert [f.details["review"] for f in due] == ["入驻一个月检查"] and counts["raised"] == 1
    await service.refresh_all(date(2026, 4, 2))
    assert await open_flags("review_due") == []
    overdue = await open_flags("review_overdue")
    assert len(overdue) == 1 and overdue[0].due_on == date(2026, 4, 1)
    await Review.filter(organization_id=admitted.id, code="onboarding").update(status=ReviewStatus.DECIDED)
    await service.refresh_all(date(2026, 4, 3))
    assert await open_flags("review_overdue") == []
    assert await Flag.filter(kind="review_overdue", resolved_at__isnull=False).count() == 1


async def test_running_twice_changes_nothing(admitted):
    first = await service.refresh_all(date(2026, 4, 2))
    rows = await Flag.all().order_by("id").values()
    second = await service.refresh_all(date(2026, 4, 2))
    assert first["raised"] >= 1 and second["raised"] == second["resolved"] == second["reopened"] == 0
    assert await Flag.all().order_by("id").values() == rows


async def test_a_day_the_server_was_down_is_caught_up(admitted):
    await service.refresh_all(date(2026, 3, 20))
    # Nothing ran for months; the next run sees the whole state, not the days in between.
    await service.refresh_all(date(2026, 9, 15))
    overdue = {f.details["review"] for f in await open_flags("review_overdue")}
    assert overdue == {"入驻一个月检查", "登记进展检查", "中期评估"}
    assert [f.details["organization"] for f in await open_flags("unregistered")] == [admitted.name_zh]


async def test_a_crash_half_way_leaves_no_duplicate_and_the_rerun_completes(admitted, monkeypatch):
    real_bulk_create = Flag.bulk_create.__func__
    calls = {"n": 0}

    async def crash_on_the_second_source(cls, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 1:
            raise RuntimeError("the process died")
        return await real_bulk_create(cls, *args, **kwargs)

    monkeypatch.setattr(Flag, "bulk_create", classmethod(crash_on_the_second_source))
    with pytest.raises(RuntimeError):
        await service.refresh_all(date(2026, 9, 15))
    written = await Flag.all().count()
    assert 0 < written < 4  # one source's flags made it, the other's did not
    monkeypatch.undo()
    await service.refresh_all(date(2026, 9, 15))
    keys = await Flag.all().values_list("kind", "target_type", "target_id", "period")
    assert len(keys) == len(set(keys)) == 4  # three overdue reviews and the registration


async def inboxes_match_the_flags(manager_ids: list[int]) -> None:
    """Every manager of the park has exactly one inbox message per open flag."""
    flags = Counter((f.kind, f.due_on.isoformat() if f.due_on else "", f.details.get("review", ""))
                    for f in await open_flags())
    assert flags
    for user_id in manager_ids:
        inbox = Counter((n.details["flag_kind"], n.details["due"], n.details.get("review", ""))
                        for n in await Notification.filter(user_id=user_id, kind="flag"))
        assert inbox == flags


def crash_after(real, calls: dict):
    async def write_then_die(*args, **kwargs):
        result = await real(*args, **kwargs)
        if not calls:
            calls["crashed"] = True
            raise RuntimeError("the process died")
        return result

    return write_then_die


@pytest.mark.parametrize("instant", ["after the flags are written", "before their notifications",
                                     "after their notifications are written"])
async def test_a_crash_at_any_instant_loses_no_notification(admitted, manager, park, make_user, monkeypatch,
                                                            instant):
    deputy = await make_user("deputy", Role.MANAGER, parks=[park])
    calls: dict = {}
    if instant == "after the flags are written":
        monkeypatch.setattr(Flag, "bulk_create", classmethod(crash_after(Flag.bulk_create.__func__, calls)))
    elif instant == "before their notifications":
        async def die(*args, **kwargs):
            calls["crashed"] = True
            raise RuntimeError("the process died")

        monkeypatch.setattr(notifications, "bulk_notify", die)
    else:
        monkeypatch.setattr(notifications, "bulk_notify", crash_after(notifications.bulk_notify, calls))
    with pytest.raises(RuntimeError):
        await service.refresh_all(date(2026, 9, 15))
    assert calls == {"crashed": True}
    monkeypatch.undo()
    await service.refresh_all(date(2026, 9, 15))  # the rerun after the crash
    await service.refresh_all(date(2026, 9, 15))  # and the next hourly run
    assert len(await open_flags()) == 4
    await inboxes_match_the_flags([manager.id, deputy.id])


async def test_concurrent_runs_raise_each_flag_once(admitted, manager):
    await asyncio.gather(*(service.refresh_all(date(2026, 9, 15)) for _ in range(4)))
    keys = await Flag.all().values_list("kind", "target_type", "target_id", "period")
    assert len(keys) == len(set(keys)) == 4
    await inboxes_match_the_flags([manager.id])


async def test_a_flag_another_runner_just_raised_is_skipped_with_its_notifications(admitted, manager,
                                                                                   monkeypatch):
    """The unique constraint sends the bulk insert to the one-row-at-a-time path: the other
    runner's flag (and its notifications, written with it) stay; the rest are raised here."""
    real_raise = service._raise

    async def other_runner_first(missing, now):
        if missing:
            await real_raise(missing[:1], now)
        return await real_raise(missing, now)

    monkeypatch.setattr(service, "_raise", other_runner_first)
    counts = await service.refresh_all(date(2026, 9, 15))
    assert len(await open_flags()) == 4
    await inboxes_match_the_flags([manager.id])
    assert counts["open"] == 4


async def test_term_ending_and_follow_ups(incubating):
    await service.refresh_all(date(2027, 2, 10))
    assert [f.due_on for f in await open_flags("term_ending")] == [date(2027, 3, 1)]
    follow_up = await FollowUp.create(organization_id=incubating.id, due_on=date(2027, 2, 14))
    await service.refresh_all(date(2027, 2, 10))
    assert len(await open_flags("follow_up_due")) == 1
    await FollowUp.filter(id=follow_up.id).update(done_on=date(2027, 2, 11), notes="已回访")
    await service.refresh_all(date(2027, 2, 11))
    assert await open_flags("follow_up_due") == []


async def test_registration_resolves_the_unregistered_flag(admitted):
    await service.refresh_all(date(2026, 9, 2))
    assert len(await open_flags("unregistered")) == 1
    await Organization.filter(id=admitted.id).update(registration="registered", credit_code="51320211MJ5704981X")
    await service.refresh_all(date(2026, 9, 3))
    assert await open_flags("unregistered") == []


async def test_flags_page_shows_the_managers_parks(browser, manager, admitted, other_park):
    from incubator.flags.models import Flag as FlagModel

    await service.refresh_all(date(2026, 9, 15))
    await FlagModel.create(kind="term_ending", target_type="Organization", target_id=999, park=other_park,
                           details={"organization": "别的园区的组织"}, raised_at=admitted.created_at)
    await browser.login("manager")
    page = await browser.get("/flags")
    assert admitted.name_zh in page.text and "别的园区的组织" not in page.text
    home = await browser.get("/")
    assert admitted.name_zh in home.text
    filtered = await browser.get("/flags?kind=unregistered", headers={"HX-Request": "true"})
    assert "<html" not in filtered.text and "中期评估" not in filtered.text


async def test_a_resolved_flag_whose_cause_returns_is_reopened_not_raised_again(incubating):
    """The same row comes back (its history and inbox message are not repeated), with its due date."""
    follow_up = await FollowUp.create(organization_id=incubating.id, due_on=date(2027, 2, 14))
    await service.refresh_all(date(2027, 2, 10))
    (raised,) = await open_flags("follow_up_due")
    await FollowUp.filter(id=follow_up.id).update(done_on=date(2027, 2, 11), notes="已回访")
    assert (await service.refresh_all(date(2027, 2, 11)))["resolved"] == 1
    assert await open_flags("follow_up_due") == []
    messages = await Notification.filter(kind="flag").count()
    await FollowUp.filter(id=follow_up.id).update(done_on=None)  # the visit was recorded by mistake
    counts = await service.refresh_all(date(2027, 2, 12))
    assert counts["reopened"] == 1 and counts["raised"] == 0
    (reopened,) = await open_flags("follow_up_due")
    assert reopened.id == raised.id and reopened.due_on == date(2027, 2, 14) and reopened.raised_at > raised.raised_at
    assert await Flag.filter(kind="follow_up_due").count() == 1
    assert await Notification.filter(kind="flag").count() == messages


async def test_an_open_flag_follows_its_cause_when_the_details_change(incubating):
    """A renamed organization's open flags carry its new name; the row is updated in place."""
    await service.refresh_all(date(2027, 2, 10))
    (before,) = await open_flags("term_ending")
    assert before.details["organization"] == incubating.name_zh
    await Organization.filter(id=incubating.id).update(name_zh="太湖邻里互助会")
    counts = await service.refresh_all(date(2027, 2, 11))
    assert counts["updated"] >= 1 and counts["raised"] == counts["reopened"] == 0
    (after,) = await open_flags("term_ending")
    assert after.id == before.id and after.details["organization"] == "太湖邻里互助会"
    assert after.raised_at == before.raised_at  # still the flag raised on the 10th


async def test_reconciling_moves_an_open_flags_due_date_and_reopens_a_resolved_one(incubating):
    """The service's branches on their own: a changed due date alone updates the open flag."""
    def wanted(due_on: date) -> service.Wanted:
        return service.Wanted("follow_up_due", "FollowUp", 1, incubating.park_id, incubating.id, period="p",
                              due_on=due_on, details={"organization": incubating.name_zh})

    assert (await service.reconcile(("follow_up_due",), [wanted(date(2027, 3, 1))]))["raised"] == 1
    counts = await service.reconcile(("follow_up_due",), [wanted(date(2027, 3, 8))])
    assert counts["updated"] == 1 and [f.due_on for f in await open_flags("follow_up_due")] == [date(2027, 3, 8)]
    assert (await service.reconcile(("follow_up_due",), []))["resolved"] == 1
    counts = await service.reconcile(("follow_up_due",), [wanted(date(2027, 3, 15))])
    assert counts["reopened"] == 1 and [f.due_on for f in await open_flags("follow_up_due")] == [date(2027, 3, 15)]
    assert await Flag.filter(kind="follow_up_due").count() == 1


async def test_the_flags_list_reads_as_awaiting_action_and_in_the_readers_language(
        new_browser, manager, make_user, admitted, park):
    """An open flag's row said "开放" (public): its link now says where it goes, its state that it
    awaits action; an English reader sees the organization's English name."""
    from incubator.roles import Role as Roles

    await Organization.filter(id=admitted.id).update(name_en="Taihu Neighbours")
    await service.refresh_all(date(2026, 9, 15))
    assert all(f.details.get("organization_en") == "Taihu Neighbours" for f in await open_flags())
    chinese = new_browser()
    await chinese.login("manager")
    rows = (await chinese.get("/flags")).text.split('<ul class="flags">')[1].split("</ul>")[0]
    assert "开放" not in rows and ">Open<" not in rows and admitted.name_zh in rows
    await make_user("manager.en", Roles.MANAGER, parks=[park], language="en")
    english = new_browser()
    await english.login("manager.en")
    rows = (await english.get("/flags")).text.split('<ul class="flags">')[1].split("</ul>")[0]
    assert "Taihu Neighbours" in rows and admitted.name_zh not in rows
    assert "Awaiting action" in rows and "View the organization" in rows
