"""The dashboard's facts: every installed capability's part of them (its manifest's
`capability.Figures`), summed by the database in a fixed number of grouped queries whatever the
number of parks, organizations, bookings or seats.

The facts are rows keyed by park, plain numbers only, so that the figures of any set of parks are
their rows' sum, and so that a closed month's snapshot (a JSON copy of the facts) is read back
exactly like today's. What each section counts is written beside the query that counts it: the
organizations' stages, flows, durations, overdue registrations and service domains
(organizations/dashboard.py), the funds and their money (funding/dashboard.py), training
(training/dashboard.py), rooms (booking/dashboard.py), reviews (reviews/dashboard.py).
"""

from __future__ import annotations

from incubator import capability
from incubator.figures import Facts, Scope


def sections() -> list[str]:
    """The sections of the facts, in the capabilities' order."""
    return [key for figures in capability.dashboard_figures() for key in figures.sections]


async def compute(scope: Scope) -> Facts:
    """Every section's facts for the scope (the queries each capability's part names)."""
    if not scope.park_ids:
        return {name: [] for name in sections()}
    facts: Facts = {}
    for figures in capability.dashboard_figures():
        facts.update(await figures.compute(scope))
    return facts


def narrowed(facts: Facts, park_ids: frozenset[int] | set[int]) -> Facts:
    """The facts of some of the parks only (a closed month's snapshot holds every park's): each row
    whose park is one of them or None (the district's). A section the snapshot lacks (a capability
    installed after the month closed) has no rows."""
    columns = {key: column for figures in capability.dashboard_figures() for key, column in figures.sections.items()}
    return {name: [row for row in facts.get(name, []) if row[column] is None or row[column] in park_ids]
            for name, column in columns.items()}
