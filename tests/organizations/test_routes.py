"""Organization pages, the public application form, documents and import through HTTP."""

import io
import re
from datetime import date, timedelta

from openpyxl import Workbook, load_workbook

from incubator.organizations import admission, credit_code, importer
from incubator.organizations.models import Document, FollowUp, Organization, Stage
from tests.organizations.conftest import APPLICATION

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def test_anyone_can_apply_without_an_account_and_gets_a_receipt(browser, park):
    form = await browser.get(f"/parks/{park.id}/apply")
    assert form.status_code == 200 and "plan" in form.text
    response = await browser.post(f"/parks/{park.id}/apply", {**APPLICATION, "supports": "registration"})
    assert response.status_code == 303 and response.headers["location"].startswith("/applications/")
    receipt = await browser.get(response.headers["location"])
    assert receipt.status_code == 200 and APPLICATION["name_zh"] in receipt.text
    assert (await browser.get("/applications/not-a-real-reference")).status_code == 404


async def test_application_errors_keep_what_was_typed(browser, park):
    from incubator.organizations.models import ServiceDomain

    youth = await ServiceDomain.get(code="youth")
    response = await browser.post(f"/parks/{park.id}/apply", {**APPLICATION, "mobile": "123",
                                                              "domain_ids": str(youth.id), "supports": "publicity"})
    assert response.status_code == 400
    assert 'value="周敏"' in response.text and "课后辅导" in response.text
    assert f'value="{youth.id}" checked' in response.text and 'value="publicity" checked' in response.text
    assert 'id="e-mobile"' in response.text


async def test_a_likely_duplicate_asks_for_confirmation(browser, park, applicant):
    similar = {**APPLICATION, "name_zh": "湖滨青少年成长服务社（筹）"}
    warned = await browser.post(f"/parks/{park.id}/apply", similar)
    assert warned.status_code == 400 and 'name="confirm_duplicate"' in warned.text
    sent = await browser.post(f"/parks/{park.id}/apply", {**similar, "confirm_duplicate": "on"})
    assert sent.status_code == 303


async def test_rejected_applicants_can_read_why(browser, park, applicant, manager_principal):
    from tests.organizations.conftest import admission_command

    criteria = await admission.criteria_for(park)
    await admission.decide_admission(manager_principal, applicant,
                                     admission_command(criteria, decision="reject", reason="名额已满"))
    reference = (await applicant.application).reference
    page = await browser.get(f"/applications/{reference}")
    assert "名额已满" in page.text


async def test_manager_admits_through_the_scorecard(browser, manager, park, applicant, desk):
    await browser.login("manager")
    form = await browser.get(f"/organizations/{applicant.id}/admission")
    assert form.status_code == 200 and desk.name in form.text
    scores = {name: "9" for name in re.findall(r'name="(score_\d+)"', form.text)}
    response = await browser.post(f"/organizations/{applicant.id}/admission", {
        **scores, "decision": "admit", "reason": "符合园区定位", "start_on": "2026-03-01", "term_months": "12",
        "space_id": str(desk.id), "supports": "office_space"})
    assert response.status_code == 303
    page = await browser.get(f"/organizations/{applicant.id}")
    assert desk.name in page.text and (await Organization.get(id=applicant.id)).stage == Stage.ADMITTED


async def test_admission_form_errors_keep_the_scores(browser, manager, park, applicant):
    await browser.login("manager")
    form = await browser.get(f"/organizations/{applicant.id}/admission")
    names = re.findall(r'name="(score_\d+)"', form.text)
    response = await browser.post(f"/organizations/{applicant.id}/admission", {
        names[0]: "7", names[1]: "99", "decision": "admit", "reason": "", "start_on": "2026-03-01",
        "term_months": "12"})
    assert response.status_code == 400
    assert 'value="7"' in response.text and 'value="99"' in response.text
    assert (await Organization.get(id=applicant.id)).stage == Stage.APPLIED


