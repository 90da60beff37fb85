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
from incubator.organizations.models import OrganizationKind, Registration, Stage, Support
from incubator.validation import FOUNDING, IN_SERVICE, PLAUSIBLE, Checker, DateRange

MOBILE = re.compile(r"^1[3-9]\d{9}$")
WEBSITE = re.compile(r"^https?://[^\s/$.?#].[^\s]*$", re.I)
MAX_CRITERIA = 12
# Command field → form input, where they differ. A scorecard row's `criteria[1].weight` is
# `weight_1` (web.form_errors knows rows); a score's input is named by its criterion (score_fields).
FIELDS = {"target": "stage", "criteria": "name_zh_0", "agreement": "start_on", "scores": "__all__",
          "agreement.start_on": "start_on", "agreement.term_months": "term_months",
          "agreement.space_id": "space_id", "agreement.supports": "supports"}


# ---- parsing helpers (also the importer's) -------------------------------------------------------


def clean_mobile(check: Checker, name: str = "mobile", required: bool = False) -> str:
    raw = re.sub(r"[\s\-()（）]", "", check.raw(name))
    raw = raw.removeprefix("+86").removeprefix("0086")
    if not raw:
        if required:
            check.fail(name, _("This field is required."))
        return ""
    if not MOBILE.match(raw):
        check.fail(name, _("Enter an 11-digit mainland mobile number starting with 1, for example 13812345678."))
    return raw


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


def profile_values(check: Checker, founded_not_after: date | None = None) -> dict[str, Any]:
    """The profile's columns as the form (or a spreadsheet row) gives them."""
    values: dict[str, Any] = {
        "name_zh": check.text("name_zh", 150, required=True),
        "name_en": check.text("name_en", 200),
        "kind": check.choice("kind", OrganizationKind),
        "description": check.text("description", 5000),
        "founded_on": clean_date(check, "founded_on", not_after=founded_not_after, within=FOUNDING),
        "legal_representative": check.text("legal_representative", 60),
        "contact_person": check.text("contact_person", 60),
        "mobile": clean_mobile(check),
        "email": check.email("email"),
        "website": check.text("website", 300),
        "staff_count": check.integer("staff_count", minimum=0, maximum=100_000) or 0,
        "volunteer_count": check.integer("volunteer_count", minimum=0, maximum=1_000_000) or 0,
    }
    if values["website"] and not WEBSITE.match(str(values["website"])):
        check.fail("website", _("Enter a web address starting with http:// or https://."))
    return values


def _supports(values: Iterable[object]) -> tuple[Support, ...]:
    """The ticked supports; values no form offers are ignored."""
    known = {s.value for s in Support}
    return tuple(Support(v) for v in sorted({str(v) for v in values} & known))


# ---- one function per form ---------------------------------------------------------------------


def profile(data: Mapping[str, str], domain_ids: Iterable[object] = ()) -> Profile:
    check = Checker(data)
    values = profile_values(check)
    ids = check.ids("domain_ids", domain_ids)
    check.done()
    return Profile(**values, domain_ids=tuple(ids))


def apply(data: Mapping[str, str], domain_ids: Iterable[object] = (), supports: Iterable[object] = ()) -> Apply:
    """The public application form: the profile, the contact (required), the plan and the supports asked for."""
    check = Checker(data)
    values = profile_values(check)
    values["mobile"] = clean_mobile(check, required=True)
    values["contact_person"] = check.text("contact_person", 60, required=True)
    code = clean_credit_code(check)
    plan = check.text("plan", 5000, required=True)
    ids = check.ids("domain_ids", domain_ids)
    confirm = check.flag("confirm_duplicate")
    check.done()
    return Apply(**values, domain_ids=tuple(ids), credit_code=code, plan=plan, supports=_supports(supports),
                 confirm_duplicate=confirm)


def update_registration(data: Mapping[str, str]) -> UpdateRegistration:
    check = Checker(data)
    status = check.choice("registration", Registration)
    name_preapproval = check.text("name_preapproval", 100)
    filing_number = check.text("filing_number", 60)
    filing_authority = check.text("filing_authority", 100)
    filed_on = check.date("filed_on")
    code = clean_credit_code(check)
    registration_authority = check.text("registration_authority", 100)
    registered_on = check.date("registered_on")
    check.done()
    assert status is not None
    return UpdateRegistration(registration=status, name_preapproval=name_preapproval, filing_number=filing_number,
                              filing_authority=filing_authority, filed_on=filed_on, credit_code=code,
                              registration_authority=registration_authority, registered_on=registered_on)


def change_stage(data: Mapping[str, str]) -> ChangeStage:
    check = Checker(data)
    target = check.choice("stage", Stage)
    reason = check.text("reason", 2000)
    new_end_on = check.date("new_end_on", within=IN_SERVICE)
    check.done()
    assert target is not None
    return ChangeStage(target=target, reason=reason, new_end_on=new_end_on)


def record_follow_up(data: Mapping[str, str]) -> RecordFollowUp:
    check = Checker(data)
    notes = check.text("notes", 5000, required=True)
    done_on = check.date("done_on", within=IN_SERVICE)
    check.done()
    return RecordFollowUp(notes=notes, done_on=done_on)


def create_domain(data: Mapping[str, str]) -> CreateDomain:
    check = Checker(data)
    name_zh = check.text("name_zh", 60, required=True)
    name_en = check.text("name_en", 80)
    check.done()
    return CreateDomain(name_zh=name_zh, name_en=name_en)


def save_criteria(data: Mapping[str, str]) -> SaveCriteria:
    """Rows name_zh_N / name_en_N / weight_N / max_score_N; a row whose name is empty is dropped."""
    check = Checker(data)
    rows = []
    for index in range(MAX_CRITERIA):
        name = check.text(f"name_zh_{index}", 60)
        if not name:
            continue
        name_en = check.text(f"name_en_{index}", 80)
        weight = check.integer(f"weight_{index}", minimum=1, maximum=100, required=True)
        max_score = check.integer(f"max_score_{index}", minimum=1, maximum=100, required=True)
        if weight is not None and max_score is not None:
            rows.append(CriterionTerms(name_zh=name, name_en=name_en, weight=weight, max_score=max_score))
    check.done()
    return SaveCriteria(criteria=tuple(rows))


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
    scores = []
    for criterion_id in criterion_ids:
        score = check.integer(f"score_{criterion_id}", minimum=0, required=True)
        if score is not None:
            scores.append(CriterionScore(criterion_id=criterion_id, score=score))
    decision = check.one_of("decision", ("admit", "reject"))
    reason = check.text("reason", 2000)
    agreement = None
    if decision == "admit":
        start_on = check.date("start_on", required=True, within=IN_SERVICE)
        term = check.integer("term_months", minimum=1, maximum=120, required=True)
        space_id = check.integer("space_id", minimum=1)
        if start_on is not None and term is not None:
            agreement = AgreementTerms(start_on=start_on, term_months=term, supports=_supports(supports),
                                       space_id=space_id)
    # Without a decision the draft says "admit" with no agreement: the service leaves out the
    # checks that depend on the decision while the form reports it missing.
    return DecideAdmission(scores=tuple(scores), decision=decision or "admit", reason=reason,  # type: ignore[arg-type]
                           agreement=agreement), check.errors


def score_fields(command: DecideAdmission) -> dict[str, str]:
    """The service's errors on scores (`scores[i].score`) as the admission form names its inputs."""
    return {**FIELDS, **{f"scores[{i}].score": f"score_{s.criterion_id}" for i, s in enumerate(command.scores)}}
