"""Rules for an organization's profile, registration track, stages and follow-ups.
Each public function is one transaction with its audit entry and, for stages, a timeline row."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from tortoise.exceptions import IntegrityError

from incubator import clock, events, uploads
from incubator.access import Principal, require_role
from incubator.audit import service as audit
from incubator.calendar.service import overrides as calendar_overrides
from incubator.config import Settings
from incubator.errors import DomainError, ValidationFailed
from incubator.i18n import gettext as _
from incubator.organizations import credit_code, graduation
from incubator.organizations.events import StageChanged
from incubator.organizations.models import (
    RESIDENT_STAGES,
    STAGE_LABELS,
    Agreement,
    Document,
    FollowUp,
    Organization,
    OrganizationDomain,
    OrganizationKind,
    Registration,
    ServiceDomain,
    SpaceAllocation,
    Stage,
    StageChange,
)
from incubator.roles import Role
from incubator.validation import Checker
from incubator.workdays import add_months, add_working_days

MOBILE = re.compile(r"^1[3-9]\d{9}$")
WEBSITE = re.compile(r"^https?://[^\s/$.?#].[^\s]*$", re.I)
HANDBACK_WORKING_DAYS = 15
FOLLOW_UP_MONTHS = (3, 6, 9, 12)

PROFILE_FIELDS = [
    "name_zh", "name_en", "kind", "description", "founded_on", "legal_representative", "contact_person",
    "mobile", "email", "website", "staff_count", "volunteer_count",
]
REGISTRATION_FIELDS = [
    "registration", "name_preapproval", "filing_number", "filing_authority", "filed_on", "credit_code",
    "registration_authority", "registered_on",
]


def today() -> date:
    return clock.today()


# ---- parsing helpers -------------------------------------------------------------------------


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


def clean_date(check: Checker, name: str, required: bool = False, not_after: date | None = None) -> date | None:
    raw = check.raw(name).replace("/", "-").replace(".", "-")
    if not raw:
        if required:
            check.fail(name, _("This field is required."))
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        check.fail(name, _("Enter a date as YYYY-MM-DD, for example 2026-03-01."))
        return None
    if not_after is not None and value > not_after:
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


async def clean_domains(check: Checker, domain_ids: Iterable[str]) -> list[int]:
    ids = check.ids("domain_ids", domain_ids)
    if ids and await ServiceDomain.filter(id__in=ids, is_active=True).count() != len(ids):
        check.fail("domain_ids", _("Choose one of the options."))
    return ids


def clean_profile(check: Checker) -> dict[str, object]:
    values: dict[str, object] = {
        "name_zh": check.text("name_zh", 150, required=True),
        "name_en": check.text("name_en", 200),
        "kind": check.choice("kind", OrganizationKind),
        "description": check.text("description", 5000),
        "founded_on": clean_date(check, "founded_on", not_after=today()),
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


async def set_domains(organization: Organization, ids: list[int]) -> list[int]:
    links = OrganizationDomain.filter(organization_id=organization.id)
    before = sorted(await links.values_list("domain_id", flat=True))
    if before != ids:
        await OrganizationDomain.filter(organization_id=organization.id).delete()
        await OrganizationDomain.bulk_create([OrganizationDomain(organization_id=organization.id, domain_id=d)
                                              for d in ids])
    return before


async def domain_names(ids: list[int]) -> list[str]:
    """Service domains by name, as the audit trail keeps them (ids mean nothing to a reader)."""
    names = dict(await ServiceDomain.filter(id__in=ids).values_list("id", "name_zh"))
    return [names.get(i, str(i)) for i in ids]


def _name_taken() -> ValidationFailed:
    return ValidationFailed({"name_zh": _("Another organization in this park already has this name.")})


# ---- profile --------------------------------------------------------------------------------


async def update_profile(
    principal: Principal, organization: Organization, data: Mapping[str, str], domain_ids: Iterable[str]
) -> Organization:
    """Members of the organization and its park's managers; the caller fetched it through the
    change scope."""
    check = Checker(data)
    values = clean_profile(check)
    ids = await clean_domains(check, domain_ids)
    name = values["name_zh"]
    if name and await Organization.filter(park_id=organization.park_id, name_zh=name).exclude(
            id=organization.id).exists():
        check.fail("name_zh", _("Another organization in this park already has this name."))
    check.done()
    try:
        async with events.transaction():
            before_domains = await set_domains(organization, ids)
            await audit.save_and_record(principal, organization, values, PROFILE_FIELDS)
            if before_domains != ids:
                await audit.record(principal, "update", organization, {
                    "domains": [await domain_names(before_domains), await domain_names(ids)]})
    except IntegrityError:
        raise _name_taken() from None
    return organization


# ---- registration track ------------------------------------------------------------------------


async def update_registration(principal: Principal, organization: Organization, data: Mapping[str, str]) -> None:
    """Managers and administrators record (and correct) the legal registration track."""
    require_role(principal, Role.ADMIN, Role.MANAGER)
    check = Checker(data)
    status = check.choice("registration", Registration)
    values: dict[str, object] = {"registration": status}
    values["name_preapproval"] = check.text("name_preapproval", 100)
    filed = status in (Registration.FILED,)
    registered = status == Registration.REGISTERED
    values["filing_number"] = check.text("filing_number", 60, required=filed)
    values["filing_authority"] = check.text("filing_authority", 100, required=filed)
    values["filed_on"] = clean_date(check, "filed_on", required=filed, not_after=today())
    code = clean_credit_code(check, required=registered)
    values["credit_code"] = code
    values["registration_authority"] = check.text("registration_authority", 100, required=registered)
    values["registered_on"] = clean_date(check, "registered_on", required=registered, not_after=today())
    if code and await Organization.filter(credit_code=code).exclude(id=organization.id).exists():
        check.fail("credit_code", _("Another organization already has this credit code."))
    check.done()
    try:
        async with events.transaction():
            await audit.save_and_record(principal, organization, values, REGISTRATION_FIELDS)
    except IntegrityError:
        raise ValidationFailed({"credit_code": _("Another organization already has this credit code.")}) from None


async def registration_overdue(organizations: Iterable[Organization], on: date | None = None) -> list[Organization]:
    """Admitted organizations still unregistered after their park's number of months.
    The caller passes candidates with `park` fetched (one query, whatever their number)."""
    on = on or today()
    return [
        org for org in organizations
        if org.stage in RESIDENT_STAGES and org.registration != Registration.REGISTERED and org.admitted_on
        and add_months(org.admitted_on, org.park.registration_due_months) <= on
    ]


# ---- stages ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    source: frozenset[Stage]
    target: Stage
    reason_required: bool = False


# Moves a manager makes on the organization page. Admission and rejection go through the
# admission review (admission.py), which also signs the agreement.
TRANSITIONS = {
    Stage.SCREENING: Transition(frozenset({Stage.APPLIED}), Stage.SCREENING),
    Stage.INCUBATING: Transition(frozenset({Stage.ADMITTED, Stage.MIDTERM_REVIEW, Stage.GRADUATION_REVIEW}),
                                 Stage.INCUBATING),
    Stage.MIDTERM_REVIEW: Transition(frozenset({Stage.INCUBATING, Stage.EXTENDED}), Stage.MIDTERM_REVIEW),
    Stage.GRADUATION_REVIEW: Transition(
        frozenset({Stage.INCUBATING, Stage.MIDTERM_REVIEW, Stage.EXTENDED}), Stage.GRADUATION_REVIEW),
    Stage.GRADUATED: Transition(frozenset({Stage.GRADUATION_REVIEW}), Stage.GRADUATED),
    Stage.EXTENDED: Transition(
        frozenset({Stage.INCUBATING, Stage.MIDTERM_REVIEW, Stage.GRADUATION_REVIEW, Stage.EXTENDED}),
        Stage.EXTENDED, reason_required=True),
    Stage.EXITED: Transition(frozenset(RESIDENT_STAGES), Stage.EXITED, reason_required=True),
}


def available_transitions(organization: Organization) -> list[Stage]:
    return [target for target, t in TRANSITIONS.items() if Stage(organization.stage) in t.source]


async def record_stage(
    principal: Principal | None, organization: Organization, source: Stage, target: Stage,
    reason: str = "", details: dict | None = None, **fields: object,
) -> None:
    """Moves the organization from `source` to `target` if nobody moved it meanwhile (a
    conditional UPDATE: the database decides between two managers acting at once), and keeps
    the change on the timeline and in the audit trail. Runs inside the caller's transaction."""
    now = datetime.now(UTC)
    moved = await Organization.filter(id=organization.id, stage=source).update(
        stage=target, stage_changed_at=now, **fields)
    if not moved:
        raise DomainError(_("Someone changed this organization's stage meanwhile. Reload the page and try again."))
    user = principal.user if principal is not None else None
    await StageChange.create(
        organization_id=organization.id, from_stage=source.value if source else "", to_stage=target.value,
        actor_id=user.id if user else None, actor_name=str(user) if user else "system", at=now,
        reason=reason, details=details or {},
    )
    await audit.record(principal, "update", organization,
                       {"stage": [source.value if source else None, target.value],
                        **({"reason": [None, reason]} if reason else {})})
    organization.stage = target
    for name, value in fields.items():
        setattr(organization, name, value)
    # Other capabilities react after commit: reviews are scheduled, moved or cancelled.
    events.emit(StageChanged(organization_id=organization.id, source=source.value if source else "",
                             target=target.value))


