"""Flags the organizations capability raises: terms ending, registration overdue, follow-ups due.
Each reads only the columns its flags carry, with the date windows in SQL: the flag job runs over
every incubation of a city."""

from __future__ import annotations

from datetime import date, timedelta

from incubator.flags.service import Wanted, named
from incubator.organizations.models import RESIDENT_STAGES, FollowUp, Organization
from incubator.organizations.service import registration_overdue

TERM_ENDING_DAYS = 30
FOLLOW_UP_NOTICE_DAYS = 7


async def organization_flags(today: date) -> list[Wanted]:
    resident = Organization.filter(stage__in=list(RESIDENT_STAGES))
    wanted = [
        Wanted("term_ending", "Organization", org_id, park_id, org_id, period=end.isoformat(), due_on=end,
               details=named(name, name_en))
        for org_id, park_id, name, name_en, end in await resident.filter(
            term_end_on__gte=today, term_end_on__lte=today + timedelta(days=TERM_ENDING_DAYS),
        ).values_list("id", "park_id", "name_zh", "name_en", "term_end_on")
    ]
    overdue = await registration_overdue(Organization.all(), today)
    for org_id, park_id, name, name_en, months in await overdue.values_list(
            "id", "park_id", "name_zh", "name_en", "park__registration_due_months"):
        wanted.append(Wanted("unregistered", "Organization", org_id, park_id, org_id,
                             details={**named(name, name_en), "months": months}))
    follow_ups = FollowUp.filter(done_on__isnull=True, due_on__lte=today + timedelta(days=FOLLOW_UP_NOTICE_DAYS))
    for item_id, due_on, org_id, park_id, name, name_en in await follow_ups.values_list(
            "id", "due_on", "organization_id", "organization__park_id", "organization__name_zh",
            "organization__name_en"):
        wanted.append(Wanted("follow_up_due", "FollowUp", item_id, park_id, org_id, period=due_on.isoformat(),
                             due_on=due_on, details=named(name, name_en)))
    return wanted
