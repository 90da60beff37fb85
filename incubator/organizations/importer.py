"""Importing a park's existing spreadsheet of organizations (.xlsx, or .csv in UTF-8 or GBK).

Upload → a preview (every row valid or with its errors, and for an organization already known
what it was matched on and each field's old and new value), kept in the database → the manager
confirms → every valid row is written in one transaction. Importing the same file again updates
the same organizations: matched by credit code, then by name within the park; an empty cell
never blanks a field.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from incubator import clock, events
from incubator.access import Principal, require_role
from incubator.audit import service as audit
from incubator.config import Settings
from incubator.errors import DomainError, PermissionDenied, ValidationFailed
from incubator.i18n import LOCALES, current_locale, list_separator, reset_locale, set_locale
from incubator.i18n import gettext as _
from incubator.organizations.events import StageChanged
from incubator.organizations.forms import clean_credit_code, clean_date, profile_values
from incubator.organizations.models import (
    KIND_LABELS,
    Agreement,
    ImportBatch,
    Organization,
    OrganizationDomain,
    OrganizationKind,
    Registration,
    ServiceDomain,
    Stage,
    StageChange,
    TimelineKind,
)
from incubator.organizations.service import (
    PROFILE_FIELDS,
    domain_names,
    set_domains,
)
from incubator.parks.models import Park
from incubator.roles import Role
from incubator.uploads import read_checked
from incubator.validation import IN_SERVICE, Checker
from incubator.workdays import add_months

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
    ("协议期限（月）", "term_months"),
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
    assert sheet is not None  # a new workbook has its one sheet
    sheet.title = "组织名单"
    sheet.append([header for header, _field in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append(["示例：太湖邻里志愿者协会", "Taihu Neighbours", "社会团体", "", "志愿互助、养老服务",
                  "2021-05-01", "张三", "李四", "13812345678", "contact@example.org", 3, 40, "2025-09-01", 24,
                  "（示例行，导入前请删除）"])
    for column, (header, _field) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = max(12, len(header) * 2 + 4)
    notes = book.create_sheet("填写说明")
    notes.append(["组织类型可填", "、".join(KIND_NAMES)])
    notes.append(["服务领域", "多个领域用“、”分隔，名称见系统中的服务领域列表"])
    notes.append(["日期格式", "YYYY-MM-DD，例如 2025-09-01"])
    notes.append(["入驻日期与协议期限", "填写入驻日期的组织按在孵组织导入：签订入驻协议并按园区评估计划安排评估；"
                                 "协议期限留空时取园区最长的协议期限"])
    notes.append(["重复导入", "按统一社会信用代码、再按园区内的组织名称匹配：已有组织只更新填写了的单元格，"
                          "空白单元格不会清空原有信息"])
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


# Cells that change an existing organization's profile, when they are not empty.
UPDATABLE = [*PROFILE_FIELDS, "credit_code"]


def _shown(value: object) -> str:
    return "" if value is None else str(value.value if isinstance(value, Enum) else value)


@dataclass
class Known:
    """What the park already holds that the file's rows can match, read in three queries for the
    whole file (not per row): organizations by credit code and by name, and their domains."""

    by_code: dict[str, Organization]
    by_name: dict[str, Organization]
    domains_of: dict[int, list[int]]

    @classmethod
    async def of(cls, park: Park, rows: list[tuple[int, dict[str, str]]]) -> Known:
        codes = {code for _, values in rows if (code := _code_of(values))}
        names = {name for _, values in rows if (name := str(values.get("name_zh", "")).strip())}
        by_code = ({str(o.credit_code): o for o in await Organization.filter(credit_code__in=list(codes))}
                   if codes else {})
        by_name = ({o.name_zh: o for o in await Organization.filter(park_id=park.id, name_zh__in=list(names))}
                   if names else {})
        ids = {o.id for o in [*by_code.values(), *by_name.values()]}
        domains_of: dict[int, list[int]] = {}
        for link in await OrganizationDomain.filter(organization_id__in=list(ids)).order_by("domain_id") if ids else []:
            domains_of.setdefault(link.organization_id, []).append(link.domain_id)
        return cls(by_code, by_name, domains_of)


def _code_of(values: Mapping[str, str]) -> str | None:
    """The row's credit code as the check reads it (None when absent or malformed)."""
    return clean_credit_code(Checker({"credit_code": values.get("credit_code", "")}))