async def change_stage(principal: Principal, organization: Organization, target: str, data: Mapping[str, str]) -> None:
    """The caller fetched `organization` through the change scope; only managers and
    administrators move stages."""
    require_role(principal, Role.ADMIN, Role.MANAGER)
    try:
        stage = Stage(target)
    except ValueError:
        raise DomainError(_("Choose one of the options.")) from None
    transition = TRANSITIONS.get(stage)
    current = Stage(organization.stage)
    if transition is None or current not in transition.source:
        raise DomainError(_("An organization cannot move from %(source)s to %(target)s.",
                            source=_(STAGE_LABELS[current]), target=_(STAGE_LABELS[stage])))
    check = Checker(data)
    reason = check.text("reason", 2000, required=transition.reason_required)
    fields: dict[str, object] = {}
    details: dict[str, object] = {}
    agreement = await Agreement.filter(organization_id=organization.id, ended_on__isnull=True).first()
    if stage == Stage.INCUBATING and agreement is None:
        check.fail("__all__", _("Sign the incubation agreement (admit the organization) first."))
    if stage == Stage.EXTENDED:
        new_end = clean_date(check, "new_end_on", required=True)
        current_end = organization.term_end_on or (agreement.end_on if agreement else None)
        if new_end and current_end and new_end <= current_end:
            check.fail("new_end_on", _("The new end date must be after the current one (%(date)s).",
                                       date=current_end.isoformat()))
        fields["term_end_on"] = new_end
        details = {"old_end_on": current_end.isoformat() if current_end else None,
                   "new_end_on": new_end.isoformat() if new_end else None}
    if stage == Stage.GRADUATED:
        missing = await graduation.unmet(organization)
        if missing:
            check.fail("__all__", _("Not all graduation criteria are met: %(items)s",
                                    items="; ".join(c.label for c in missing)))
    check.done()
    day = today()
    if stage == Stage.GRADUATED:
        fields["graduated_on"] = day
    if stage == Stage.EXITED:
        fields["exited_on"] = day
        fields["handback_deadline"] = add_working_days(day, HANDBACK_WORKING_DAYS, await calendar_overrides())
        details = {"handback_deadline": fields["handback_deadline"].isoformat()}  # type: ignore[union-attr]
    async with events.transaction():
        await record_stage(principal, organization, current, stage, reason, details, **fields)
        if stage == Stage.EXTENDED and agreement is not None:
            await Agreement.filter(id=agreement.id).update(end_on=fields["term_end_on"])
        if stage in (Stage.GRADUATED, Stage.EXITED) and agreement is not None:
            await Agreement.filter(id=agreement.id).update(ended_on=day)
            await SpaceAllocation.filter(agreement_id=agreement.id, released_on__isnull=True).update(released_on=day)
        if stage == Stage.GRADUATED:
            await FollowUp.bulk_create([
                FollowUp(organization_id=organization.id, due_on=add_months(day, months))
                for months in FOLLOW_UP_MONTHS
            ])


