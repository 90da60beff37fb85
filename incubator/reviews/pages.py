"""What each review page shows: its template's inputs, typed, in one place.

Routes build these and hand them to `web.render`; a template reads exactly these fields (plus
the base context every page has: request, principal, user, csrf_token, locale, nav, today,
flashes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from incubator.auth.models import User
from incubator.organizations.models import Document
from incubator.parks.models import Park
from incubator.reviews.models import Indicator, Review, ReviewAssignment
from incubator.reviews.scoring import ReviewResult
from incubator.web import Page


@dataclass
class ReviewListPage:  # reviews/list.html
    reviews: list[Review]
    page: Page  # the pager
    show: str  # "open" or "all"
    mine: dict[int, ReviewAssignment]  # an evaluator's assignments, by review id (empty for others)
    overdue: frozenset[int]  # ids of the reviews still open after their due date (service.is_overdue)
    params: dict[str, str]  # the filters given (show, park, domain, months), kept by the pager
    export_query: str  # the same, as a query string for the .xlsx and .csv links


@dataclass
class ReviewPage:  # reviews/detail.html
    review: Review  # with organization and park fetched
    actions: frozenset[str]  # scoring.review_actions
    assignments: list[ReviewAssignment]  # the evaluators on the review the principal may see
    mine: ReviewAssignment | None  # the principal's own assignment
    assignment_actions: dict[int, frozenset[str]]  # assignment id → scoring.assignment_actions
    result: ReviewResult | None  # only with "view_result" in actions
    indicators: list[Indicator]
    indicator_rows: range  # rows of the indicator form
    documents: list[Document]  # the evidence attached to the review
    facts: list[tuple[datetime, str]]  # what other records report (a no-show): when, translated text
    evaluators: list[User]  # whom a manager may assign (with "assign" in actions)
    panels: list[tuple[str, str]]  # (code, label)
    decisions: list[tuple[str, str]]  # (code, label)
    unscored: list[ReviewAssignment]  # who has not scored yet (with "decide" in actions)
    errors: dict[str, str] = field(default_factory=dict)
    values: dict = field(default_factory=dict)


@dataclass
class PlanPage:  # reviews/plan.html
    park: Park
    values: dict
    errors: dict[str, str]
    rows: range  # milestone rows of the form
    anchors: list[tuple[str, str]]  # (code, label)
