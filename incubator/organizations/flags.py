"""Flags the organizations capability raises: terms ending, registration overdue, follow-ups due."""

from __future__ import annotations

from datetime import date, timedelta

from incubator.flags.service import Wanted
from incubator.organizations.models import RESIDENT_STAGES, FollowUp, Organization, Registration
from incubator.organizations.service import registration_overdue

TERM_ENDING_DAYS = 30
FOLLOW_UP_NOTICE_DAYS = 7


async def organization_flags(today: date) -> list[Wanted]:
    wanted: list[Wanted] = []
    resident = await Organization.filter(stage__in=list(RESIDENT_STAGES)).select_related("park")
    for org in resident:
        if org.term_end_on and today <= org.term_end_on <= today + timedelta(days=TERM_ENDING_DAYS):
            wanted.append(Wanted("term_ending", "Organization", org.id, org.park_id, org.id,
                                 period=org.term_end_on.isoformat(), due_on=org.term_end_on,
                                 details={"organization": org.name_zh}))
    candidates = [o for o in resident if o.registration != Registration.REGISTERED and o.admitted_on]
    for org in await registration_overdue(candidates, today):
        wanted.append(Wanted("unregistered", "Organization", org.id, org.park_id, org.id,
                             details={"organization": org.name_zh, "months": org.park.registration_due_months}))
    follow_ups = await FollowUp.filter(done_on__isnull=True, due_on__lte=today + timedelta(
        days=FOLLOW_UP_NOTICE_DAYS)).select_related("organization")
    for item in follow_ups:
        org = item.organization
        wanted.append(Wanted("follow_up_due", "FollowUp", item.id, org.park_id, org.id,
                             period=item.due_on.isoformat(), due_on=item.due_on,
                             details={"organization": org.name_zh}))
    return wanted
