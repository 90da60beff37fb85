"""What the calendar page shows: its template's inputs, typed, in one place (plus the base
context every page has: request, principal, user, csrf_token, locale, nav, today, flashes)."""

from __future__ import annotations

from dataclasses import dataclass

from incubator.calendar.models import WorkdayOverride


@dataclass
class CalendarPage:  # calendar/overrides.html
    overrides: list[WorkdayOverride]  # newest day first
    may_correct: bool  # service.may_correct: the form to correct a day, and a button to remove a correction
    values: dict[str, str]
    errors: dict[str, str]