def _read_profile(values: Mapping[str, str]) -> tuple[Checker, dict[str, Any]]:
    """The profile's columns, read by the profile form's own rules; the kind may also be given by
    its Chinese name (KIND_NAMES)."""
    kind = _kind_value(values.get("kind", ""))
    check = Checker({**values, "kind": kind or ""})
    if kind is None:  # named before the generic "choose one of the options" can take its place
        check.fail("kind", _("Unknown kind of organization: %(kind)s.", kind=values.get("kind", "")))
    return check, profile_values(check, founded_not_after=clock.today())


def _admitted_on(check: Checker, domains: Mapping[str, int]) -> date | None:
    return clean_date(check, "admitted_on", not_after=clock.today(), within=IN_SERVICE)


def _term_months(check: Checker, domains: Mapping[str, int]) -> int | None:
    return check.integer("term_months", minimum=1, maximum=60)


def _credit_code(check: Checker, domains: Mapping[str, int]) -> str | None:
    return clean_credit_code(check)


def _domain_ids(check: Checker, domains: Mapping[str, int]) -> list[int]:
    """The ids of the named service domains (separated by 、 or a comma), each name known."""
    cell = check.data.get("domains", "").replace("，", "、").replace(",", "、")
    ids = []
    for name in (n.strip() for n in cell.split("、") if n.strip()):
        if name in domains:
            ids.append(domains[name])
        else:
            check.fail("domains", _("Unknown service domain: %(name)s.", name=name))
    return ids


# The import's own columns, after the profile's: column → its reader, which returns the clean
# value and records its errors on the row's Checker (a column shows its first error, so the order
# is part of what the preview says). A reader gets the park's service domains by name.
ColumnReader = Callable[[Checker, Mapping[str, int]], Any]
IMPORT_COLUMNS: tuple[tuple[str, ColumnReader], ...] = (
    ("credit_code", _credit_code),
    ("admitted_on", _admitted_on),
    ("term_months", _term_months),
    ("domains", _domain_ids),
)


def _match(park: Park, check: Checker, code: str | None, name_zh: str, known: Known) -> tuple[Organization | None, str]:
    """The organization the row updates: the credit code's (in this park only), else the name's."""
    if code:
        match = known.by_code.get(code)
        if match is not None and match.park_id == park.id:
            return match, "credit_code"
        if match is not None:
            check.fail("credit_code", _("This credit code belongs to an organization of another park."))
    return (known.by_name.get(name_zh) if name_zh else None), "name"


def _flag_repeated(check: Checker, code: str | None, name_zh: str, seen: Mapping[str, int]) -> None:
    """An organization an earlier row of the file already has (by credit code or name)."""
    for key in filter(None, [code, name_zh]):
        if key in seen:
            check.fail("name_zh", _("Row %(row)s already has this organization.", row=seen[key]))


def _new_resident_term(park: Park, check: Checker, admitted_on: date | None, term: int | None) -> int | None:
    """A new organization admitted on a date gets one of the park's terms, its longest by default."""
    if admitted_on is None:
        return term
    if term is None:
        term = park.agreement_terms[-1] if not check.raw("term_months") else None
    if term is not None and term not in park.agreement_terms:
        check.fail("term_months", _("This park's terms are %(terms)s months.",
                                    terms=list_separator().join(str(t) for t in park.agreement_terms)))
    return term


def _changes(match: Organization, values: Mapping[str, str], check: Checker, clean: Mapping[str, Any],
             domains: Mapping[str, int], known: Known) -> dict[str, list[str]]:
    """What the row changes in a known organization: [old, new] shown per field. An empty cell
    never blanks a field: only what the row says replaces what is stored."""
    changes: dict[str, list[str]] = {}
    for name in UPDATABLE:
        if not str(values.get(name, "")).strip() or name in check.errors:
            continue
        if _shown(clean[name]) != _shown(getattr(match, name)):
            changes[name] = [_shown(getattr(match, name)), _shown(clean[name])]
    wanted = sorted(set(clean["domains"]))
    current = known.domains_of.get(match.id, [])
    if wanted and current != wanted:
        by_id = {v: k for k, v in domains.items()}
        changes["domains"] = ["、".join(by_id.get(d, str(d)) for d in current),
                              "、".join(by_id.get(d, str(d)) for d in wanted)]
    return changes


