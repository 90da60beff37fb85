"""Importing a park's existing spreadsheet of organizations (.xlsx, or .csv in UTF-8 or GBK).

Upload → a preview (every row valid or with its errors), kept in the database → the manager
confirms → every valid row is written in one transaction. Importing the same file again updates
the same organizations: matched by credit code, then by name within the park.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import UTC, date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from tortoise.transactions import in_transaction

from incubator.access import Principal, require_role
from incubator.audit import service as audit
from incubator.auth.models import Role
from incubator.config import Settings
from incubator.errors import DomainError, ValidationFailed
from incubator.i18n import gettext as _
from incubator.organizations.models import (
    KIND_LABELS,
    ImportBatch,
    Organization,
    OrganizationKind,
    Registration,
    ServiceDomain,
    Stage,
    StageChange,
)
from incubator.organizations.service import (
    PROFILE_FIELDS,
    clean_credit_code,
    clean_date,
    clean_profile,
    set_domains,
)
from incubator.parks.models import Park
from incubator.uploads import read_checked
from incubator.validation import Checker

# Chinese header → form field. The first column is required.
COLUMNS = [
    ("组织名称", "name_zh"),
    ("英文名称", "name_en"),
    ("组织类型", "kind"),
    ("统一社会信用代码", "credit_code"),
    ("服务领域", "domains"),
    ("成立日期", "founded_on"),
    ("法定代表人", "legal_representative"),
    ("联系人", "contact_person"),
    ("手机", "mobile"),
    ("邮箱", "email"),
    ("专职人员数", "staff_count"),
    ("志愿者数", "volunteer_count"),
    ("入驻日期", "admitted_on"),
    ("简介", "description"),
]
HEADER_TO_FIELD = dict(COLUMNS)
MAX_ROWS = 2000
KIND_NAMES = {
    "社会团体": OrganizationKind.SOCIAL_ASSOCIATION,
    "民办非企业单位": OrganizationKind.PRIVATE_NON_ENTERPRISE,
    "社会服务机构": OrganizationKind.PRIVATE_NON_ENTERPRISE,
    "基金会": OrganizationKind.FOUNDATION,
    "备案社区社会组织": OrganizationKind.COMMUNITY_GROUP,
    "社区社会组织": OrganizationKind.COMMUNITY_GROUP,
    "尚未登记": OrganizationKind.UNREGISTERED,
    "未登记": OrganizationKind.UNREGISTERED,
}


def template_workbook() -> bytes:
    """The .xlsx a manager fills in: Chinese headers, one example row, and the allowed values."""
    book = Workbook()
    sheet = book.active
    sheet.title = "组织名单"
    sheet.append([header for header, _field in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append(["示例：太湖邻里志愿者协会", "Taihu Neighbours", "社会团体", "", "志愿互助、养老服务",
                  "2021-05-01", "张三", "李四", "13812345678", "contact@example.org", 3, 40, "2025-09-01",
                  "（示例行，导入前请删除）"])
    for column, (header, _field) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(1, column).column_letter].width = max(12, len(header) * 2 + 4)
    notes = book.create_sheet("填写说明")
    notes.append(["组织类型可填", "、".join(KIND_NAMES)])
    notes.append(["服务领域", "多个领域用“、”分隔，名称见系统中的服务领域列表"])
    notes.append(["日期格式", "YYYY-MM-DD，例如 2025-09-01"])
    notes.append(["重复导入", "按统一社会信用代码、再按园区内的组织名称匹配，已有的组织会被更新"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed({"file": _("The CSV file is neither UTF-8 nor GBK text.")})


def read_table(data: bytes, filename: str) -> list[list[str]]:
    if filename.lower().endswith(".csv"):
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(_decode_csv(data)))]
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise ValidationFailed({"file": _("The spreadsheet could not be read. Save it as .xlsx and try again.")}) \
            from None
    sheet = book.worksheets[0]
    rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


def _rows_as_dicts(table: list[list[str]]) -> list[tuple[int, dict[str, str]]]:
    if not table:
        raise ValidationFailed({"file": _("The file is empty.")})
    header = [h.strip().lstrip("\ufeff").rstrip("*") for h in table[0]]
    if "组织名称" not in header:
        raise ValidationFailed({"file": _("The first row must be the template's headers, starting with 组织名称.")})
    fields = [HEADER_TO_FIELD.get(h) for h in header]
    rows = []
    for number, raw in enumerate(table[1:], start=2):
        values = {f: (raw[i] if i < len(raw) else "") for i, f in enumerate(fields) if f}
        if not any(values.values()) or values.get("name_zh", "").startswith("示例"):
            continue
        rows.append((number, values))
    if len(rows) > MAX_ROWS:
        raise ValidationFailed({"file": _("At most %(n)s rows per file.", n=MAX_ROWS)})
    return rows


async def _check_row(park: Park, values: Mapping[str, str], domains: dict[str, int],
                     seen: dict[str, int]) -> dict:
    data = dict(values)
    data["kind"] = _kind_value(data.get("kind", ""))
    check = Checker(data)
    clean = clean_profile(check)
    if data["kind"] is None:
        check.fail("kind", _("Unknown kind of organization: %(kind)s.", kind=values.get("kind", "")))
    code = clean_credit_code(check)
    admitted_on = clean_date(check, "admitted_on")
    names = [n for n in data.get("domains", "").replace("，", "、").replace(",", "、").split("、") if n.strip()]
    domain_ids = []
    for name in names:
        if name.strip() in domains:
            domain_ids.append(domains[name.strip()])
        else:
            check.fail("domains", _("Unknown service domain: %(name)s.", name=name.strip()))
    match: Organization | None = None
    if code:
        match = await Organization.get_or_none(credit_code=code)
        if match is not None and match.park_id != park.id:
            check.fail("credit_code", _("This credit code belongs to an organization of another park."))
            match = None
    if match is None and clean["name_zh"]:
        match = await Organization.get_or_none(park_id=park.id, name_zh=clean["name_zh"])
    for key in filter(None, [code, str(clean["name_zh"])]):
        if key in seen:
            check.fail("name_zh", _("Row %(row)s already has this organization.", row=seen[key]))
    return {
        "values": dict(values), "errors": dict(check.errors), "domain_ids": sorted(set(domain_ids)),
        "credit_code": code, "admitted_on": admitted_on.isoformat() if admitted_on else None,
        "action": "update" if match else "create", "match_id": match.id if match else None,
    }


async def _domain_names() -> dict[str, int]:
    names: dict[str, int] = {}
    for domain in await ServiceDomain.filter(is_active=True):
        for name in (domain.name_zh, domain.name_en, domain.code):
            if name:
                names[name] = domain.id
    return names


async def _check_rows(park: Park, rows: list[tuple[int, dict[str, str]]]) -> list[dict]:
    domains = await _domain_names()
    seen: dict[str, int] = {}
    checked = []
    for number, values in rows:
        result = await _check_row(park, values, domains, seen)
        result["row"] = number
        checked.append(result)
        for key in filter(None, [result["credit_code"], values.get("name_zh", "")]):
            seen.setdefault(key, number)
    return checked


async def preview(principal: Principal, park: Park, upload: object, settings: Settings) -> ImportBatch:
    """Reads and checks the file; writes nothing but the preview itself."""
    require_role(principal, Role.ADMIN, Role.MANAGER)
    data, filename, _type = await read_checked(upload, ("xlsx", "csv"), settings.max_upload_bytes)
    rows = await _check_rows(park, _rows_as_dicts(read_table(data, filename)))
    return await ImportBatch.create(park_id=park.id, created_by_id=principal.id, created_at=datetime.now(UTC),
                                    filename=filename, rows=rows)


async def confirm(principal: Principal, batch: ImportBatch) -> dict[str, int]:
    """Writes every valid row in one transaction. The rows are checked again first: the
    database may have changed since the preview."""
    require_role(principal, Role.ADMIN, Role.MANAGER)
    if batch.status != "preview":
        raise DomainError(_("This import has already been applied."))
    park = await Park.get(id=batch.park_id)
    rows = await _check_rows(park, [(r["row"], r["values"]) for r in batch.rows])
    valid = [r for r in rows if not r["errors"]]
    now = datetime.now(UTC)
    summary = {"created": 0, "updated": 0, "skipped": len(rows) - len(valid)}
    async with in_transaction():
        claimed = await ImportBatch.filter(id=batch.id, status="preview").update(status="applied", applied_at=now)
        if not claimed:
            raise DomainError(_("This import has already been applied."))
        for row in valid:
            check = Checker({**row["values"], "kind": _kind_value(row["values"].get("kind", ""))})  # type: ignore[dict-item]
            values = clean_profile(check)
            code = row["credit_code"]
            if code:
                values |= {"credit_code": code, "registration": Registration.REGISTERED}
            if row["match_id"]:
                organization = await Organization.get(id=row["match_id"])
                await audit.save_and_record(principal, organization, values, [*PROFILE_FIELDS, "credit_code"])
                summary["updated"] += 1
            else:
                admitted_on = date.fromisoformat(row["admitted_on"]) if row["admitted_on"] else None
                stage = Stage.INCUBATING if admitted_on else Stage.APPLIED
                organization = await Organization.create(park_id=park.id, stage=stage, stage_changed_at=now,
                                                         admitted_on=admitted_on, **values)
                await StageChange.create(organization_id=organization.id, to_stage=stage, at=now,
                                         actor_id=principal.id, actor_name=str(principal.user),
                                         reason=_("Imported from %(file)s", file=batch.filename))
                await audit.record(principal, "create", organization,
                                   audit.diff({}, audit.snapshot(organization, PROFILE_FIELDS)))
                summary["created"] += 1
            if row["domain_ids"]:
                await set_domains(organization, row["domain_ids"])
        await ImportBatch.filter(id=batch.id).update(summary=summary, rows=rows)
    return summary


def _kind_value(text: str) -> str | None:
    """The kind's code from a Chinese name, an English label or the code; blank means not
    registered yet; None when unknown."""
    text = text.strip()
    if not text:
        return OrganizationKind.UNREGISTERED.value
    kind = KIND_NAMES.get(text) or next((k for k, label in KIND_LABELS.items() if text in (k.value, label)), None)
    return kind.value if kind else None
