"""The organization forms: submitted text into typed commands (`commands.py`).

Each parser reports every wrongly typed field at once, keyed by the form's input names, and
returns a command only when all of them parse. What needs the database or today's date (is the
name free in the park, is the desk free, is a date in the future) is the services'; the routes
show their errors on the same form through `FIELDS` (and `score_fields` for the scorecard).

The spreadsheet importer checks its rows with the same helpers (`profile_values`, `clean_date`…):
a cell is text, as a form's input is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from incubator.errors import ValidationFailed
from incubator.i18n import gettext as _
from incubator.organizations import credit_code
from incubator.organizations.commands import (
    PROFILE_COLUMNS,
    AgreementTerms,
    Apply,
    ChangeStage,
    CreateDomain,
    CriterionScore,
    CriterionTerms,
    DecideAdmission,
    Profile,
    RecordFollowUp,
    SaveCriteria,
    UpdateRegistration,
)
from incubator.organizations.models import Support
from incubator.validation import PLAUSIBLE, Checker, DateRange, decode, max_length

MAX_CRITERIA = max_length(SaveCriteria, "criteria")
# Command field → form input, where they differ. A scorecard row's `criteria[1].weight` is
# `weight_1` (web.form_errors knows rows); a score's input is named by its criterion (score_fields).
FIELDS = {"target": "stage", "criteria": "name_zh_0", "agreement": "start_on", "scores": "__all__",
          "agreement.start_on": "start_on", "agreement.term_months": "term_months",
          "agreement.space_id": "space_id", "agreement.supports": "supports"}


# ---- parsing helpers (also the importer's) -------------------------------------------------------


def clean_mobile(check: Checker, name: str = "mobile") -> str | None:
    """A mobile number as people write it (+86 138-1234-5678) as its digits; the command's
    pattern says whether it is one."""
    return re.sub(r"[\s\-()（）]", "", check.raw(name)).removeprefix("+86").removeprefix("0086") or None


def clean_date(check: Checker, name: str, required: bool = False, not_after: date | None = None,
               within: DateRange = PLAUSIBLE) -> date | None:
    value = check.date(name, required=required, within=within)
    if value is not None and not_after is not None and value > not_after:
        check.fail(name, _("This date is in the future."))
        return None
    return value


def clean_credit_code(check: Checker, name: str = "credit_code", required: bool = False) -> str | None:
    raw = check.raw(name)
    if not raw:
        if required:
            check.fail(name, _("Enter the 18-character unified social credit code."))
        return None
    try:
        return credit_code.parse(raw).code
    except credit_code.CreditCodeError as exc:
        check.fail(name, exc.message)
        return None


PARSERS = {"mobile": clean_mobile, "credit_code": clean_credit_code}


def profile_values(check: Checker, founded_not_after: date | None = None) -> dict[str, Any]:
    """The profile's columns as the form (or a spreadsheet row) gives them: every column, a
    wrong or empty one as a new profile has it."""
    values = check.read(Profile, *PROFILE_COLUMNS, parsers=PARSERS)
    if founded_not_after is not None and values.get("founded_on", founded_not_after) > founded_not_after:
        check.fail("founded_on", _("This date is in the future."))
        del values["founded_on"]
    return Profile(name_zh="").values() | values


def _supports(values: Iterable[object]) -> tuple[Support, ...]:
    """The ticked supports; values no form offers are ignored."""
    known = {s.value for s in Support}
    return tuple(Support(v) for v in sorted({str(v) for v in values} & known))


# ---- one function per form ---------------------------------------------------------------------


def profile(data: Mapping[str, str], domain_ids: Iterable[object] = ()) -> Profile:
    return decode(Profile, data, lists={"domain_ids": domain_ids}, parsers=PARSERS)


def apply(data: Mapping[str, str], domain_ids: Iterable[object] = (), supports: Iterable[object] = ()) -> Apply:
    """The public application form: the profile, the contact (required), the plan and the supports asked for."""
    return decode(Apply, data, lists={"domain_ids": domain_ids}, parsers=PARSERS, supports=_supports(supports))


def update_registration(data: Mapping[str, str]) -> UpdateRegistration:
    return decode(UpdateRegistration, data, parsers=PARSERS)


def change_stage(data: Mapping[str, str]) -> ChangeStage:
    return decode(ChangeStage, data, names=FIELDS)


def record_follow_up(data: Mapping[str, str]) -> RecordFollowUp:
    return decode(RecordFollowUp, data)


def create_domain(data: Mapping[str, str]) -> CreateDomain:
    return decode(CreateDomain, data)


def save_criteria(data: Mapping[str, str]) -> SaveCriteria:
    """Rows name_zh_N / name_en_N / weight_N / max_score_N; a row whose name is empty is dropped."""
    check = Checker(data)
    rows = [check.read(CriterionTerms, suffix=f"_{index}") for index in range(MAX_CRITERIA)
            if check.raw(f"name_zh_{index}")]
    return check.build(SaveCriteria, {"criteria": rows})


def criteria_values(criteria: Sequence[object]) -> dict[str, str]:
    """The scorecard form filled with the park's criteria (AdmissionCriterion rows)."""
    values: dict[str, str] = {}
    for index, c in enumerate(criteria):
        values |= {f"name_zh_{index}": c.name_zh, f"name_en_{index}": c.name_en,  # type: ignore[attr-defined]
                   f"weight_{index}": str(c.weight), f"max_score_{index}": str(c.max_score)}  # type: ignore[attr-defined]
    return values


def decide_admission(data: Mapping[str, str], criterion_ids: Sequence[int],
                     supports: Iterable[object] = ()) -> DecideAdmission:
    """The admission form: a score_<criterion id> input per criterion of the park, the decision,
    its reason (the service requires one to refuse) and, when admitting, the agreement's start,
    term, supports and desk."""
    command, errors = admission_draft(data, criterion_ids, supports)
    if errors:
        raise ValidationFailed(errors)
    return command


def admission_draft(data: Mapping[str, str], criterion_ids: Sequence[int],
                    supports: Iterable[object] = ()) -> tuple[DecideAdmission, dict[str, str]]:
    """The admission form as far as it reads, and its errors (by input): the service checks the
    rest of this command and reports its errors with these, every wrong field at once."""
    check = Checker(data)
    scores = [CriterionScore(criterion_id=criterion_id, **row) for criterion_id in criterion_ids
              if (row := check.read(CriterionScore, "score", suffix=f"_{criterion_id}"))]
    values = check.read(DecideAdmission, "decision", "reason")
    agreement = None
    if values.get("decision") == "admit":
        terms = check.read(AgreementTerms, "start_on", "term_months", "space_id")
        if "start_on" in terms and "term_months" in terms:
            agreement = AgreementTerms(**terms, supports=_supports(supports))
    # Without a decision the draft says "admit" with no agreement: the service leaves out the
    # checks that depend on the decision while the form reports it missing.
    return DecideAdmission(scores=tuple(scores), decision=values.get("decision", "admit"),
                           reason=values.get("reason", ""), agreement=agreement), check.errors


def score_fields(command: DecideAdmission) -> dict[str, str]:
    """The service's errors on scores (`scores[i].score`) as the admission form names its inputs."""
    return {**FIELDS, **{f"scores[{i}].score": f"score_{s.criterion_id}" for i, s in enumerate(command.scores)}}