# ---- follow-ups ------------------------------------------------------------------------------


async def record_follow_up(principal: Principal, follow_up: FollowUp, data: Mapping[str, str]) -> None:
    require_role(principal, Role.ADMIN, Role.MANAGER)
    check = Checker(data)
    notes = check.text("notes", 5000, required=True)
    done_on = clean_date(check, "done_on", not_after=today()) or today()
    check.done()
    async with events.transaction():
        await audit.save_and_record(principal, follow_up, {"notes": notes, "done_on": done_on,
                                                           "recorded_by_id": principal.id},
                                    ["notes", "done_on"])


# ---- documents -------------------------------------------------------------------------------


async def add_document(principal: Principal, organization: Organization, title: str, upload: object,
                       settings: Settings, review_id: int | None = None) -> Document:
    """Members of the organization and its park's managers attach agreement scans, certificates…"""
    check = Checker({"title": title})
    clean_title = check.text("title", 150)
    check.done()
    stored = await uploads.store(upload, settings)
    try:
        async with events.transaction():
            document = await Document.create(
                organization_id=organization.id, title=clean_title or stored.filename, filename=stored.filename,
                content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
                storage_name=stored.storage_name, uploaded_by_id=principal.id, uploaded_at=datetime.now(UTC),
                review_id=review_id)
            await audit.record(principal, "create", document, {"filename": [None, stored.filename],
                                                               "sha256": [None, stored.sha256]},
                               object_repr=f"{organization.name_zh}: {document.title}")
    except Exception:
        stored.path.unlink(missing_ok=True)  # nothing half-written stays behind
        raise
    return document


# ---- service domains -------------------------------------------------------------------------


async def create_domain(principal: Principal, data: Mapping[str, str]) -> ServiceDomain:
    require_role(principal, Role.ADMIN)
    check = Checker(data)
    name_zh = check.text("name_zh", 60, required=True)
    name_en = check.text("name_en", 80)
    code = re.sub(r"[^a-z0-9_]+", "_", (name_en or "").lower()).strip("_") or f"domain_{secrets.token_hex(3)}"
    if name_zh and await ServiceDomain.filter(name_zh=name_zh).exists():
        check.fail("name_zh", _("This service domain already exists."))
    check.done()
    if await ServiceDomain.filter(code=code).exists():
        code = f"{code}_{secrets.token_hex(3)}"
    async with events.transaction():
        last = await ServiceDomain.all().order_by("-sort").first()
        domain = await ServiceDomain.create(code=code, name_zh=name_zh, name_en=name_en,
                                            sort=(last.sort + 10) if last else 10)
        await audit.record(principal, "create", domain, {"name_zh": [None, name_zh], "name_en": [None, name_en]})
    return domain
