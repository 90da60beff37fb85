"""Incubated organizations: profile, application, admission, agreement, stages, registration
track, documents and follow-ups."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint
from tortoise.models import Model

from incubator.i18n import N_, gettext


class OrganizationKind(StrEnum):
    SOCIAL_ASSOCIATION = "social_association"
    PRIVATE_NON_ENTERPRISE = "private_non_enterprise"
    FOUNDATION = "foundation"
    COMMUNITY_GROUP = "community_group"
    UNREGISTERED = "unregistered"


KIND_LABELS = {
    OrganizationKind.SOCIAL_ASSOCIATION: N_("Social association"),
    OrganizationKind.PRIVATE_NON_ENTERPRISE: N_("Private non-enterprise unit / social service agency"),
    OrganizationKind.FOUNDATION: N_("Foundation"),
    OrganizationKind.COMMUNITY_GROUP: N_("Filed community group"),
    OrganizationKind.UNREGISTERED: N_("Not yet registered"),
}


# How the profile's fields are named on pages, in previews, on the timeline and in the audit log.
FIELD_LABELS = {
    "name_zh": N_("Name (Chinese)"),
    "name_en": N_("Name (English)"),
    "kind": N_("Kind"),
    "description": N_("Description"),
    "founded_on": N_("Founded on"),
    "legal_representative": N_("Legal representative"),
    "contact_person": N_("Contact person"),
    "mobile": N_("Mobile phone"),
    "email": N_("Email"),
    "website": N_("Website"),
    "staff_count": N_("Full-time staff"),
    "volunteer_count": N_("Volunteers"),
    "credit_code": N_("Unified social credit code"),
    "domains": N_("Service domains"),
    "admitted_on": N_("Admitted on"),
    "term_months": N_("Term (months)"),
}


class Stage(StrEnum):
    APPLIED = "applied"
    SCREENING = "screening"
    REJECTED = "rejected"
    ADMITTED = "admitted"
    INCUBATING = "incubating"
    MIDTERM_REVIEW = "midterm_review"
    GRADUATION_REVIEW = "graduation_review"
    EXTENDED = "extended"
    GRADUATED = "graduated"
    EXITED = "exited"


STAGE_LABELS = {
    Stage.APPLIED: N_("Applied"),
    Stage.SCREENING: N_("Screening"),
    Stage.REJECTED: N_("Rejected"),
    Stage.ADMITTED: N_("Admitted"),
    Stage.INCUBATING: N_("Incubating"),
    Stage.MIDTERM_REVIEW: N_("Mid-term review"),
    Stage.GRADUATION_REVIEW: N_("Graduation review"),
    Stage.EXTENDED: N_("Extended"),
    Stage.GRADUATED: N_("Graduated"),
    Stage.EXITED: N_("Exited"),
}
# Stages in which an organization holds an agreement and (possibly) a desk.
RESIDENT_STAGES = frozenset({Stage.ADMITTED, Stage.INCUBATING, Stage.MIDTERM_REVIEW, Stage.GRADUATION_REVIEW,
                             Stage.EXTENDED})


class Registration(StrEnum):
    UNREGISTERED = "unregistered"
    PREPARING = "preparing"
    FILED = "filed"
    REGISTERED = "registered"


REGISTRATION_LABELS = {
    Registration.UNREGISTERED: N_("Unregistered"),
    Registration.PREPARING: N_("Preparing (name pre-approval)"),
    Registration.FILED: N_("Filed with the street or community"),
    Registration.REGISTERED: N_("Registered with civil affairs"),
}


class Support(StrEnum):
    OFFICE_SPACE = "office_space"
    REGISTRATION = "registration"
    SEED_FUNDING = "seed_funding"
    CAPACITY_BUILDING = "capacity_building"
    GUIDANCE = "guidance"
    FINANCIAL_CUSTODY = "financial_custody"
    CONSULTING = "consulting"
    PUBLICITY = "publicity"
    GOVERNMENT_PURCHASING = "government_purchasing"
    VENTURE_PHILANTHROPY = "venture_philanthropy"


SUPPORT_LABELS = {
    Support.OFFICE_SPACE: N_("Office space and equipment"),
    Support.REGISTRATION: N_("Registration assistance"),
    Support.SEED_FUNDING: N_("Seed funding"),
    Support.CAPACITY_BUILDING: N_("Capacity building"),
    Support.GUIDANCE: N_("Development guidance"),
    Support.FINANCIAL_CUSTODY: N_("Financial custody"),
    Support.CONSULTING: N_("Management consulting"),
    Support.PUBLICITY: N_("Publicity"),
    Support.GOVERNMENT_PURCHASING: N_("Access to government purchasing"),
    Support.VENTURE_PHILANTHROPY: N_("Venture philanthropy competitions"),
}


class ServiceDomain(Model):
    # Service domains; administrators extend the list.
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=40, unique=True)
    name_zh = fields.CharField(max_length=60)
    name_en = fields.CharField(max_length=80, default="")
    sort = fields.IntField(default=100)
    is_active = fields.BooleanField(default=True)

    class Meta:
        table = "service_domain"
        constraints = [UniqueConstraint(fields=("name_zh",), name="uq_service_domain_name")]
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return self.name_zh

    def display_name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") and self.name_en else self.name_zh


class Organization(Model):
    id = fields.IntField(primary_key=True)
    park: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.Park", related_name="organizations", on_delete=fields.RESTRICT
    )
    park_id: int
    name_zh = fields.CharField(max_length=150)
    name_en = fields.CharField(max_length=200, default="")
    kind = fields.CharEnumField(OrganizationKind, max_length=32, default=OrganizationKind.UNREGISTERED,
                                db_default="unregistered")
    description = fields.TextField(default="")
    founded_on = fields.DateField(null=True)
    legal_representative = fields.CharField(max_length=60, default="", db_default="")
    contact_person = fields.CharField(max_length=60, default="", db_default="")
    mobile = fields.CharField(max_length=11, default="", db_default="")
    email = fields.CharField(max_length=254, default="", db_default="")
    website = fields.CharField(max_length=300, default="", db_default="")
    staff_count = fields.IntField(default=0, db_default=0)
    volunteer_count = fields.IntField(default=0, db_default=0)

    stage = fields.CharEnumField(Stage, max_length=24, default=Stage.APPLIED, db_default="applied")
    stage_changed_at = fields.DatetimeField(null=True)
    admitted_on = fields.DateField(null=True)
    term_end_on = fields.DateField(null=True)
    graduated_on = fields.DateField(null=True)
    exited_on = fields.DateField(null=True)
    handback_deadline = fields.DateField(null=True)

    registration = fields.CharEnumField(Registration, max_length=16, default=Registration.UNREGISTERED,
                                        db_default="unregistered")
    name_preapproval = fields.CharField(max_length=100, default="", db_default="")
    filing_number = fields.CharField(max_length=60, default="", db_default="")
    filing_authority = fields.CharField(max_length=100, default="", db_default="")
    filed_on = fields.DateField(null=True)
    credit_code = fields.CharField(max_length=18, null=True, unique=True)
    registration_authority = fields.CharField(max_length=100, default="", db_default="")
    registered_on = fields.DateField(null=True)

    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "organization"
        ordering = ["id"]
        # The list's filters and sorts (by park and name: uq_organization_name).
        indexes = [
            Index(fields=("name_zh", "id"), name="ix_organization_name"),
            Index(fields=("stage", "name_zh"), name="ix_organization_stage"),
            Index(fields=("registration", "name_zh"), name="ix_organization_registration"),
            Index(fields=("graduated_on",), name="ix_organization_graduated"),  # graduations this year
            # The dashboards' admissions and exits by month, and the list's filters by them.
            Index(fields=("admitted_on",), name="ix_organization_admitted"),
            Index(fields=("exited_on",), name="ix_organization_exited"),
            Index(fields=("updated_at", "id"), name="ix_organization_updated"),  # the API's updated_since
            # The dashboards' stages and service domains by park: read from the index alone.
            Index(fields=("park_id", "stage", "registration"), name="ix_organization_park_stage"),
        ]
        constraints = [
            UniqueConstraint(fields=("park_id", "name_zh"), name="uq_organization_name"),
            CheckConstraint(check="staff_count >= 0 AND volunteer_count >= 0", name="ck_organization_counts"),
            CheckConstraint(check="registration <> 'registered' OR credit_code IS NOT NULL",
                            name="ck_organization_registered_has_code"),
        ]

    def __str__(self) -> str:
        return self.name_zh

    def display_name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") and self.name_en else self.name_zh

    @property
    def stage_label(self) -> str:
        return gettext(STAGE_LABELS[Stage(self.stage)])

    @property
    def kind_label(self) -> str:
        return gettext(KIND_LABELS[OrganizationKind(self.kind)])

    @property
    def registration_label(self) -> str:
        return gettext(REGISTRATION_LABELS[Registration(self.registration)])


class OrganizationDomain(Model):
    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "incubator.Organization", related_name="domain_links", on_delete=fields.CASCADE
    )
    organization_id: int
    domain: fields.ForeignKeyRelation[ServiceDomain] = fields.ForeignKeyField(
        "incubator.ServiceDomain", related_name="organization_links", on_delete=fields.RESTRICT
    )
    domain_id: int

    class Meta:
        table = "organization_domain"
        constraints = [UniqueConstraint(fields=("organization_id", "domain_id"), name="uq_organization_domain")]
        # Pages filter on these (SQLite does not index foreign keys by itself).
        indexes = [
            Index(fields=("domain_id",), name="ix_organization_domain_domain"),
        ]

class Application(Model):
    # What the group wrote on the public application form.
    id = fields.IntField(primary_key=True)
    organization: fields.OneToOneRelation[Organization] = fields.OneToOneField(
        "incubator.Organization", related_name="application", on_delete=fields.CASCADE
    )
    organization_id: int
    reference = fields.CharField(max_length=40, unique=True)
    # The name as applied: the applicant's receipt shows what they sent, whatever happens later.
    name_zh = fields.CharField(max_length=150, default="", db_default="")
    plan = fields.TextField(default="")
    supports: fields.JSONField[list] = fields.JSONField(default=list)
    submitted_at = fields.DatetimeField()
    address = fields.CharField(max_length=64, default="")
    duplicate_of = fields.CharField(max_length=300, default="")

    class Meta:
        table = "application"


class AdmissionCriterion(Model):
    id = fields.IntField(primary_key=True)
    park: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.Park", related_name="admission_criteria", on_delete=fields.CASCADE
    )
    park_id: int
    name_zh = fields.CharField(max_length=60)
    name_en = fields.CharField(max_length=80, default="")
    weight = fields.IntField()
    max_score = fields.IntField(default=10)
    sort = fields.IntField(default=0)

    class Meta:
        table = "admission_criterion"
        ordering = ["sort", "id"]
        constraints = [
            CheckConstraint(check="weight > 0 AND max_score > 0", name="ck_admission_criterion"),
            # One row per place on the scorecard: two saves at once cannot leave both sets behind.
            UniqueConstraint(fields=("park_id", "sort"), name="uq_admission_criterion_sort"),
        ]
        # Pages filter on these (SQLite does not index foreign keys by itself).
        indexes = [
            Index(fields=("park_id",), name="ix_admission_criterion_park"),
        ]

    def display_name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") and self.name_en else self.name_zh


class AdmissionReview(Model):
    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "incubator.Organization", related_name="admission_reviews", on_delete=fields.CASCADE
    )
    organization_id: int
    reviewer: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.User", null=True, related_name="admission_reviews", on_delete=fields.SET_NULL
    )
    reviewer_id: int | None
    # [{"criterion": "…", "weight": 30, "max": 10, "score": 8}, …]: a copy, so later changes to
    # the park's criteria do not rewrite past reviews.
    scores: fields.JSONField[list] = fields.JSONField(default=list)
    weighted_score = fields.DecimalField(max_digits=5, decimal_places=1)
    decision = fields.CharField(max_length=8)
    reason = fields.TextField(default="")
    at = fields.DatetimeField()

    class Meta:
        table = "admission_review"
        ordering = ["-at"]
        constraints = [CheckConstraint(check="decision IN ('admit', 'reject')", name="ck_admission_decision")]
        # Pages filter on these (SQLite does not index foreign keys by itself).
        indexes = [
            Index(fields=("organization_id",), name="ix_admission_review_organization"),
        ]

class Agreement(Model):
    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "incubator.Organization", related_name="agreements", on_delete=fields.CASCADE
    )
    organization_id: int
    start_on = fields.DateField()
    term_months = fields.IntField()
    end_on = fields.DateField()
    supports: fields.JSONField[list] = fields.JSONField(default=list)
    signed_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.User", null=True, related_name="signed_agreements", on_delete=fields.SET_NULL
    )
    signed_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    ended_on = fields.DateField(null=True)

    def __str__(self) -> str:
        return f"{self.start_on.isoformat()} – {self.end_on.isoformat()}"

    class Meta:
        table = "agreement"
        ordering = ["-start_on", "-id"]
        constraints = [CheckConstraint(check="end_on > start_on AND term_months > 0", name="ck_agreement_term")]
        # Pages filter on these (SQLite does not index foreign keys by itself).
        indexes = [
            Index(fields=("organization_id",), name="ix_agreement_organization"),
        ]

class SpaceAllocation(Model):
    # A desk or office given to an organization. A partial unique index (uq_space_allocation_open,
    # in the migrations) lets each space have at most one allocation that is not released.
    id = fields.IntField(primary_key=True)
    agreement: fields.ForeignKeyRelation[Agreement] = fields.ForeignKeyField(
        "incubator.Agreement", related_name="allocations", on_delete=fields.CASCADE
    )
    agreement_id: int
    space: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.Space", related_name="allocations", on_delete=fields.RESTRICT
    )
    space_id: int
    allocated_on = fields.DateField()
    released_on = fields.DateField(null=True)

    class Meta:
        table = "space_allocation"
        # Pages filter on these (SQLite does not index foreign keys by itself).
        indexes = [
            Index(fields=("agreement_id",), name="ix_space_allocation_agreement"),
        ]

# What the system itself writes on a timeline, translated when shown (never stored translated).
TIMELINE_NOTES = {
    "application_received": N_("Application received"),
    "imported": N_("Imported from %(file)s"),
    "import_updated": N_("Updated from the spreadsheet %(file)s"),
}


class TimelineKind(StrEnum):
    STAGE = "stage"  # the organization moved from one stage to another
    PROFILE = "profile"  # its profile changed without a stage change (an import)


class StageChange(Model):
    # One entry of the organization's timeline.
    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(TimelineKind, max_length=12, default=TimelineKind.STAGE, db_default="stage")
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "incubator.Organization", related_name="stage_changes", on_delete=fields.CASCADE
    )
    organization_id: int
    from_stage = fields.CharField(max_length=24, default="")
    to_stage = fields.CharField(max_length=24)
    actor: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.User", null=True, related_name="stage_changes", on_delete=fields.SET_NULL
    )
    actor_id: int | None
    actor_name = fields.CharField(max_length=100, default="")
    at = fields.DatetimeField(db_index=True)
    reason = fields.TextField(default="")
    details: fields.JSONField[dict] = fields.JSONField(default=dict)

    class Meta:
        table = "stage_change"
        ordering = ["-at", "-id"]
        # Pages filter on these (SQLite does not index foreign keys by itself).
        indexes = [
            Index(fields=("organization_id",), name="ix_stage_change_organization"),
        ]

    @property
    def to_label(self) -> str:
        return gettext(STAGE_LABELS[Stage(self.to_stage)])

    @property
    def note(self) -> str:
        """The system's own note (an import, a received application), in the reader's language."""
        key = self.details.get("note") if isinstance(self.details, dict) else None
        if key not in TIMELINE_NOTES:
            return ""
        return gettext(TIMELINE_NOTES[key], **{k: v for k, v in self.details.items() if k in ("file",)})


class Document(Model):
    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "incubator.Organization", related_name="documents", on_delete=fields.CASCADE
    )
    organization_id: int
    title = fields.CharField(max_length=150)
    filename = fields.CharField(max_length=200)
    content_type = fields.CharField(max_length=100)
    size = fields.IntField()
    sha256 = fields.CharField(max_length=64)
    storage_name = fields.CharField(max_length=80, unique=True)
    # Self-assessments and evidence belong to a review too.
    review: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.Review", null=True, related_name="documents", on_delete=fields.SET_NULL
    )
    review_id: int | None
    uploaded_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.User", null=True, related_name="documents", on_delete=fields.SET_NULL
    )
    uploaded_by_id: int | None
    uploaded_at = fields.DatetimeField()

    class Meta:
        table = "document"
        ordering = ["-uploaded_at", "-id"]
        # Pages filter on these (SQLite does not index foreign keys by itself).
        indexes = [
            Index(fields=("organization_id",), name="ix_document_organization"),
            Index(fields=("review_id",), name="ix_document_review"),
        ]

class FollowUp(Model):
    # After graduation the park checks in with the organization (every 3 months for a year).
    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "incubator.Organization", related_name="follow_ups", on_delete=fields.CASCADE
    )
    organization_id: int
    due_on = fields.DateField()
    done_on = fields.DateField(null=True)
    notes = fields.TextField(default="")
    recorded_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.User", null=True, related_name="follow_ups", on_delete=fields.SET_NULL
    )
    recorded_by_id: int | None

    class Meta:
        table = "follow_up"
        ordering = ["due_on", "id"]
        constraints = [UniqueConstraint(fields=("organization_id", "due_on"), name="uq_follow_up")]


class ImportBatch(Model):
    # An uploaded spreadsheet waiting for the manager's confirmation: kept in the database,
    # not in memory, so the confirming request may reach any process.
    id = fields.IntField(primary_key=True)
    park: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.Park", related_name="import_batches", on_delete=fields.CASCADE
    )
    park_id: int
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.User", null=True, related_name="import_batches", on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField()
    filename = fields.CharField(max_length=200)
    rows: fields.JSONField[list] = fields.JSONField(default=list)
    status = fields.CharField(max_length=12, default="preview")
    applied_at = fields.DatetimeField(null=True)
    summary: fields.JSONField[dict] = fields.JSONField(default=dict)

    class Meta:
        table = "import_batch"
        ordering = ["-created_at"]
        # Pages filter on these (SQLite does not index foreign keys by itself).
        indexes = [
            Index(fields=("park_id",), name="ix_import_batch_park"),
        ]