async def test_stage_change_shows_on_the_htmx_timeline(browser, manager, admitted):
    await browser.login("manager")
    response = await browser.post(f"/organizations/{admitted.id}/stage", {"stage": "incubating"})
    assert response.status_code == 303
    timeline = await browser.get(f"/organizations/{admitted.id}/timeline", headers={"HX-Request": "true"})
    assert "<html" not in timeline.text and timeline.text.count("<li>") == 3


async def test_a_refused_stage_change_says_why(browser, manager, admitted):
    await browser.login("manager")
    response = await browser.post(f"/organizations/{admitted.id}/stage", {"stage": "exited"})
    assert response.status_code == 400
    assert 'id="e-reason"' in response.text  # the form says why, beside the field
    assert (await Organization.get(id=admitted.id)).stage == Stage.ADMITTED
    kept = await browser.post(f"/organizations/{admitted.id}/stage", {"stage": "exited", "reason": " ",
                                                                    "new_end_on": "2020-01-01"})
    assert kept.status_code == 400 and 'value="2020-01-01"' in kept.text
    assert '<option value="exited" selected>' in kept.text


async def test_member_edits_their_profile_and_errors_keep_input(browser, member, organization):
    await browser.login("member")
    bad = await browser.post(f"/organizations/{organization.id}/edit", {
        "name_zh": organization.name_zh, "kind": "social_association", "mobile": "1381234", "contact_person": "张会长"})
    assert bad.status_code == 400 and 'value="张会长"' in bad.text and 'id="e-mobile"' in bad.text
    good = await browser.post(f"/organizations/{organization.id}/edit", {
        "name_zh": organization.name_zh, "kind": "social_association", "mobile": "+86 138-1234-5678",
        "contact_person": "张会长", "volunteer_count": "120"})
    assert good.status_code == 303
    saved = await Organization.get(id=organization.id)
    assert (saved.mobile, saved.volunteer_count) == ("13812345678", 120)


async def test_members_cannot_change_registration_or_stage(browser, member, organization):
    await browser.login("member")
    assert (await browser.get(f"/organizations/{organization.id}/registration")).status_code == 403
    response = await browser.post(f"/organizations/{organization.id}/stage", {"stage": "screening"})
    assert response.status_code == 403
    assert (await Organization.get(id=organization.id)).stage == Stage.APPLIED


async def test_wrong_credit_code_names_the_expected_check_character(browser, manager, organization):
    await browser.login("manager")
    good = credit_code.make("51320211MJ5704981")
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = await browser.post(f"/organizations/{organization.id}/registration", {
        "registration": "registered", "credit_code": wrong, "registration_authority": "滨湖区民政局",
        "registered_on": "2026-05-01"})
    assert response.status_code == 400 and good[-1] in response.text and f'value="{wrong}"' in response.text
    live = await browser.get(f"/organizations/check-credit-code?credit_code={wrong}", headers={"HX-Request": "true"})
    assert 'class="error"' in live.text
    ok = await browser.post(f"/organizations/{organization.id}/registration", {
        "registration": "registered", "credit_code": good.lower(), "registration_authority": "滨湖区民政局",
        "registered_on": "2026-05-01"})
    assert ok.status_code == 303 and (await Organization.get(id=organization.id)).credit_code == good


async def test_documents_upload_and_download_through_the_checked_path(browser, member, organization, settings):
    await browser.login("member")
    response = await browser.client.post(
        f"/organizations/{organization.id}/documents",
        data={"csrf_token": browser.csrf_token, "title": "登记证书"},
        files={"file": ("证书.pdf", PDF, "application/pdf")})
    assert response.status_code == 303
    document = await Document.get(organization_id=organization.id)
    assert document.size == len(PDF) and (settings.uploads / document.storage_name).exists()
    download = await browser.get(f"/documents/{document.id}")
    assert download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment")


async def test_uploads_with_the_wrong_type_or_content_are_refused(browser, member, organization):
    await browser.login("member")
    for name, content in (("virus.exe", b"MZ..."), ("fake.pdf", b"<html>not a pdf</html>")):
        response = await browser.client.post(
            f"/organizations/{organization.id}/documents", data={"csrf_token": browser.csrf_token,
                                                                 "title": "登记证书"},
            files={"file": (name, content, "application/octet-stream")})
        # The organization's page again, the refusal on the upload form, the typed title kept.
        assert response.status_code == 400
        assert 'class="error" role="alert"' in response.text and 'value="登记证书"' in response.text
    assert not await Document.exists()


