"""The incubation path: application, admission, stages and their guards."""

from datetime import date, timedelta

import pytest

from incubator.access import Principal
from incubator.audit.models import AuditEntry
from incubator.errors import DomainError, PermissionDenied, ValidationFailed
from incubator.organizations import admission, credit_code, forms, service
from incubator.organizations.commands import ChangeStage, RecordFollowUp
from incubator.organizations.models import (
    AdmissionReview,
    Agreement,
    Application,
    FollowUp,
    Organization,
    ServiceDomain,
    SpaceAllocation,
    Stage,
    StageChange,
)
from incubator.workdays import add_working_days
from tests.organizations.conftest import APPLICATION, admission_command

apply = forms.apply


def stage(target: str, data: dict | None = None) -> ChangeStage:
    """The stage form's command (the form parses the target: an unknown one is refused there)."""
    return forms.change_stage({**(data or {}), "stage": target})

CODE = credit_code.make("51320211MJ5704981")  # a valid civil-affairs code


async def test_application_creates_an_applied_organization_with_a_receipt(park):
    domain = await ServiceDomain.get(code="youth")
    submitted = await admission.submit_application(
        park, apply(APPLICATION, [str(domain.id)], ["registration", "bogus"]), address="10.0.0.5")
    organization = submitted.organization
    assert organization.stage == Stage.APPLIED and organization.park_id == park.id
    application = await Application.get(organization_id=organization.id)
    assert application.reference == submitted.reference and application.supports == ["registration"]
    assert await StageChange.filter(organization_id=organization.id, to_stage="applied").exists()


async def test_application_reports_every_wrong_field(park):
    with pytest.raises(ValidationFailed) as failed:
        await admission.submit_application(park, apply({**APPLICATION, "mobile": "12345", "name_zh": "", "plan": "",
                                                  "credit_code": "123"}), address="10.0.0.5")
    assert {"mobile", "name_zh", "plan", "credit_code"} <= set(failed.value.errors)
    assert not await Organization.exists()


async def test_application_is_throttled_per_address(park):
    for n in range(admission.APPLICATIONS_PER_HOUR):
        await admission.submit_application(park, apply({**APPLICATION, "name_zh": f"第{n}号组织"}), address="10.0.0.9")
    with pytest.raises(admission.TooManyApplications):
        await admission.submit_application(park, apply({**APPLICATION, "name_zh": "又一个组织"}), address="10.0.0.9")


async def test_a_similar_name_needs_confirmation(park, applicant):
    similar = {**APPLICATION, "name_zh": "湖滨青少年成长服务社（筹）"}
    with pytest.raises(admission.LikelyDuplicate) as warned:
        await admission.submit_application(park, apply(similar), address="10.0.0.6")
    assert warned.value.matches == [applicant.name_zh]
    confirmed = await admission.submit_application(park, apply({**similar, "confirm_duplicate": "on"}),
                                                   address="10.0.0.6")
    assert confirmed.organization.id != applicant.id


async def test_the_same_credit_code_is_refused_anywhere(park, other_park):
    await admission.submit_application(park, apply({**APPLICATION, "credit_code": CODE}), address="10.0.0.7")
    with pytest.raises(ValidationFailed) as failed:
        await admission.submit_application(other_park, apply({**APPLICATION, "name_zh": "别名", "credit_code": CODE}),
                                           address="10.0.0.7")
    assert park.name_zh in failed.value.errors["credit_code"]


async def test_scorecard_defaults_and_weighted_score(park):
    criteria = await admission.criteria_for(park)
    assert [c.weight for c in criteria] == [30, 25, 25, 20]
    assert await admission.criteria_for(park) == criteria  # created once
    scores = [{"weight": 30, "max": 10, "score": 10}, {"weight": 70, "max": 10, "score": 5}]
    assert str(admission.weighted_score(scores)) == "65.0"


