"""Applying to a park (public), the admission review, and the incubation agreement."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tortoise.exceptions import IntegrityError

from incubator import db, events
from incubator.access import Principal, require_role
from incubator.audit import service as audit
from incubator.auth.models import ParkManager
from incubator.errors import Conflict, DomainError, Throttled, ValidationFailed
from incubator.i18n import gettext as _
from incubator.i18n import list_separator
from incubator.organizations.commands import Apply, DecideAdmission, SaveCriteria
from incubator.organizations.models import (
    AdmissionCriterion,
    AdmissionReview,
    Agreement,
    Application,
    Organization,
    OrganizationDomain,
    Registration,
    SpaceAllocation,
    Stage,
    StageChange,
)
from incubator.organizations.service import (
    DECIDABLE_STAGES,
    PROFILE_FIELDS,
    check_domains,
    check_profile,
    credit_code_problem,
    record_stage,
)
from incubator.parks.events import ParkCreated
from incubator.parks.models import Park, Space, SpaceKind
from incubator.roles import Role
from incubator.workdays import add_months

REFERENCE = re.compile(r"[A-Za-z0-9_-]{8,40}")
# A public form: one address may send this many applications an hour.
APPLICATIONS_PER_HOUR = 5
DEFAULT_CRITERIA = [
    ("社会需求与服务定位", "Social need and service focus", 30),
    ("团队与内部治理", "Team and internal governance", 25),
    ("项目可行性", "Feasibility of the plan", 25),
    ("发展潜力", "Potential to grow", 20),
]
DESK_KINDS = (SpaceKind.DESK, SpaceKind.OFFICE)


class TooManyApplications(Throttled):
    """Too many applications from one network in the last hour."""


class LikelyDuplicate(DomainError):
    """The form asks the applicant to confirm; `matches` names what looks the same."""

    def __init__(self, matches: list[str]) -> None:
        super().__init__(_("This looks like an organization the park already knows: %(names)s. "
                           "If it is a different one, tick the box and send again.",
                           names=list_separator().join(matches)),
                         field="confirm_duplicate")
        self.matches = matches


def _core_name(name: str) -> str:
    # 太湖邻里志愿者协会（筹） and 太湖邻里 志愿者协会 are the same group for a duplicate warning.
    name = re.sub(r"[（(][^）)]*[）)]", "", name)
    return re.sub(r"[\s·・,，.。\-—_]", "", name).lower()


async def _similar_names(park: Park, name: str) -> list[str]:
    core = _core_name(name)
    if len(core) < 2:
        return []
    names: list[str] = await db.flat(Organization.filter(park_id=park.id).values_list("name_zh", flat=True))
    return [n for n in names if _core_name(n) and (core in _core_name(n) or _core_name(n) in core)]


@dataclass(frozen=True)
class Submitted:
    organization: Organization
    reference: str


def accepts_applications(park: Park) -> bool:
    """Whether a group may apply to this park now (its public form, the sign-in page's list)."""
    return park.is_active and park.accepts_applications


async def submit_application(park: Park, command: Apply, *, address: str) -> Submitted:
    """The public application form of one park (no account needed); `address` is the sender's
    network address, for throttling."""
    if not accepts_applications(park):
        raise DomainError(_("This park is not accepting applications at the moment."))
    now = datetime.now(UTC)
    recent = await Application.filter(address=address, submitted_at__gte=now - timedelta(hours=1)).count()
    if address and recent >= APPLICATIONS_PER_HOUR:
        raise TooManyApplications(_("Too many applications from your network in the last hour. Try again later."))

    errors: dict[str, str] = {}
    check_profile(errors, command)
    ids = await check_domains(errors, command.domain_ids)
    code = command.credit_code
    name = command.name_zh
    if await Organization.filter(park_id=park.id, name_zh=name).exists():
        errors["name_zh"] = _("This park already has an application or resident organization with this name. "
                              "Contact the park if you applied before.")
    if problem := credit_code_problem(code):
        errors["credit_code"] = problem
    elif code and (other := await Organization.get_or_none(credit_code=code).select_related("park")):
        errors["credit_code"] = _("An organization with this credit code is already known to %(park)s. "
                                  "Contact that park.", park=other.park.name_zh)
    if errors:
        raise ValidationFailed(errors)
    similar = await _similar_names(park, name)
    if similar and not command.confirm_duplicate:
        raise LikelyDuplicate(similar)

    reference = secrets.token_urlsafe(12)
    registration = Registration.REGISTERED if code else Registration.UNREGISTERED
    chosen = [s.value for s in command.supports]
    try:
        async with events.transaction():
            organization = await Organization.create(
                park_id=park.id, stage=Stage.APPLIED, stage_changed_at=now, credit_code=code,
                registration=registration, **command.values())
            await OrganizationDomain.bulk_create(
                [OrganizationDomain(organization_id=organization.id, domain_id=d) for d in ids])
            await Application.create(
                organization_id=organization.id, reference=reference, name_zh=name, plan=command.plan,
                supports=chosen, submitted_at=now, address=address[:64], duplicate_of="、".join(similar)[:300])
            await StageChange.create(organization_id=organization.id, to_stage=Stage.APPLIED, at=now,
                                     actor_name=command.contact_person,
                                     details={"note": "application_received"})
            await audit.record(None, "create", organization,
                               audit.diff({}, audit.snapshot(organization, PROFILE_FIELDS)))
            await _tell_the_managers(park, organization)
    except IntegrityError:
        # Two submissions of the same group raced; the unique constraints kept one.
        raise ValidationFailed({"name_zh": _("This park already has an application or resident organization "
                                             "with this name. Contact the park if you applied before.")}) from None
    return Submitted(organization, reference)


@dataclass(frozen=True)
class Receipt:
    """What the applicant's status page shows: the application, and why it was rejected if it was."""

    application: Application  # `organization__park` fetched
    rejection: StageChange | None


async def receipt(reference: str) -> Receipt | None:
    """The application with this reference (what token_urlsafe(12) makes; nothing else is looked up)."""
    if not REFERENCE.fullmatch(reference):
        return None
    application = await Application.get_or_none(reference=reference).select_related("organization__park")
    if application is None:
        return None
    rejection = None
    if application.organization.stage == Stage.REJECTED:
        rejection = await StageChange.filter(organization_id=application.organization_id,
                                             to_stage=Stage.REJECTED).first()
    return Receipt(application, rejection)


async def _tell_the_managers(park: Park, organization: Organization) -> None:
    """A new application lands in the inboxes of the park's managers (inside the transaction)."""
    from incubator.notifications import service as notifications

    managers: list[int] = await db.flat(
        ParkManager.filter(park_id=park.id, user__is_active=True).values_list("user_id", flat=True))
    await notifications.notify_many(managers, "application_received", f"/organizations/{organization.id}", {
        "organization": organization.name_zh, "organization_en": organization.name_en,
        "park": park.name_zh, "park_en": park.name_en})


# ---- admission review ------------------------------------------------------------------------


async def criteria_for(park: Park) -> list[AdmissionCriterion]:
    """The park's scorecard (read only: pages never write)."""
    return await AdmissionCriterion.filter(park_id=park.id).order_by("sort", "id")


def default_criteria(park_id: int) -> list[AdmissionCriterion]:
    """The default scorecard, unsaved: what a park starts with, and what its scorecard page offers
    a park that has none."""
    return [AdmissionCriterion(park_id=park_id, name_zh=zh, name_en=en, weight=weight, max_score=10, sort=i)
            for i, (zh, en, weight) in enumerate(DEFAULT_CRITERIA)]


async def ensure_criteria(park_id: int) -> list[AdmissionCriterion]:
    """The park's scorecard, seeded from the defaults if it has none: when a park is created (the
    ParkCreated subscription; migration 0011 did it for older parks)."""
    async with events.transaction():
        if not await AdmissionCriterion.filter(park_id=park_id).exists():
            await AdmissionCriterion.bulk_create(default_criteria(park_id))
    return await AdmissionCriterion.filter(park_id=park_id).order_by("sort", "id")


async def on_park_created(event: ParkCreated) -> None:
    await ensure_criteria(event.park_id)


def weighted_score(scores: list[dict]) -> Decimal:
    total_weight = sum(item["weight"] for item in scores)
    if not total_weight:
        return Decimal("0.0")
    value = sum(Decimal(item["score"]) / Decimal(item["max"]) * item["weight"] for item in scores)
    return (value / total_weight * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


async def free_desks(park: Park) -> list[Space]:
    """Desks and offices of the park that nobody holds now."""
    taken = SpaceAllocation.filter(released_on__isnull=True).values_list("space_id", flat=True)
    return await Space.filter(park_id=park.id, kind__in=list(DESK_KINDS), is_active=True).exclude(
        id__in=await taken).order_by("kind", "name")


async def decide_admission(
    principal: Principal, organization: Organization, command: DecideAdmission,
    form_errors: Mapping[str, str] | None = None,
) -> AdmissionReview:
    """Records the admission review. Admitting signs the agreement and allocates the desk in the
    same transaction; the database refuses a desk that someone else took meanwhile. `form_errors`
    are the form's own (forms.admission_draft): refused together with this function's, so that one
    submission reports every wrong field. Only a refusal needs a reason."""
    require_role(principal, Role.ADMIN, Role.MANAGER)
    current = Stage(organization.stage)
    if current not in DECIDABLE_STAGES:
        raise DomainError(_("Only an application that is new or in screening can be decided."))
    park = await Park.get(id=organization.park_id)
    criteria = await criteria_for(park)
    errors: dict[str, str] = dict(form_errors or {})
    decided = "decision" not in errors  # else the draft's decision is a placeholder
    given = {s.criterion_id: (index, s.score) for index, s in enumerate(command.scores)}
    if set(given) != {c.id for c in criteria} and not any(key.startswith("score_") for key in errors):
        errors["scores"] = _("Score every criterion of the park's scorecard.")
    scores = []
    for criterion in criteria:
        index, score = given.get(criterion.id, (None, 0))
        if index is not None and score > criterion.max_score:
            errors[f"scores[{index}].score"] = _("Enter a number of at most %(n)s.", n=criterion.max_score)
        scores.append({"criterion": criterion.name_zh, "criterion_en": criterion.name_en, "weight": criterion.weight,
                       "max": criterion.max_score, "score": score})
    decision, reason = command.decision, command.reason.strip()
    if decided and decision == "reject" and not reason:
        errors.setdefault("reason", _("Give the reason for refusing: the applicant can be told why."))
    agreement_values: dict[str, Any] = {}
    space: Space | None = None
    terms = command.agreement
    if decided and decision == "admit" and terms is None and not {"start_on", "term_months"} & set(errors):
        errors["agreement"] = _("Give the agreement's start date and term to admit.")
    if decided and decision == "admit" and terms is not None:
        if terms.term_months not in park.agreement_terms:
            errors["agreement.term_months"] = _("Choose one of the options.")
        if terms.space_id is not None:
            space = await Space.get_or_none(id=terms.space_id, park_id=park.id, kind__in=list(DESK_KINDS))
            if space is None:
                errors["agreement.space_id"] = _("Choose one of the options.")
            elif await SpaceAllocation.filter(space_id=terms.space_id, released_on__isnull=True).exists():
                errors["agreement.space_id"] = _("This desk is already allocated to another organization.")
        agreement_values = {"start_on": terms.start_on, "term_months": terms.term_months,
                            "end_on": add_months(terms.start_on, terms.term_months),
                            "supports": sorted({s.value for s in terms.supports})}
    if errors:
        raise ValidationFailed(errors)

    now = datetime.now(UTC)
    try:
        async with events.transaction():
            review = await AdmissionReview.create(
                organization_id=organization.id, reviewer_id=principal.id, scores=scores,
                weighted_score=weighted_score(scores), decision=decision, reason=reason, at=now)
            if decision == "reject":
                await record_stage(principal, organization, current, Stage.REJECTED, reason,
                                   {"score": str(review.weighted_score)})
                return review
            agreement = await Agreement.create(organization_id=organization.id, signed_by_id=principal.id,
                                               **agreement_values)
            if space is not None:
                await SpaceAllocation.create(agreement_id=agreement.id, space_id=space.id,
                                             allocated_on=agreement.start_on)
            await record_stage(
                principal, organization, current, Stage.ADMITTED, reason,
                {"score": str(review.weighted_score), "term_months": agreement.term_months,
                 "space": space.name if space else None},
                admitted_on=agreement.start_on, term_end_on=agreement.end_on)
            await audit.record(principal, "create", agreement, audit.diff({}, {
                "start_on": agreement.start_on, "end_on": agreement.end_on, "supports": agreement.supports,
                "space": space.name if space else None}))
    except IntegrityError:
        raise ValidationFailed({"agreement.space_id": _("This desk is already allocated to another organization.")}) \
            from None
    return review


async def save_criteria(principal: Principal, park: Park, command: SaveCriteria) -> list[AdmissionCriterion]:
    """Replaces the park's scorecard. Past reviews keep their own copy of the criteria."""
    require_role(principal, Role.ADMIN, Role.MANAGER)
    if not command.criteria:
        raise ValidationFailed({"criteria": _("Keep at least one criterion.")})
    rows = [{"name_zh": c.name_zh, "name_en": c.name_en, "weight": c.weight, "max_score": c.max_score}
            for c in command.criteria]
    before = [(c.name_zh, c.weight, c.max_score) for c in await criteria_for(park)]
    try:
        async with events.transaction():
            await AdmissionCriterion.filter(park_id=park.id).delete()
            await AdmissionCriterion.bulk_create([AdmissionCriterion(park_id=park.id, sort=i, **row)
                                                  for i, row in enumerate(rows)])
            after = [(r["name_zh"], r["weight"], r["max_score"]) for r in rows]
            if before != after:
                await audit.record(principal, "update", park, {"admission_criteria": [before, after]})
    except IntegrityError:
        # Someone saved the scorecard at the same moment (uq_admission_criterion_sort): theirs stands.
        raise Conflict(_("Someone saved this scorecard at the same moment. Reload it and try again.")) from None
    return await AdmissionCriterion.filter(park_id=park.id).order_by("sort", "id")