async def test_import_through_the_pages(browser, manager, park):
    await browser.login("manager")
    template = await browser.get("/organizations/import/template.xlsx")
    assert template.status_code == 200
    headers = [c.value for c in load_workbook(io.BytesIO(template.content)).active[1]]
    book = Workbook()
    book.active.append(headers)
    book.active.append(["导入的组织", "", "社会团体", "", "养老服务", "", "", "联系人", "13812345678", "", 1, 2,
                        "2025-01-01", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = await browser.client.post("/organizations/import", data={"csrf_token": browser.csrf_token,
                                                                      "park_id": str(park.id)},
                                       files={"file": ("名单.xlsx", buffer.getvalue(), "application/octet-stream")})
    assert upload.status_code == 303
    preview = await browser.get(upload.headers["location"])
    assert "导入的组织" in preview.text and not await Organization.filter(name_zh="导入的组织").exists()
    confirm = await browser.post(upload.headers["location"] + "/confirm")
    assert confirm.status_code == 303
    assert (await Organization.get(name_zh="导入的组织")).stage == Stage.INCUBATING
    assert importer.COLUMNS[0][0] == headers[0]


async def test_list_filters_by_stage_and_finds_by_credit_code(browser, official, park, admitted, applicant):
    code = credit_code.make("51320211MJ5704981")
    await Organization.filter(id=admitted.id).update(credit_code=code, registration="registered")
    await browser.login("official")
    by_stage = await browser.get("/organizations?stage=admitted", headers={"HX-Request": "true"})
    assert admitted.name_zh in by_stage.text and "<html" not in by_stage.text
    by_code = await browser.get(f"/organizations?q={code[:10].lower()}")
    assert admitted.name_zh in by_code.text
    none = await browser.get("/organizations?stage=graduated")
    assert admitted.name_zh not in none.text


async def test_overdue_registration_list(browser, manager, park, incubating):
    await Organization.filter(id=incubating.id).update(admitted_on=date.today() - timedelta(days=200))
    await browser.login("manager")
    page = await browser.get("/organizations/registration-overdue")
    assert incubating.name_zh in page.text
    await Organization.filter(id=incubating.id).update(admitted_on=date.today() - timedelta(days=30))
    page = await browser.get("/organizations/registration-overdue")
    assert incubating.name_zh not in page.text


async def test_manager_records_a_follow_up(browser, manager, organization):
    follow_up = await FollowUp.create(organization=organization, due_on=date.today())
    await browser.login("manager")
    response = await browser.post(f"/follow-ups/{follow_up.id}", {"notes": "项目持续运营，新增两个社区点"})
    assert response.status_code == 303
    saved = await FollowUp.get(id=follow_up.id)
    assert saved.done_on is not None and "社区点" in saved.notes


async def test_a_refused_follow_up_keeps_the_notes_on_its_own_form(browser, manager, organization):
    follow_up = await FollowUp.create(organization=organization, due_on=date.today())
    await browser.login("manager")
    response = await browser.post(f"/follow-ups/{follow_up.id}", {"notes": "走访了三个社区", "done_on": "明天"})
    assert response.status_code == 400
    assert 'value="走访了三个社区"' in response.text and f'id="e-notes-{follow_up.id}"' in response.text
    assert (await FollowUp.get(id=follow_up.id)).done_on is None


async def test_admin_adds_a_service_domain(browser, admin):
    await browser.login("admin")
    response = await browser.post("/service-domains", {"name_zh": "社区治理", "name_en": "Community governance"})
    assert response.status_code == 303
    duplicate = await browser.post("/service-domains", {"name_zh": "社区治理"})
    assert duplicate.status_code == 400


async def test_manager_configures_the_admission_scorecard(browser, manager, park):
    await browser.login("manager")
    page = await browser.get(f"/parks/{park.id}/admission-criteria")
    assert "社会需求与服务定位" in page.text
    bad = await browser.post(f"/parks/{park.id}/admission-criteria", {"name_zh_0": "服务成效", "weight_0": "0",
                                                                      "max_score_0": "10"})
    assert bad.status_code == 400 and 'value="服务成效"' in bad.text
    good = await browser.post(f"/parks/{park.id}/admission-criteria", {
        "name_zh_0": "服务成效", "weight_0": "60", "max_score_0": "10",
        "name_zh_1": "财务规范", "weight_1": "40", "max_score_1": "5"})
    assert good.status_code == 303
    criteria = await admission.criteria_for(park)
    assert [(c.name_zh, c.weight, c.max_score) for c in criteria] == [("服务成效", 60, 10), ("财务规范", 40, 5)]


async def test_park_settings_shape_the_agreement_terms(browser, admin, park):
    from incubator.parks.forms import park_values as park_form_values
    from incubator.parks.models import Park

    await browser.login("admin")
    response = await browser.post(f"/parks/{park.id}", {**park_form_values(park), "agreement_terms": "12，18、24",
                                                        "registration_due_months": "9"})
    assert response.status_code == 303
    saved = await Park.get(id=park.id)
    assert saved.agreement_terms == [12, 18, 24] and saved.registration_due_months == 9
    bad = await browser.post(f"/parks/{park.id}", {**park_form_values(saved), "agreement_terms": "一年"})
    assert bad.status_code == 400 and 'id="e-agreement_terms"' in bad.text


async def test_overdue_registration_list_shows_fifty_a_page_oldest_admission_first(browser, manager, park):
    today = date.today()
    await Organization.bulk_create([
        Organization(park=park, name_zh=f"逾期组织{n:02d}", stage=Stage.INCUBATING,
                     admitted_on=today - timedelta(days=400 + n)) for n in range(51)])
    await browser.login("manager")
    first = await browser.get("/organizations/registration-overdue")
    second = await browser.get("/organizations/registration-overdue?page=2")
    assert first.text.count("逾期组织") == 50 and "逾期组织50" in first.text  # the longest-waiting first
    assert second.text.count("逾期组织") == 1 and "逾期组织00" in second.text


async def test_admitting_needs_no_reason_but_refusing_does(browser, manager, park, applicant, desk):
    await browser.login("manager")
    form = await browser.get(f"/organizations/{applicant.id}/admission")
    scores = {name: "8" for name in re.findall(r'name="(score_\d+)"', form.text)}
    refused = await browser.post(f"/organizations/{applicant.id}/admission", {
        **scores, "decision": "reject", "reason": ""})
    assert refused.status_code == 400 and 'id="e-reason"' in refused.text
    admitted = await browser.post(f"/organizations/{applicant.id}/admission", {
        **scores, "decision": "admit", "reason": "", "start_on": "2026-03-01", "term_months": "12"})
    assert admitted.status_code == 303
    assert (await Organization.get(id=applicant.id)).stage == Stage.ADMITTED


async def test_every_error_of_the_admission_form_comes_back_at_once(browser, manager, park, applicant):
    """The form's own errors (a score that is not a number) and the service's (a score above the
    criterion's maximum, a refusal without a reason, a term the park does not offer) in one answer."""
    await browser.login("manager")
    form = await browser.get(f"/organizations/{applicant.id}/admission")
    names = re.findall(r'name="(score_\d+)"', form.text)
    rest = {name: "5" for name in names[2:]}
    response = await browser.post(f"/organizations/{applicant.id}/admission", {
        names[0]: "x", names[1]: "99", **rest, "decision": "reject", "reason": ""})
    assert response.status_code == 400
    for field in (names[0], names[1], "reason"):
        assert f'id="e-{field}"' in response.text, field
    admit = await browser.post(f"/organizations/{applicant.id}/admission", {
        names[0]: "x", names[1]: "99", **rest, "decision": "admit", "start_on": "2026-03-01", "term_months": "7"})
    for field in (names[0], names[1], "term_months"):
        assert f'id="e-{field}"' in admit.text, field
    assert (await Organization.get(id=applicant.id)).stage == Stage.APPLIED