def _check_row(park: Park, values: Mapping[str, str], domains: dict[str, int], seen: dict[str, int],
               known: Known) -> dict:
    """One row checked against the park: its errors, and whether it creates an organization or
    updates one (matched on the credit code, then on the name in this park) and how."""
    check, clean = _read_profile(values)
    for column, read in IMPORT_COLUMNS:
        clean[column] = read(check, domains)
    code, admitted_on, name_zh = clean["credit_code"], clean["admitted_on"], str(clean["name_zh"])
    match, matched_on = _match(park, check, code, name_zh, known)
    _flag_repeated(check, code, name_zh, seen)
    term = clean["term_months"]
    changes: dict[str, list[str]] = {}
    notes: list[str] = []
    if match is None:
        term = _new_resident_term(park, check, admitted_on, term)
    else:
        changes = _changes(match, values, check, clean, domains, known)
        if admitted_on is not None or term is not None:
            notes.append("admission_ignored")
    return {
        "values": dict(values), "errors": dict(check.errors), "domain_ids": sorted(set(clean["domains"])),
        "credit_code": code, "admitted_on": admitted_on.isoformat() if admitted_on and match is None else None,
        "term_months": term if match is None else None,
        "action": "update" if match else "create", "match_id": match.id if match else None,
        "match_name": match.name_zh if match else None, "matched_on": matched_on if match else None,
        "changes": changes, "notes": notes,
    }


async def _domain_names() -> dict[str, int]:
    names: dict[str, int] = {}
    for domain in await ServiceDomain.filter(is_active=True).order_by("-sort", "-id"):
        for name in (domain.code, domain.name_en, domain.name_zh):
            if name:
                names[name] = domain.id
    return names


async def _checked_in_every_language(park: Park, rows: list[tuple[int, dict[str, str]]]) -> list[dict]:
    """The rows checked, with their error messages kept in every interface language: the preview
    is stored, and whoever opens it reads the errors in their own language."""
    checked = await _check_rows(park, rows)
    by_locale = {current_locale(): [r["errors"] for r in checked]}
    for locale in LOCALES:
        if locale not in by_locale:
            token = set_locale(locale)
            try:
                by_locale[locale] = [r["errors"] for r in await _check_rows(park, rows)]
            finally:
                reset_locale(token)
    for index, row in enumerate(checked):
        row["errors_by_locale"] = {locale: errors[index] for locale, errors in by_locale.items()}
    return checked


async def _check_rows(park: Park, rows: list[tuple[int, dict[str, str]]]) -> list[dict]:
    domains = await _domain_names()
    known = await Known.of(park, rows)
    seen: dict[str, int] = {}
    checked = []
    for number, values in rows:
        result = _check_row(park, values, domains, seen, known)
        result["row"] = number
        checked.append(result)
        for key in filter(None, [result["credit_code"], values.get("name_zh", "")]):
            seen.setdefault(key, number)
    return checked


def may_confirm(principal: Principal, batch: ImportBatch) -> bool:
    """A preview is applied once, by someone who manages its park."""
    return batch.status == "preview" and principal.is_(Role.ADMIN, Role.MANAGER) and principal.manages(batch.park_id)


def _require_park(principal: Principal, park: Park) -> None:
    require_role(principal, Role.ADMIN, Role.MANAGER)
    if not principal.manages(park.id):
        raise PermissionDenied(_("You may import only into the parks you manage."))


async def preview(principal: Principal, park: Park, upload: object, settings: Settings) -> ImportBatch:
    """Reads and checks the file; writes nothing but the preview itself."""
    _require_park(principal, park)
    data, filename, _type = await read_checked(upload, ("xlsx", "csv"), settings.max_upload_bytes)
    rows = await _checked_in_every_language(park, _rows_as_dicts(read_table(data, filename)))
    return await ImportBatch.create(park_id=park.id, created_by_id=principal.id, created_at=datetime.now(UTC),
                                    filename=filename, rows=rows)


