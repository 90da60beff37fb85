"""The review forms: submitted text into typed commands (`commands.py`).

Each parser reports every wrongly typed field at once, keyed by the form's input names, and
returns a command only when all of them parse. The rules that need the database or the review
(is the evaluator free, has everyone scored, is a score within its dimension's maximum) are the
services'; the routes show their errors on the same form through `FIELDS`.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from incubator.i18n import gettext as _
from incubator.reviews.commands import (
    AssignEvaluator,
    Decide,
    DeclareConflict,
    Dimension,
    DimensionScore,
    IndicatorTerms,
    LiftConflict,
    MilestoneTerms,
    SavePlan,
    SetIndicators,
    SubmitScores,
)
from incubator.validation import Checker, decode, max_length

MAX_MILESTONES = max_length(SavePlan, "milestones")
MAX_INDICATORS = max_length(SetIndicators, "indicators")
# Command field → form input, where they differ (a row's `milestones[1].amount` is `amount_1`).
FIELDS = {"milestones": "name_zh_0", "indicators": "name_0", "scores": "score_0"}
LIFT_FIELDS = {"reason": "lift_reason"}
_ROW_FIELDS = {"pass_threshold": "threshold"}


def parse_dimensions(check: Checker, name: str) -> tuple[Dimension, ...]:
    """One dimension per line: "基础条件 | Basic conditions | weight | maximum" (names longer than
    a dimension's are cut)."""
    dimensions = []
    for number, line in enumerate(check.raw(name).splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        if len(parts) != 4 or not parts[0] or not parts[2].isdecimal() or not parts[3].isdecimal():
            check.fail(name, _("Line %(n)s: write “Chinese name | English name | weight | maximum score”.", n=number))
            continue
        try:
            dimensions.append(msgspec.convert({
                "name_zh": parts[0][:max_length(Dimension, "name_zh")], "weight": int(parts[2]),
                "name_en": parts[1][:max_length(Dimension, "name_en")], "maximum": int(parts[3])}, Dimension))
        except msgspec.ValidationError:
            check.fail(name, _("Line %(n)s: weight and maximum are between 1 and 100.", n=number))
    return tuple(dimensions)


def dimensions_text(dimensions: list[dict]) -> str:
    """A stored scorecard in the form's text format (the inverse of `parse_dimensions`)."""
    return "\n".join(f"{d['name_zh']} | {d.get('name_en', '')} | {d['weight']} | {d['max']}" for d in dimensions)


def save_plan(data: Mapping[str, str]) -> SavePlan:
    """Rows code_N / name_zh_N / name_en_N / anchor_N / amount_N / threshold_N / dimensions_N;
    a row without a name is no milestone (it is removed from the plan). Whether an amount fits
    its anchor is the service's to say."""
    check = Checker(data)
    milestones = [check.read(MilestoneTerms, skip=("dimensions",), names=_ROW_FIELDS, suffix=f"_{index}")
                  | {"dimensions": parse_dimensions(check, f"dimensions_{index}")}
                  for index in range(MAX_MILESTONES) if check.raw(f"name_zh_{index}")]
    return check.build(SavePlan, {"milestones": milestones})


def assign(data: Mapping[str, str]) -> AssignEvaluator:
    return decode(AssignEvaluator, data)


def set_indicators(data: Mapping[str, str]) -> SetIndicators:
    """Rows name_N / target_N / actual_N; a row without a name is dropped."""
    check = Checker(data)
    rows = [check.read(IndicatorTerms, suffix=f"_{index}") for index in range(MAX_INDICATORS)
            if check.raw(f"name_{index}")]
    return check.build(SetIndicators, {"indicators": rows})


def decide(data: Mapping[str, str]) -> Decide:
    return decode(Decide, data)


def declare_conflict(data: Mapping[str, str]) -> DeclareConflict:
    return decode(DeclareConflict, data, choices={"conflict": {"yes": True, "no": False}})


def lift_conflict(data: Mapping[str, str]) -> LiftConflict:
    return decode(LiftConflict, data, names=LIFT_FIELDS)


def submit_scores(data: Mapping[str, str], dimensions: int) -> SubmitScores:
    """Inputs score_0 … score_{dimensions-1}, one per dimension of the review's scorecard, and
    comment. Whether a score is within its dimension's maximum is the service's to say."""
    check = Checker(data)
    scores = [row | {"dimension": index} for index in range(dimensions)
              if (row := check.read(DimensionScore, "score", suffix=f"_{index}"))]
    return check.build(SubmitScores, check.read(SubmitScores, "comment") | {"scores": scores})
