"""The review forms: submitted text into typed commands (`commands.py`).

Each parser reports every wrongly typed field at once, keyed by the form's input names, and
returns a command only when all of them parse. The rules that need the database or the review
(is the evaluator free, has everyone scored, is a score within its dimension's maximum) are the
services'; the routes show their errors on the same form through `FIELDS`.
"""

from __future__ import annotations

from collections.abc import Mapping

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
from incubator.reviews.models import Anchor, Decision, Panel
from incubator.validation import Checker

MAX_MILESTONES = 8
MAX_INDICATORS = 8
# Command field → form input, where they differ (a row's `milestones[1].amount` is `amount_1`).
FIELDS = {"milestones": "name_zh_0", "indicators": "name_0", "scores": "score_0"}
LIFT_FIELDS = {"reason": "lift_reason"}


def parse_dimensions(check: Checker, name: str) -> tuple[Dimension, ...]:
    """One dimension per line: "基础条件 | Basic conditions | weight | maximum"."""
    dimensions = []
    for number, line in enumerate(check.raw(name).splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        if len(parts) != 4 or not parts[0] or not parts[2].isdigit() or not parts[3].isdigit():
            check.fail(name, _("Line %(n)s: write “Chinese name | English name | weight | maximum score”.", n=number))
            continue
        weight, maximum = int(parts[2]), int(parts[3])
        if not (1 <= weight <= 100 and 1 <= maximum <= 100):
            check.fail(name, _("Line %(n)s: weight and maximum are between 1 and 100.", n=number))
            continue
        dimensions.append(Dimension(name_zh=parts[0][:60], name_en=parts[1][:80], weight=weight, maximum=maximum))
    return tuple(dimensions)


def dimensions_text(dimensions: list[dict]) -> str:
    """A stored scorecard in the form's text format (the inverse of `parse_dimensions`)."""
    return "\n".join(f"{d['name_zh']} | {d.get('name_en', '')} | {d['weight']} | {d['max']}" for d in dimensions)


def save_plan(data: Mapping[str, str]) -> SavePlan:
    """Rows code_N / name_zh_N / name_en_N / anchor_N / amount_N / threshold_N / dimensions_N;
    a row without a name is no milestone (it is removed from the plan)."""
    check = Checker(data)
    milestones = []
    for index in range(MAX_MILESTONES):
        name = check.text(f"name_zh_{index}", 60)
        if not name:
            continue
        code = check.raw(f"code_{index}")[:40]
        name_en = check.text(f"name_en_{index}", 80)
        anchor = check.choice(f"anchor_{index}", Anchor)
        amount = check.integer(f"amount_{index}", minimum=0, required=True)  # its limit hangs on the anchor
        threshold = check.integer(f"threshold_{index}", minimum=0, maximum=100, required=True)
        dimensions = parse_dimensions(check, f"dimensions_{index}")
        if anchor is not None and amount is not None and threshold is not None:
            milestones.append(MilestoneTerms(code=code, name_zh=name, name_en=name_en, anchor=anchor, amount=amount,
                                             pass_threshold=threshold, dimensions=dimensions))
    check.done()
    return SavePlan(milestones=tuple(milestones))


def assign(data: Mapping[str, str]) -> AssignEvaluator:
    check = Checker(data)
    evaluator_id = check.integer("evaluator_id", minimum=1, required=True)
    panel = check.choice("panel", Panel)
    check.done()
    assert evaluator_id is not None and panel is not None
    return AssignEvaluator(evaluator_id=evaluator_id, panel=panel)


def set_indicators(data: Mapping[str, str]) -> SetIndicators:
    """Rows name_N / target_N / actual_N; a row without a name is dropped."""
    check = Checker(data)
    rows = []
    for index in range(MAX_INDICATORS):
        name = check.text(f"name_{index}", 80)
        if not name:
            continue
        target = check.integer(f"target_{index}", minimum=0, required=True)
        actual = check.integer(f"actual_{index}", minimum=0)
        if target is not None:
            rows.append(IndicatorTerms(name=name, target=target, actual=actual))
    check.done()
    return SetIndicators(indicators=tuple(rows))


def decide(data: Mapping[str, str]) -> Decide:
    check = Checker(data)
    decision = check.choice("decision", Decision)
    reason = check.text("reason", 2000, required=True)
    confirm_unscored = check.flag("confirm_unscored")
    unscored_reason = check.text("unscored_reason", 500)
    check.done()
    assert decision is not None
    return Decide(decision=decision, reason=reason, confirm_unscored=confirm_unscored,
                  unscored_reason=unscored_reason)


def declare_conflict(data: Mapping[str, str]) -> DeclareConflict:
    check = Checker(data)
    answer = check.one_of("conflict", ("yes", "no"))
    note = check.text("conflict_note", 300)
    check.done()
    return DeclareConflict(conflict=answer == "yes", conflict_note=note)


def lift_conflict(data: Mapping[str, str]) -> LiftConflict:
    check = Checker(data)
    reason = check.text("lift_reason", 500, required=True)
    check.done()
    return LiftConflict(reason=reason)


def submit_scores(data: Mapping[str, str], dimensions: int) -> SubmitScores:
    """Inputs score_0 … score_{dimensions-1}, one per dimension of the review's scorecard, and
    comment. Whether a score is within its dimension's maximum is the service's to say."""
    check = Checker(data)
    scores = []
    for index in range(dimensions):
        score = check.integer(f"score_{index}", minimum=0, required=True)
        if score is not None:
            scores.append(DimensionScore(dimension=index, score=score))
    comment = check.text("comment", 5000)
    check.done()
    return SubmitScores(scores=tuple(scores), comment=comment)