async def confirm(principal: Principal, batch: ImportBatch) -> dict[str, int]:
    """Writes every valid row in one transaction. The rows are checked again first: the
    database may have changed since the preview. New residents get their agreement and their
    park's review schedule, as an admission gives them; every change is audited and written on
    the organization's timeline."""
    park = await Park.get(id=batch.park_id)
    _require_park(principal, park)
    if batch.status != "preview":
        raise DomainError(_("This import has already been applied."))
    rows = await _checked_in_every_language(park, [(r["row"], r["values"]) for r in batch.rows])
    valid = [r for r in rows if not r["errors"]]
    now = datetime.now(UTC)
    summary = {"created": 0, "updated": 0, "skipped": len(rows) - len(valid)}
    async with events.transaction():
        claimed = await ImportBatch.filter(id=batch.id, status="preview").update(status="applied", applied_at=now)
        if not claimed:
            raise DomainError(_("This import has already been applied."))
        for row in valid:
            if row["match_id"]:
                summary["updated"] += await _update(principal, row, batch.filename, now)
            else:
                await _create(principal, park, row, batch.filename, now)
                summary["created"] += 1
        await ImportBatch.filter(id=batch.id).update(summary=summary, rows=rows)
    return summary


def _clean_values(row: dict) -> dict[str, Any]:
    check = Checker({**row["values"], "kind": _kind_value(row["values"].get("kind", "")) or ""})
    return profile_values(check, founded_not_after=clock.today())


async def _create(principal: Principal, park: Park, row: dict, filename: str, now: datetime) -> Organization:
    values = _clean_values(row)
    code = row["credit_code"]
    if code:
        values |= {"credit_code": code, "registration": Registration.REGISTERED}
    admitted_on = date.fromisoformat(row["admitted_on"]) if row["admitted_on"] else None
    stage = Stage.INCUBATING if admitted_on else Stage.APPLIED
    organization = await Organization.create(park_id=park.id, stage=stage, stage_changed_at=now, **values)
    if row["domain_ids"]:
        await set_domains(organization, row["domain_ids"])
    await audit.record(principal, "create", organization, audit.diff({}, audit.snapshot(organization, UPDATABLE)))
    note = {"note": "imported", "file": filename}
    if admitted_on is None:
        await StageChange.create(organization_id=organization.id, to_stage=stage, at=now, actor_id=principal.id,
                                 actor_name=str(principal.user), details=note)
        return organization
    term = int(row["term_months"])
    agreement = await Agreement.create(organization_id=organization.id, start_on=admitted_on, term_months=term,
                                       end_on=add_months(admitted_on, term), supports=[], signed_by_id=principal.id)
    await Organization.filter(id=organization.id).update(admitted_on=admitted_on, term_end_on=agreement.end_on,
                                                         updated_at=now)
    await StageChange.create(organization_id=organization.id, to_stage=stage, at=now, actor_id=principal.id,
                             actor_name=str(principal.user), details={**note, "term_months": term})
    await audit.record(principal, "create", agreement, audit.diff({}, {
        "start_on": agreement.start_on, "end_on": agreement.end_on, "term_months": term}),
        object_repr=f"{organization.name_zh}: {agreement.start_on.isoformat()}")
    # The reviews capability schedules the park's reviews, as on admission.
    events.emit(StageChanged(organization_id=organization.id, source="", target=stage.value))
    return organization


async def _update(principal: Principal, row: dict, filename: str, now: datetime) -> int:
    """Applies the row's non-empty cells that differ; returns 1 when anything changed."""
    if not row["changes"]:
        return 0
    organization = await Organization.get(id=row["match_id"])
    values = {name: value for name, value in _clean_values(row).items() if name in row["changes"]}
    if "credit_code" in row["changes"]:
        values |= {"credit_code": row["credit_code"], "registration": Registration.REGISTERED}
    if values:
        await audit.save_and_record(principal, organization, values, [*UPDATABLE, "registration"])
    if "domains" in row["changes"]:
        before = await set_domains(organization, row["domain_ids"])
        await audit.record(principal, "update", organization, {
            "domains": [await domain_names(before), await domain_names(row["domain_ids"])]})
    await StageChange.create(organization_id=organization.id, kind=TimelineKind.PROFILE,
                             from_stage=Stage(organization.stage).value, to_stage=Stage(organization.stage).value,
                             at=now, actor_id=principal.id, actor_name=str(principal.user),
                             details={"note": "import_updated", "file": filename, "changes": row["changes"]})
    return 1


def _kind_value(text: str) -> str | None:
    """The kind's code from a Chinese name, an English label or the code; blank means not
    registered yet; None when unknown."""
    text = text.strip()
    if not text:
        return OrganizationKind.UNREGISTERED.value
    kind = KIND_NAMES.get(text) or next((k for k, label in KIND_LABELS.items() if text in (k.value, label)), None)
    return kind.value if kind else None
