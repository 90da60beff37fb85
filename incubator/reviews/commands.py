"""What a user asks of milestone reviews, as typed, immutable commands.

The HTML forms (`forms.py`) and the JSON API build the same commands; the services take only
these. `msgspec.json.schema(SubmitScores)` gives the JSON Schema. A row of a form (a milestone
of the plan, a service indicator, the score of one dimension) is a small Struct in a tuple.
"""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from incubator.reviews.models import Anchor, Decision, Panel

Percent = Annotated[int, Meta(ge=0, le=100)]
Count = Annotated[int, Meta(ge=0, le=2**31 - 1)]


class Dimension(Struct, frozen=True, kw_only=True):
    """One dimension of a scorecard: its share of the weighted score and its maximum points."""

    name_zh: Annotated[str, Meta(min_length=1, max_length=60)]
    name_en: Annotated[str, Meta(max_length=80)] = ""
    weight: Annotated[int, Meta(ge=1, le=100)]
    maximum: Annotated[int, Meta(ge=1, le=100)]


class MilestoneTerms(Struct, frozen=True, kw_only=True):
    """One milestone of a park's review plan. `amount` is months after admission (at most 60)
    or a percent of the term, as `anchor` says."""

    code: Annotated[str, Meta(max_length=40)] = ""  # "" for a new milestone (the service names it)
    name_zh: Annotated[str, Meta(min_length=1, max_length=60)]
    name_en: Annotated[str, Meta(max_length=80)] = ""
    anchor: Anchor
    amount: Percent
    pass_threshold: Percent
    dimensions: tuple[Dimension, ...]


class SavePlan(Struct, frozen=True, kw_only=True):
    """The whole plan, in order: milestones left out are removed from it."""

    milestones: Annotated[tuple[MilestoneTerms, ...], Meta(max_length=8)]


class AssignEvaluator(Struct, frozen=True, kw_only=True):
    evaluator_id: Annotated[int, Meta(ge=1)]
    panel: Panel


class IndicatorTerms(Struct, frozen=True, kw_only=True):
    """A service indicator, e.g. 240 home visits: its target and what was achieved (if known)."""

    name: Annotated[str, Meta(min_length=1, max_length=80)]
    target: Count
    actual: Count | None = None


class SetIndicators(Struct, frozen=True, kw_only=True):
    """The review's indicators as a whole: those left out are removed."""

    indicators: Annotated[tuple[IndicatorTerms, ...], Meta(max_length=8)]


class Decide(Struct, frozen=True, kw_only=True):
    """The manager's decision. Deciding while assigned evaluators have not scored needs
    `confirm_unscored` and `unscored_reason`."""

    decision: Decision
    reason: Annotated[str, Meta(min_length=1, max_length=2000)]
    confirm_unscored: bool = False
    unscored_reason: Annotated[str, Meta(max_length=500)] = ""


class DeclareConflict(Struct, frozen=True, kw_only=True):
    """An evaluator says whether they have a conflict of interest (then what it is)."""

    conflict: bool
    conflict_note: Annotated[str, Meta(max_length=300)] = ""


class LiftConflict(Struct, frozen=True, kw_only=True):
    reason: Annotated[str, Meta(min_length=1, max_length=500)]


class DimensionScore(Struct, frozen=True, kw_only=True):
    """The points given on one dimension of the review's scorecard (its position, from 0)."""

    dimension: Annotated[int, Meta(ge=0)]
    score: Percent


class SubmitScores(Struct, frozen=True, kw_only=True):
    """One score for every dimension of the review, and a comment; final once submitted."""

    scores: tuple[DimensionScore, ...]
    comment: Annotated[str, Meta(max_length=5000)] = ""
