"""Rules for an organization's profile, registration track, stages and follow-ups.
Each public function is one transaction with its audit entry and, for stages, a timeline row.

Services take typed commands (`commands.py`), never request data, and say what a principal may
do with an organization now (`organization_actions`, `stage_targets`), so no page repeats a rule."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from incubator import clock, db, events, uploads
from incubator.access import Principal, require_role
from incubator.audit import service as audit
from incubator.calendar.service import overrides as calendar_overrides
from incubator.config import Settings
from incubator.errors import DomainError, ValidationFailed
from incubator.i18n import gettext as _
from incubator.organizations import credit_code, graduation
from incubator.organizations.commands import (
    PROFILE_COLUMNS,
    ChangeStage,
    CreateDomain,
    Profile,
    RecordFollowUp,
    UpdateRegistration,
)
from incubator.organizations.events import StageChanged
from incubator.organizations.models import (
    RESIDENT_STAGES,
    STAGE_LABELS,
    Agreement,
    Document,
    FollowUp,
    Organization,
    OrganizationDomain,
    Registration,
    ServiceDomain,
    SpaceAllocation,
    Stage,
    StageChange,
)
from incubator.parks.models import Park
from incubator.roles import Role
from incubator.workdays import add_months, add_working_days

HANDBACK_WORKING_DAYS = 15
FOLLOW_UP_MONTHS = (3, 6, 9, 12)

PROFILE_FIELDS = list(PROFILE_COLUMNS)
REGISTRATION_FIELDS = [
    "registration", "name_preapproval", "filing_number", "filing_authority", "filed_on", "credit_code",
    "registration_authority", "registered_on",
]


# ---- checks the forms cannot make: they need the database or today's date --------------------


def _not_in_future(errors: dict[str, str], field: str, value: date | None) -> None:
    if value is not None and value > clock.today():
        errors[field] = _("This date is in the future.")


def credit_code_problem(code: str | None) -> str | None:
    """A command from JSON carries the code as sent: its check character is checked here too."""
    if code is None:
        return None
    try:
        credit_code.parse(code)
    except credit_code.CreditCodeError as exc:
        return exc.message
    return None


async def check_domains(errors: dict[str, str], ids: Iterable[int]) -> list[int]:
    """The chosen service domains, sorted and distinct; each must be an active one."""
    chosen = sorted(set(ids))
    if chosen and await ServiceDomain.filter(id__in=chosen, is_active=True).count() != len(chosen):
        errors["domain_ids"] = _("Choose one of the options.")
    return chosen


def check_profile(errors: dict[str, str], command: Profile) -> None:
    _not_in_future(errors, "founded_on", command.founded_on)


async def set_domains(organization: Organization, ids: list[int]) -> list[int]:
    links = OrganizationDomain.filter(organization_id=organization.id)
    before: list[int] = sorted(await db.flat(links.values_list("domain_id", flat=True)))
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


async def update_profile(principal: Principal, organization: Organization, command: Profile) -> Organization:
    """Members of the organization and its park's managers; the caller fetched it through the
    change scope."""
    errors: dict[str, str] = {}
    check_profile(errors, command)
    ids = await check_domains(errors, command.domain_ids)
    if await Organization.filter(park_id=organization.park_id, name_zh=command.name_zh).exclude(
            id=organization.id).exists():
        errors["name_zh"] = _("Another organization in this park already has this name.")
    if errors:
        raise ValidationFailed(errors)
    try:
        async with events.transaction():
            before_domains = await set_domains(organization, ids)
            await audit.save_and_record(principal, organization, command.values(), PROFILE_FIELDS)
            if before_domains != ids:
                await audit.record(principal, "update", organization, {
                    "domains": [await domain_names(before_domains), await domain_names(ids)]})
    except IntegrityError:
        raise _name_taken() from None
    return organization


# ---- registration track ------------------------------------------------------------------------


async def update_registration(principal: Principal, organization: Organization,
                              command: UpdateRegistration) -> None:
    """Managers and administrators record (and correct) the legal registration track."""
    require_role(principal, Role.ADMIN, Role.MANAGER)
    errors: dict[str, str] = {}
    filed = command.registration == Registration.FILED
    registered = command.registration == Registration.REGISTERED
    required = {"filing_number": filed, "filing_authority": filed, "filed_on": filed,
                "registration_authority": registered, "registered_on": registered}
    for name, needed in required.items():
        if needed and not getattr(command, name):
            errors[name] = _("This field is required.")
    _not_in_future(errors, "filed_on", command.filed_on)
    _not_in_future(errors, "registered_on", command.registered_on)
    code = command.credit_code
    if registered and not code:
        errors["credit_code"] = _("Enter the 18-character unified social credit code.")
    elif problem := credit_code_problem(code):
        errors["credit_code"] = problem
    elif code and await Organization.filter(credit_code=code).exclude(id=organization.id).exists():
        errors["credit_code"] = _("Another organization already has this credit code.")
    if errors:
        raise ValidationFailed(errors)
    values = {name: getattr(command, name) for name in REGISTRATION_FIELDS}
    try:
        async with events.transaction():
            await audit.save_and_record(principal, organization, values, REGISTRATION_FIELDS)
    except IntegrityError:
        raise ValidationFailed({"credit_code": _("Another organization already has this credit code.")}) from None


def matching(search: str) -> Q:
    """Organizations whose name (either language) or credit code holds `search`: what a search box
    for organizations means, on the list and wherever one is chosen."""
    return Q(name_zh__icontains=search) | Q(name_en__icontains=search) | Q(credit_code__icontains=search.upper())


def in_domain(domain_id: int) -> Subquery:
    """The ids of a service domain's organizations, for `id__in` (or `organization_id__in`): a
    semi-join, without a DISTINCT over the organizations joined to their domains."""
    return Subquery(OrganizationDomain.filter(domain_id=domain_id).values("organization_id"))


async def registration_overdue(organizations: QuerySet[Organization], on: date | None = None
                               ) -> QuerySet[Organization]:
    """`organizations` narrowed to the admitted ones still unregistered after their park's number
    of months, in SQL (a list pages them, the flag job reads them whatever their number): each
    park's months give a latest admission date, and one condition per distinct number of months."""
    on = on or clock.today()
    parks_by_months: dict[int, list[int]] = {}
    for park_id, months in await Park.all().values_list("id", "registration_due_months"):
        parks_by_months.setdefault(months, []).append(park_id)
    late = [Q(park_id__in=park_ids, admitted_on__lte=registration_cutoff(months, on))
            for months, park_ids in parks_by_months.items()]
    if not late:
        return organizations.filter(id__in=[])
    return organizations.filter(Q(*late, join_type="OR"), stage__in=list(RESIDENT_STAGES),
                                admitted_on__isnull=False).exclude(registration=Registration.REGISTERED)


