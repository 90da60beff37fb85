"""Importing a park's spreadsheet: preview first, one transaction on confirm, re-import updates."""

import io

import pytest
from openpyxl import Workbook, load_workbook
from starlette.datastructures import UploadFile

from incubator.errors import DomainError, ValidationFailed
from incubator.organizations import credit_code, importer
from incubator.organizations.models import ImportBatch, Organization, OrganizationDomain, Stage

HEADERS = [h for h, _ in importer.COLUMNS]
CODE = credit_code.make("51320211MJ5704981")


def xlsx(rows: list[list]) -> UploadFile:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return UploadFile(file=io.BytesIO(buffer.getvalue()), filename="名单.xlsx")


def csv_file(text: str, encoding: str) -> UploadFile:
    return UploadFile(file=io.BytesIO(text.encode(encoding)), filename="名单.csv")


GOOD = [
    ["太湖邻里志愿者协会", "Taihu Neighbours", "社会团体", CODE, "志愿互助、养老服务", "2021-05-01", "张三", "李四",
     "138 1234 5678", "a@example.org", 3, 40, "2025-09-01", 24, "社区志愿服务"],
    ["滨湖绿色环保志愿服务队", "", "备案社区社会组织", "", "环境保护", "", "", "王五", "13912345678", "", 0, 12, "",
     "", ""],
]


async def test_the_preview_runs_as_many_queries_for_a_long_file_as_for_a_short_one(park, manager_principal):
    from incubator import db

    def rows(n: int) -> list[list]:
        return [[f"社区服务队{i}", "", "备案社区社会组织", "", "环境保护", "", "", "王五", "13912345678", "", 0, 12,
                 "", "", ""] for i in range(n)]

    counts = []
    for n in (2, 20):
        with db.counting_queries() as counter:
            batch = await importer.preview(manager_principal, park, xlsx(rows(n)), settings_stub())
        assert len(batch.rows) == n and not any(row["errors"] for row in batch.rows)
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


async def test_template_has_the_chinese_headers():
    book = load_workbook(io.BytesIO(importer.template_workbook()))
    assert [c.value for c in book.active[1]] == HEADERS


async def test_preview_writes_nothing_and_confirm_writes_every_valid_row(park, manager_principal):
    batch = await importer.preview(manager_principal, park, xlsx(GOOD), settings_stub())
    assert [r["errors"] for r in batch.rows] == [{}, {}]
    assert [r["action"] for r in batch.rows] == ["create", "create"]
    assert not await Organization.exists()
    summary = await importer.confirm(manager_principal, await ImportBatch.get(id=batch.id))
    assert summary == {"created": 2, "updated": 0, "skipped": 0}
    first = await Organization.get(name_zh="太湖邻里志愿者协会")
    assert first.credit_code == CODE and first.registration == "registered" and first.mobile == "13812345678"
    assert first.stage == Stage.INCUBATING and first.admitted_on.isoformat() == "2025-09-01"
    assert await OrganizationDomain.filter(organization_id=first.id).count() == 2
    second = await Organization.get(name_zh="滨湖绿色环保志愿服务队")
    assert second.stage == Stage.APPLIED and second.kind == "community_group"


async def test_bad_rows_show_their_errors_and_are_skipped(park, manager_principal):
    bad = [[""] * len(HEADERS),  # a blank row is ignored
           ["坏数据组织", "", "公司", CODE[:-1] + "0", "不存在的领域", "2099-01-01", "", "", "12345", "x@", -1, "",
            "", "", ""],
           GOOD[1]]
    batch = await importer.preview(manager_principal, park, xlsx(bad), settings_stub())
    errors = batch.rows[0]["errors"]
    assert {"kind", "credit_code", "domains", "founded_on", "mobile", "email", "staff_count"} <= set(errors)
    assert "公司" in errors["kind"]  # the unknown kind is named, not a generic "choose one of the options"
    assert batch.rows[0]["row"] == 3  # spreadsheet row numbers, header is row 1
    summary = await importer.confirm(manager_principal, batch)
    assert summary == {"created": 1, "updated": 0, "skipped": 1}
    assert not await Organization.filter(name_zh="坏数据组织").exists()


