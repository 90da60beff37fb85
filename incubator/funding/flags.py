"""Flags the funding capability raises: a tranche is ready to pay, or is held."""

from __future__ import annotations

from datetime import date

from incubator.flags.service import Wanted, named
from incubator.funding.models import GrantStatus, Tranche, TrancheStatus


async def funding_flags(today: date) -> list[Wanted]:
    tranches = Tranche.filter(status__in=[TrancheStatus.READY, TrancheStatus.HELD], grant__status=GrantStatus.ACTIVE)
    return [
        Wanted("tranche_ready" if status == TrancheStatus.READY else "tranche_held", "Tranche", tranche_id, park_id,
               org_id, details={**named(org_name, org_name_en), "grant": purpose,
                                "amount": f"¥{amount_fen / 100:,.2f}"})
        for tranche_id, status, amount_fen, purpose, org_id, park_id, org_name, org_name_en
        in await tranches.values_list(
            "id", "status", "amount_fen", "grant__purpose", "grant__organization_id", "grant__organization__park_id",
            "grant__organization__name_zh", "grant__organization__name_en")
    ]