def registration_late(admitted_on: date, due_months: int, on: date) -> bool:
    """The rule: registration is late once `due_months` have passed since admission."""
    return add_months(admitted_on, due_months) <= on


def registration_cutoff(due_months: int, on: date) -> date:
    """The latest admission date whose registration is late on `on`. `add_months` never goes back
    as the date moves forward, so `registration_late(d, due_months, on)` holds exactly for the
    dates d up to this one (the end-of-month clamping makes several dates share a deadline)."""
    day = add_months(on, -due_months)
    while registration_late(day + timedelta(days=1), due_months, on):
        day += timedelta(days=1)
    while not registration_late(day, due_months, on):
        day -= timedelta(days=1)
    return day


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


# Where the admission review decides (admission.py).
DECIDABLE_STAGES = frozenset({Stage.APPLIED, Stage.SCREENING})


# ---- what a principal may do ------------------------------------------------------------------


def may_change(principal: Principal, organization: Organization) -> bool:
    """Members change their own organization, managers their parks' (as rules.change_organizations
    allows; officials read only)."""
    return principal.manages(organization.park_id) or (
        principal.is_(Role.MEMBER) and principal.organization_id == organization.id)


def stage_targets(principal: Principal, organization: Organization) -> list[Stage]:
    """The stages the principal may move the organization to now, in the path's order."""
    return available_transitions(organization) if principal.manages(organization.park_id) else []