async def test_gbk_csv_is_read(park, manager_principal):
    row = "荣巷阳光助残服务社,,民办非企业单位,,助残服务,2019-03-01,赵六,钱七,13700000000,,5,30,2024-01-01,12,"
    text = ",".join(HEADERS) + "\n" + row + "\n"
    batch = await importer.preview(manager_principal, park, csv_file(text, "gbk"), settings_stub())
    assert batch.rows[0]["errors"] == {}
    utf8 = await importer.preview(manager_principal, park, csv_file("\ufeff" + text, "utf-8"), settings_stub())
    assert utf8.rows[0]["values"]["name_zh"] == "荣巷阳光助残服务社"


async def test_reimport_updates_instead_of_duplicating(park, manager_principal):
    await importer.confirm(manager_principal, await importer.preview(manager_principal, park, xlsx(GOOD),
                                                                     settings_stub()))
    changed = [list(GOOD[0]), list(GOOD[1])]
    changed[0][0] = "太湖邻里志愿者协会（更名）"  # matched by credit code despite the new name
    changed[1][11] = 20  # matched by name
    batch = await importer.preview(manager_principal, park, xlsx(changed), settings_stub())
    assert [r["action"] for r in batch.rows] == ["update", "update"]
    assert await importer.confirm(manager_principal, batch) == {"created": 0, "updated": 2, "skipped": 0}
    assert await Organization.all().count() == 2
    assert (await Organization.get(credit_code=CODE)).name_zh == "太湖邻里志愿者协会（更名）"
    assert (await Organization.get(name_zh="滨湖绿色环保志愿服务队")).volunteer_count == 20


async def test_a_batch_is_applied_once(park, manager_principal):
    batch = await importer.preview(manager_principal, park, xlsx(GOOD), settings_stub())
    await importer.confirm(manager_principal, batch)
    with pytest.raises(DomainError):
        await importer.confirm(manager_principal, await ImportBatch.get(id=batch.id))


async def test_duplicate_rows_in_one_file_are_flagged(park, manager_principal):
    batch = await importer.preview(manager_principal, park, xlsx([GOOD[1], GOOD[1]]), settings_stub())
    assert batch.rows[0]["errors"] == {} and "name_zh" in batch.rows[1]["errors"]


async def test_wrong_files_are_refused(park, manager_principal):
    with pytest.raises(ValidationFailed):
        await importer.preview(manager_principal, park, UploadFile(file=io.BytesIO(b"hello"), filename="x.txt"),
                               settings_stub())
    with pytest.raises(ValidationFailed):
        await importer.preview(manager_principal, park, UploadFile(file=io.BytesIO(b"not a zip"), filename="x.xlsx"),
                               settings_stub())
    with pytest.raises(ValidationFailed):
        await importer.preview(manager_principal, park, csv_file("名称,电话\n甲,1\n", "utf-8"), settings_stub())


def settings_stub():
    from incubator.config import Settings

    return Settings(database_url="unused", secret_key="x" * 40)


def row_of(**cells) -> list:
    """A spreadsheet row with only the given cells filled in."""
    fields = [field for _, field in importer.COLUMNS]
    return [cells.get(field, "") for field in fields]


async def imported(principal, park, rows) -> dict:
    return await importer.confirm(principal, await importer.preview(principal, park, xlsx(rows), settings_stub()))


async def test_an_empty_cell_never_blanks_a_field(park, manager_principal):
    await imported(manager_principal, park, GOOD[:1])
    sparse = row_of(name_zh="太湖邻里志愿者协会", credit_code=CODE, volunteer_count=55)
    batch = await importer.preview(manager_principal, park, xlsx([sparse]), settings_stub())
    assert batch.rows[0]["changes"] == {"volunteer_count": ["40", "55"]}
    assert await importer.confirm(manager_principal, batch) == {"created": 0, "updated": 1, "skipped": 0}
    kept = await Organization.get(credit_code=CODE)
    assert kept.volunteer_count == 55
    assert (kept.name_en, kept.legal_representative, kept.email, kept.founded_on.isoformat(), kept.kind.value) == (
        "Taihu Neighbours", "张三", "a@example.org", "2021-05-01", "social_association")
    assert await OrganizationDomain.filter(organization_id=kept.id).count() == 2