async def test_admitting_signs_the_agreement_and_allocates_the_desk(admitted, desk):
    assert admitted.stage == Stage.ADMITTED
    agreement = await Agreement.get(organization_id=admitted.id)
    assert (agreement.start_on, agreement.end_on, agreement.term_months) == (date(2026, 3, 1), date(2027, 3, 1), 12)
    assert agreement.supports == ["office_space"]
    assert await SpaceAllocation.filter(space_id=desk.id, released_on__isnull=True).count() == 1
    review = await AdmissionReview.get(organization_id=admitted.id)
    assert str(review.weighted_score) == "80.0" and review.decision == "admit"
    assert admitted.term_end_on == date(2027, 3, 1)


async def test_an_occupied_desk_cannot_be_given_twice(admitted, park, manager_principal, desk):
    second = (await admission.submit_application(park, apply({**APPLICATION, "name_zh": "第二家"}),
                                                 address="10.0.0.8")).organization
    criteria = await admission.criteria_for(park)
    with pytest.raises(ValidationFailed) as failed:
        await admission.decide_admission(manager_principal, second,
                                         admission_command(criteria, space_id=str(desk.id)))
    assert "agreement.space_id" in failed.value.errors
    assert (await Organization.get(id=second.id)).stage == Stage.APPLIED
    assert not await Agreement.filter(organization_id=second.id).exists()


async def test_the_database_refuses_a_second_open_allocation(admitted, desk):
    from tortoise.exceptions import IntegrityError

    agreement = await Agreement.get(organization_id=admitted.id)
    with pytest.raises(IntegrityError):
        await SpaceAllocation.create(agreement_id=agreement.id, space_id=desk.id, allocated_on=date(2026, 3, 2))


async def test_rejection_keeps_the_record_and_the_reason(applicant, park, manager_principal):
    criteria = await admission.criteria_for(park)
    await admission.decide_admission(manager_principal, applicant,
                                     admission_command(criteria, decision="reject", reason="服务领域与园区定位不符"))
    organization = await Organization.get(id=applicant.id)
    assert organization.stage == Stage.REJECTED
    change = await StageChange.get(organization_id=applicant.id, to_stage="rejected")
    assert change.reason == "服务领域与园区定位不符"


async def test_only_managers_and_administrators_decide(applicant, park, member):
    criteria = await admission.criteria_for(park)
    with pytest.raises(PermissionDenied):
        await admission.decide_admission(Principal(member, organization_id=member.organization_id), applicant,
                                         admission_command(criteria))


async def test_incubating_needs_an_agreement(applicant, manager_principal):
    with pytest.raises(DomainError):
        await service.change_stage(manager_principal, applicant, stage("incubating"))
    await service.change_stage(manager_principal, applicant, stage("screening"))
    assert (await Organization.get(id=applicant.id)).stage == Stage.SCREENING


@pytest.mark.parametrize("target", ["graduated", "applied", "rejected", "admitted", "nonsense"])
async def test_stages_cannot_be_skipped(incubating, manager_principal, target):
    with pytest.raises(DomainError):
        await service.change_stage(manager_principal, incubating, stage(target))
    assert (await Organization.get(id=incubating.id)).stage == Stage.INCUBATING


async def test_a_stale_page_cannot_move_the_stage_twice(incubating, manager_principal):
    stale = await Organization.get(id=incubating.id)
    await service.change_stage(manager_principal, incubating, stage("midterm_review"))
    with pytest.raises(DomainError):
        await service.change_stage(manager_principal, stale, stage("midterm_review"))
    assert await StageChange.filter(organization_id=incubating.id, to_stage="midterm_review").count() == 1