def organization_actions(principal: Principal, organization: Organization) -> frozenset[str]:
    """What `principal` may do with `organization` now: edit_profile, upload_document,
    edit_registration, change_stage (to `stage_targets`), decide_admission, record_follow_up,
    read_application."""
    actions = set()
    if may_change(principal, organization):
        actions |= {"edit_profile", "upload_document"}
    if principal.manages(organization.park_id):
        actions |= {"edit_registration", "change_stage", "record_follow_up", "read_application"}
        if Stage(organization.stage) in DECIDABLE_STAGES:
            actions.add("decide_admission")
    return frozenset(actions)


def list_actions(principal: Principal) -> frozenset[str]:
    """What the organization list offers: import from a spreadsheet, manage the service domains."""
    actions = set()
    if principal.is_(Role.ADMIN, Role.MANAGER):
        actions.add("import")
    if principal.is_(Role.ADMIN):
        actions.add("manage_domains")
    return frozenset(actions)


async def record_stage(
    principal: Principal | None, organization: Organization, source: Stage, target: Stage,
    reason: str = "", details: dict | None = None, *, unchanged: dict[str, object] | None = None,
    **fields: object,
) -> None:
    """Moves the organization from `source` to `target` if nobody moved it meanwhile (a
    conditional UPDATE: the database decides between two managers acting at once), and keeps
    the change on the timeline and in the audit trail. Runs inside the caller's transaction.
    `unchanged`: further columns that must still hold what the caller read (a move from a stage
    to itself, such as a second extension, is otherwise indistinguishable from none)."""
    now = datetime.now(UTC)
    # A queryset's update() sets no auto-now column: updated_at is written here (the data API's
    # updated_since reads it).
    moved = await Organization.filter(id=organization.id, stage=source, **(unchanged or {})).update(
        stage=target, stage_changed_at=now, updated_at=now, **fields)
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


async def change_stage(principal: Principal, organization: Organization, command: ChangeStage) -> None:
    """The caller fetched `organization` through the change scope; only managers and
    administrators move stages."""
    require_role(principal, Role.ADMIN, Role.MANAGER)
    stage = command.target
    transition = TRANSITIONS.get(stage)
    current = Stage(organization.stage)
    if transition is None or current not in transition.source:
        raise DomainError(_("An organization cannot move from %(source)s to %(target)s.",
                            source=_(STAGE_LABELS[current]), target=_(STAGE_LABELS[stage])))
    errors: dict[str, str] = {}
    reason = command.reason.strip()
    if transition.reason_required and not reason:
        errors["reason"] = _("This field is required.")
    fields: dict[str, object] = {}
    details: dict[str, object] = {}
    agreement = await Agreement.filter(organization_id=organization.id, ended_on__isnull=True).first()
    if stage == Stage.INCUBATING and agreement is None:
        errors.setdefault("__all__", _("Sign the incubation agreement (admit the organization) first."))
    if stage == Stage.EXTENDED:
        new_end = command.new_end_on
        current_end = organization.term_end_on or (agreement.end_on if agreement else None)
        if new_end is None:
            errors["new_end_on"] = _("This field is required.")
        elif current_end and new_end <= current_end:
            errors["new_end_on"] = _("The new end date must be after the current one (%(date)s).",
                                     date=current_end.isoformat())
        fields["term_end_on"] = new_end
        details = {"old_end_on": current_end.isoformat() if current_end else None,
                   "new_end_on": new_end.isoformat() if new_end else None}
    if stage == Stage.GRADUATED:
        missing = await graduation.unmet(organization)
        if missing:
            errors.setdefault("__all__", _("Not all graduation criteria are met: %(items)s",
                                           items="; ".join(c.label for c in missing)))
    if errors:
        raise ValidationFailed(errors)
    day = clock.today()
    if stage == Stage.GRADUATED:
        fields["graduated_on"] = day
    if stage == Stage.EXITED:
        fields["exited_on"] = day
        handback = add_working_days(day, HANDBACK_WORKING_DAYS, await calendar_overrides())
        fields["handback_deadline"] = handback
        details = {"handback_deadline": handback.isoformat()}
    # Two managers extending at once: only the one whose term end is still the stored one extends.
    unchanged: dict[str, object] = {}
    if stage == Stage.EXTENDED:
        unchanged = ({"term_end_on": organization.term_end_on} if organization.term_end_on
                     else {"term_end_on__isnull": True})
    async with events.transaction():
        await record_stage(principal, organization, current, stage, reason, details, unchanged=unchanged,
                           **fields)
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