async def test_the_preview_shows_what_matched_and_each_old_and_new_value(park, manager_principal):
    from incubator.organizations.models import StageChange
    from tests.helpers import assert_audited

    await imported(manager_principal, park, GOOD[:1])
    renamed = row_of(name_zh="太湖邻里互助协会", credit_code=CODE, email="new@example.org", domains="环境保护")
    batch = await importer.preview(manager_principal, park, xlsx([renamed]), settings_stub())
    [row] = batch.rows
    assert (row["action"], row["matched_on"], row["match_name"]) == ("update", "credit_code", "太湖邻里志愿者协会")
    assert row["changes"] == {"name_zh": ["太湖邻里志愿者协会", "太湖邻里互助协会"],
                              "email": ["a@example.org", "new@example.org"],
                              "domains": ["养老服务、志愿互助", "环境保护"]}
    await importer.confirm(manager_principal, batch)
    organization = await Organization.get(credit_code=CODE)
    await assert_audited(organization, "update", actor=manager_principal,
                         changes={"name_zh": "太湖邻里互助协会", "email": "new@example.org"})
    entry = await StageChange.filter(organization_id=organization.id, kind="profile").get()
    assert entry.details["changes"]["name_zh"] == ["太湖邻里志愿者协会", "太湖邻里互助协会"]
    assert entry.details["file"] == "名单.xlsx"


async def test_a_manager_imports_only_into_the_parks_they_manage(park, other_park, manager_principal):
    from incubator.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        await importer.preview(manager_principal, other_park, xlsx(GOOD), settings_stub())
    batch = await importer.preview(manager_principal, park, xlsx(GOOD), settings_stub())
    moved = type(manager_principal)(manager_principal.user, frozenset({other_park.id}))
    with pytest.raises(PermissionDenied):  # no longer the park's manager when confirming
        await importer.confirm(moved, batch)
    assert not await Organization.exists()


async def test_imported_residents_get_their_agreement_and_their_parks_reviews(park, manager_principal):
    from datetime import date

    from incubator.flags import service as flags
    from incubator.flags.models import Flag
    from incubator.organizations.models import Agreement
    from incubator.reviews.models import Review

    await imported(manager_principal, park, GOOD)
    resident = await Organization.get(credit_code=CODE)
    agreement = await Agreement.get(organization_id=resident.id)
    assert (agreement.start_on, agreement.term_months, agreement.end_on) == (date(2025, 9, 1), 24, date(2027, 9, 1))
    assert resident.term_end_on == date(2027, 9, 1)
    codes = await Review.filter(organization_id=resident.id).order_by("due_on").values_list("code", flat=True)
    assert codes == ["onboarding", "registration", "midterm", "graduation"]
    applicant = await Organization.get(name_zh="滨湖绿色环保志愿服务队")
    assert not await Agreement.filter(organization_id=applicant.id).exists()
    await flags.refresh_all(date(2026, 9, 1))
    assert await Flag.filter(organization_id=resident.id, kind="review_due").exists()  # the mid-term review


async def test_an_imported_term_must_be_one_of_the_parks_terms(park, manager_principal):
    row = list(GOOD[0])
    row[13] = 18
    batch = await importer.preview(manager_principal, park, xlsx([row]), settings_stub())
    assert "term_months" in batch.rows[0]["errors"]
    row[13] = ""  # blank: the park's longest term
    batch = await importer.preview(manager_principal, park, xlsx([row]), settings_stub())
    assert batch.rows[0]["errors"] == {} and batch.rows[0]["term_months"] == 24


async def test_the_applicants_receipt_keeps_the_name_they_applied_with(browser, park, applicant, manager_principal):
    from incubator.organizations.models import Application

    application = await Application.get(organization_id=applicant.id)
    await imported(manager_principal, park, [row_of(name_zh=applicant.name_zh, name_en="Renamed")])
    await Organization.filter(id=applicant.id).update(name_zh="别的名字")
    receipt = await browser.get(f"/applications/{application.reference}")
    assert applicant.name_zh in receipt.text and "别的名字" not in receipt.text