async def test_extension_moves_the_end_date_and_needs_a_reason(incubating, manager_principal):
    with pytest.raises(ValidationFailed) as failed:
        await service.change_stage(manager_principal, incubating, stage("extended", {"new_end_on": "2027-01-01"}))
    assert {"reason", "new_end_on"} <= set(failed.value.errors)
    await service.change_stage(manager_principal, incubating,
                               stage("extended", {"new_end_on": "2027-09-01", "reason": "登记材料仍在审批"}))
    organization = await Organization.get(id=incubating.id)
    assert organization.stage == Stage.EXTENDED and organization.term_end_on == date(2027, 9, 1)
    assert (await Agreement.get(organization_id=incubating.id)).end_on == date(2027, 9, 1)


async def test_exit_releases_the_desk_and_sets_the_handback_deadline(incubating, manager_principal, desk):
    await service.change_stage(manager_principal, incubating, stage("exited", {"reason": "组织解散"}))
    organization = await Organization.get(id=incubating.id)
    assert organization.stage == Stage.EXITED
    assert organization.handback_deadline == add_working_days(organization.exited_on, 15)
    assert not await SpaceAllocation.filter(space_id=desk.id, released_on__isnull=True).exists()
    assert (await Agreement.get(organization_id=incubating.id)).ended_on == organization.exited_on


async def test_graduation_is_guarded_by_the_criteria(incubating, manager_principal):
    await service.change_stage(manager_principal, incubating, stage("graduation_review"))
    with pytest.raises(ValidationFailed) as failed:
        await service.change_stage(manager_principal, incubating, stage("graduated"))
    assert "已在民政部门登记" in failed.value.errors["__all__"]  # services speak the default language, Chinese
    assert (await Organization.get(id=incubating.id)).stage == Stage.GRADUATION_REVIEW


async def test_graduation_when_criteria_are_met_schedules_a_year_of_follow_ups(incubating, manager_principal,
                                                                              evaluator):
    from incubator.reviews.models import Review
    from tests.organizations.conftest import pass_review

    domain = await ServiceDomain.get(code="youth")
    await service.update_profile(manager_principal, incubating, forms.profile({
        **service_profile(incubating), "legal_representative": "周敏"}, [str(domain.id)]))
    await service.update_registration(manager_principal, incubating, forms.update_registration({
        "registration": "registered", "credit_code": CODE, "registration_authority": "滨湖区民政局",
        "registered_on": "2026-06-01"}))
    await service.change_stage(manager_principal, incubating, stage("graduation_review"))
    await pass_review(await Review.get(organization_id=incubating.id, code="graduation"), manager_principal, evaluator)
    await service.change_stage(manager_principal, incubating, stage("graduated"))
    organization = await Organization.get(id=incubating.id)
    assert organization.stage == Stage.GRADUATED and organization.graduated_on is not None
    due = await FollowUp.filter(organization_id=incubating.id).values_list("due_on", flat=True)
    assert len(due) == 4 and max(due) - organization.graduated_on > timedelta(days=360)
    assert not await SpaceAllocation.filter(released_on__isnull=True).exists()


def service_profile(organization: Organization) -> dict:
    return {"name_zh": organization.name_zh, "kind": organization.kind, "contact_person": "周敏",
            "mobile": "13812345678"}


async def test_every_transition_is_on_the_timeline_and_in_the_audit(incubating):
    stages = await StageChange.filter(organization_id=incubating.id).order_by("at", "id").values_list(
        "to_stage", flat=True)
    assert list(stages) == ["applied", "admitted", "incubating"]
    assert await AuditEntry.filter(object_type="Organization", object_id=str(incubating.id)).count() >= 3


async def test_members_cannot_move_stages(incubating, member):
    with pytest.raises(PermissionDenied):
        await service.change_stage(Principal(member, organization_id=member.organization_id), incubating,
                                   stage("midterm_review"))


