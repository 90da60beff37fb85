"""The organization forms turn submitted text into typed commands, reporting every wrong input at once."""

from datetime import date

import msgspec
import pytest

from incubator.errors import ValidationFailed
from incubator.organizations import credit_code, forms
from incubator.organizations.commands import (
    AgreementTerms,
    Apply,
    ChangeStage,
    CreateDomain,
    CriterionScore,
    CriterionTerms,
    DecideAdmission,
    RecordFollowUp,
    SaveCriteria,
    UpdateRegistration,
)
from incubator.organizations.models import OrganizationKind, Registration, Stage, Support
from incubator.web import form_errors
from tests.organizations.conftest import APPLICATION

CODE = credit_code.make("51320211MJ5704981")


def errors_of(parse, *args) -> set[str]:
    with pytest.raises(ValidationFailed) as failed:
        parse(*args)
    return set(failed.value.errors)


def test_profile_normalises_what_people_type():
    command = forms.profile({"name_zh": " 湖滨服务社 ", "kind": "social_association", "mobile": "+86 138-1234-5678",
                             "staff_count": "1,200", "founded_on": "2020/05/01"}, ["3", "1", "3"])
    assert command.name_zh == "湖滨服务社" and command.kind == OrganizationKind.SOCIAL_ASSOCIATION
    assert (command.mobile, command.staff_count, command.founded_on) == ("13812345678", 1200, date(2020, 5, 1))
    assert command.domain_ids == (1, 3)


def test_profile_reports_every_wrong_input():
    assert errors_of(forms.profile, {"name_zh": "", "kind": "club", "mobile": "1234", "email": "x@", "website": "ftp:x",
                                     "staff_count": "-1", "founded_on": "yesterday"}, ["a"]) == {
        "name_zh", "kind", "mobile", "email", "website", "staff_count", "founded_on", "domain_ids"}


def test_application_requires_the_contact_and_keeps_only_known_supports():
    command = forms.apply({**APPLICATION, "credit_code": CODE.lower(), "confirm_duplicate": "on"}, [],
                          ["registration", "bogus", "office_space"])
    assert isinstance(command, Apply) and command.credit_code == CODE and command.confirm_duplicate
    assert command.supports == (Support.OFFICE_SPACE, Support.REGISTRATION)
    assert errors_of(forms.apply, {**APPLICATION, "contact_person": "", "mobile": "", "plan": "",
                                   "credit_code": "123"}) == {"contact_person", "mobile", "plan", "credit_code"}


def test_an_application_command_decodes_from_json_with_the_same_limits():
    body = msgspec.json.encode({"name_zh": "湖滨服务社", "contact_person": "周敏", "mobile": "13812345678",
                                "plan": "课后辅导", "supports": ["registration"]})
    assert msgspec.json.decode(body, type=Apply).supports == (Support.REGISTRATION,)
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(msgspec.json.encode({"name_zh": "x", "contact_person": "周", "mobile": "123",
                                                 "plan": "p"}), type=Apply)


def test_registration_parses_types_and_leaves_the_track_rules_to_the_service():
    command = forms.update_registration({"registration": "registered", "credit_code": CODE,
                                         "registered_on": "2026-05-01"})
    assert command == UpdateRegistration(registration=Registration.REGISTERED, credit_code=CODE,
                                         registered_on=date(2026, 5, 1))
    assert errors_of(forms.update_registration, {"registration": "maybe", "filed_on": "x",
                                                 "credit_code": CODE[:-1] + "0"}) == {
        "registration", "filed_on", "credit_code"}


def test_stage_change_names_the_target_stage():
    assert forms.change_stage({"stage": "extended", "reason": " 延期 ", "new_end_on": "2027-09-01"}) == ChangeStage(
        target=Stage.EXTENDED, reason="延期", new_end_on=date(2027, 9, 1))
    assert errors_of(forms.change_stage, {"stage": "nonsense", "new_end_on": "soon"}) == {"stage", "new_end_on"}


def test_follow_up_and_domain_forms():
    assert forms.record_follow_up({"notes": "运营良好"}) == RecordFollowUp(notes="运营良好")
    assert errors_of(forms.record_follow_up, {"notes": "", "done_on": "x"}) == {"notes", "done_on"}
    assert forms.create_domain({"name_zh": "社区治理", "name_en": "Governance"}) == CreateDomain(
        name_zh="社区治理", name_en="Governance")
    assert errors_of(forms.create_domain, {"name_zh": "", "name_en": "x" * 81}) == {"name_zh", "name_en"}


def test_scorecard_rows_become_criteria_and_empty_rows_are_dropped():
    command = forms.save_criteria({"name_zh_0": "服务成效", "weight_0": "60", "max_score_0": "10",
                                   "name_zh_2": "财务规范", "name_en_2": "Finance", "weight_2": "40",
                                   "max_score_2": "5"})
    assert command == SaveCriteria(criteria=(
        CriterionTerms(name_zh="服务成效", weight=60, max_score=10),
        CriterionTerms(name_zh="财务规范", name_en="Finance", weight=40, max_score=5)))
    assert errors_of(forms.save_criteria, {"name_zh_1": "x", "weight_1": "0", "max_score_1": ""}) == {
        "weight_1", "max_score_1"}
    assert forms.save_criteria({}).criteria == ()  # the service says a scorecard keeps one criterion
    assert form_errors(ValidationFailed({"criteria": "!", "criteria[1].weight": "!"}), forms.FIELDS) == {
        "name_zh_0": "!", "weight_1": "!"}


def test_admission_scores_are_rows_by_criterion():
    data = {"score_7": "8", "score_9": "6", "decision": "admit", "reason": "符合定位", "start_on": "2026-03-01",
            "term_months": "12", "space_id": "4"}
    command = forms.decide_admission(data, [7, 9], ["office_space", "bogus"])
    assert command == DecideAdmission(
        scores=(CriterionScore(criterion_id=7, score=8), CriterionScore(criterion_id=9, score=6)),
        decision="admit", reason="符合定位",
        agreement=AgreementTerms(start_on=date(2026, 3, 1), term_months=12, supports=(Support.OFFICE_SPACE,),
                                 space_id=4))
    rejected = forms.decide_admission({**data, "decision": "reject", "start_on": ""}, [7, 9])
    assert rejected.decision == "reject" and rejected.agreement is None
    # A reason is the service's to require, and only to refuse.
    assert errors_of(forms.decide_admission, {"score_7": "x", "decision": "admit", "reason": "",
                                              "term_months": ""}, [7, 9]) == {
        "score_7", "score_9", "start_on", "term_months"}
    # The service's errors on a row show beside that criterion's input.
    shown = form_errors(ValidationFailed({"scores[1].score": "!", "agreement.space_id": "?"}),
                        forms.score_fields(command))
    assert shown == {"score_9": "!", "space_id": "?"}