async def record_follow_up(principal: Principal, follow_up: FollowUp, command: RecordFollowUp) -> None:
    require_role(principal, Role.ADMIN, Role.MANAGER)
    errors: dict[str, str] = {}
    if not command.notes.strip():
        errors["notes"] = _("This field is required.")
    _not_in_future(errors, "done_on", command.done_on)
    if errors:
        raise ValidationFailed(errors)
    async with events.transaction():
        values = {"notes": command.notes, "done_on": command.done_on or clock.today(), "recorded_by_id": principal.id}
        await audit.save_and_record(principal, follow_up, values, ["notes", "done_on"])


# ---- documents -------------------------------------------------------------------------------


async def add_document(principal: Principal, organization: Organization, title: str, upload: object,
                       settings: Settings, review_id: int | None = None) -> Document:
    """Members of the organization and its park's managers attach agreement scans, certificates…"""
    clean_title = uploads.title_of(title)
    async with uploads.kept(upload, settings) as stored, events.transaction():
        document = await Document.create(
            organization_id=organization.id, title=clean_title or stored.filename, uploaded_by_id=principal.id,
            uploaded_at=datetime.now(UTC), review_id=review_id, **stored.columns)
        await audit.record(principal, "create", document, {"filename": [None, stored.filename],
                                                           "sha256": [None, stored.sha256]},
                           object_repr=f"{organization.name_zh}: {document.title}")
    return document


# ---- service domains -------------------------------------------------------------------------


async def create_domain(principal: Principal, command: CreateDomain) -> ServiceDomain:
    require_role(principal, Role.ADMIN)
    name_zh, name_en = command.name_zh, command.name_en
    if await ServiceDomain.filter(name_zh=name_zh).exists():
        raise ValidationFailed({"name_zh": _("This service domain already exists.")})
    # The code is made from the English name, cut to leave room for the suffix a taken code gets.
    code_room = ServiceDomain._meta.fields_map["code"].max_length - len("_123abc")  # type: ignore[attr-defined]
    code = (re.sub(r"[^a-z0-9_]+", "_", (name_en or "").lower())[:code_room].strip("_")
            or f"domain_{secrets.token_hex(3)}")
    if await ServiceDomain.filter(code=code).exists():
        code = f"{code}_{secrets.token_hex(3)}"
    try:
        async with events.transaction():
            last = await ServiceDomain.all().order_by("-sort").first()
            domain = await ServiceDomain.create(code=code, name_zh=name_zh, name_en=name_en,
                                                sort=(last.sort + 10) if last else 10)
            await audit.record(principal, "create", domain, {"name_zh": [None, name_zh], "name_en": [None, name_en]})
    except IntegrityError:
        # Another administrator added it at the same moment (uq_service_domain_name, or the code).
        raise ValidationFailed({"name_zh": _("This service domain already exists.")}) from None
    return domain