async def test_a_new_application_reaches_the_parks_managers(park, manager, other_park, make_user):
    from incubator.notifications.models import Notification
    from incubator.roles import Role
    from tests.organizations.conftest import APPLICATION

    elsewhere = await make_user("manager.elsewhere", Role.MANAGER, parks=[other_park])
    submitted = await admission.submit_application(park, apply(APPLICATION), address="10.9.9.9")
    note = await Notification.get(user_id=manager.id, kind="application_received")
    assert note.link == f"/organizations/{submitted.organization.id}"
    assert note.details["organization"] == APPLICATION["name_zh"]
    assert not await Notification.filter(user_id=elsewhere.id).exists()


async def test_admission_offers_only_the_parks_agreement_terms(applicant, park, manager_principal, desk):
    criteria = await admission.criteria_for(park)
    with pytest.raises(ValidationFailed) as refused:
        await admission.decide_admission(manager_principal, applicant, admission_command(criteria, term_months="18"))
    assert set(refused.value.errors) == {"agreement.term_months"}
    await admission.decide_admission(manager_principal, applicant, admission_command(criteria, term_months="24"))
    assert (await Agreement.get(organization_id=applicant.id)).term_months == 24


async def test_admission_audits_the_agreement_it_signs(admitted, manager_principal, desk):
    from tests.helpers import assert_audited

    agreement = await Agreement.get(organization_id=admitted.id)
    await assert_audited(agreement, "create", actor=manager_principal,
                         changes={"start_on": "2026-03-01", "end_on": "2027-03-01", "supports": ["office_space"],
                                  "space": desk.name})


async def test_profile_changes_audit_the_service_domains(organization, member):
    from incubator.organizations.models import ServiceDomain
    from tests.helpers import assert_audited

    elderly, youth = await ServiceDomain.filter(code__in=["elderly", "youth"]).order_by("code")
    me = Principal(member, organization_id=organization.id)
    values = {"name_zh": organization.name_zh, "kind": "unregistered"}
    await service.update_profile(me, organization, forms.profile(values, [str(elderly.id)]))
    await service.update_profile(me, organization, forms.profile({**values, "email": "a@example.org"}, [str(youth.id)]))
    await assert_audited(organization, "update", actor=me, changes={"domains": [youth.name_zh]})
    await assert_audited(organization, "update", actor=me, changes={"email": "a@example.org"})


async def test_a_follow_up_keeps_who_recorded_it(organization, manager_principal):
    from tests.helpers import assert_audited

    follow_up = await FollowUp.create(organization=organization, due_on=date(2026, 6, 1))
    await service.record_follow_up(manager_principal, follow_up,
                                   RecordFollowUp(notes="项目持续运营", done_on=date(2026, 6, 2)))
    saved = await FollowUp.get(id=follow_up.id)
    assert saved.recorded_by_id == manager_principal.id and saved.done_on == date(2026, 6, 2)
    await assert_audited(follow_up, "update", actor=manager_principal, changes={"notes": "项目持续运营"})


def test_the_graduation_review_is_a_graduation_criterion_of_the_installed_app():
    """The checklist comes from the manifests of the installed capabilities, not from some module
    happening to have been imported first: a fresh process that only builds the app has it."""
    import subprocess
    import sys

    check = ("import incubator.app\nfrom incubator.organizations import graduation\n"
             "print(','.join(graduation.registered_criteria()))")
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    assert result.stdout.strip().split(",") == ["registered", "profile", "graduation_review", "training_hours"]


async def test_saving_a_profile_read_before_a_stage_change_keeps_the_new_stage(incubating, manager_principal):
    """A profile form writes only the profile's columns: a copy of the organization read before
    someone moved it on (two managers at once) does not write its old stage back."""
    stale = await Organization.get(id=incubating.id)
    await service.change_stage(manager_principal, incubating, stage("midterm_review"))
    await service.update_profile(manager_principal, stale, forms.profile({
        **service_profile(stale), "legal_representative": "周敏"}, []))
    saved = await Organization.get(id=incubating.id)
    assert saved.stage == Stage.MIDTERM_REVIEW and saved.legal_representative == "周敏"
