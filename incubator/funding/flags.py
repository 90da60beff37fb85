"""Flags the funding capability raises: a tranche is ready to pay, or is held."""

from __future__ import annotations

from datetime import date

from incubator.flags.service import Wanted
from incubator.funding.models import GrantStatus, Tranche, TrancheStatus


async def funding_flags(today: date) -> list[Wanted]:
    tranches = await Tranche.filter(status__in=[TrancheStatus.READY, TrancheStatus.HELD],
                                    grant__status=GrantStatus.ACTIVE).select_related("grant__organization")
    wanted = []
    for tranche in tranches:
        organization = tranche.grant.organization
        kind = "tranche_ready" if tranche.status == TrancheStatus.READY else "tranche_held"
        wanted.append(Wanted(kind, "Tranche", tranche.id, organization.park_id, organization.id,
                             details={"organization": organization.name_zh, "grant": tranche.grant.purpose,
                                      "amount": f"¥{tranche.amount_fen / 100:,.2f}"}))
    return wanted
