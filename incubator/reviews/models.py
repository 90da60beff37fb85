"""Milestone reviews: each park's review plan, and the reviews scheduled from it."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint
from tortoise.models import Model

from incubator.i18n import N_, gettext


class Anchor(StrEnum):
    ADMISSION = "admission"  # N months after the admission date
    TERM = "term"  # a share of the incubation term (50 = half-way, 100 = its end)


class ReviewStatus(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    DECIDED = "decided"
    CANCELLED = "cancelled"


REVIEW_STATUS_LABELS = {
    ReviewStatus.SCHEDULED: N_("Scheduled"),
    ReviewStatus.IN_PROGRESS: N_("In progress"),
    ReviewStatus.DECIDED: N_("Decided"),
    ReviewStatus.CANCELLED: N_("Cancelled"),
}
OPEN_STATUSES = (ReviewStatus.SCHEDULED, ReviewStatus.IN_PROGRESS)

# After the national grading dimensions for social organizations.
DEFAULT_DIMENSIONS = [
    {"name_zh": "基础条件", "name_en": "Basic conditions", "weight": 15, "max": 10},
    {"name_zh": "内部治理", "name_en": "Internal governance", "weight": 25, "max": 10},
    {"name_zh": "业务活动与诚信建设", "name_en": "Service delivery and integrity", "weight": 30, "max": 10},
    {"name_zh": "财务管理", "name_en": "Financial management", "weight": 15, "max": 10},
    {"name_zh": "社会评价", "name_en": "Social evaluation", "weight": 15, "max": 10},
]
# (code, Chinese, English, anchor, months or percent of the term)
DEFAULT_MILESTONES = [
    ("onboarding", "入驻一个月检查", "Onboarding check", Anchor.ADMISSION, 1),
    ("registration", "登记进展检查", "Registration check", Anchor.ADMISSION, 3),
    ("midterm", "中期评估", "Mid-term review", Anchor.TERM, 50),
    ("graduation", "出壳评估", "Graduation review", Anchor.TERM, 100),
]


class Milestone(Model):
    # One entry of a park's review plan.
    id = fields.IntField(primary_key=True)
    park: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.Park", related_name="milestones", on_delete=fields.CASCADE
    )
    park_id: int
    code = fields.CharField(max_length=40)
    name_zh = fields.CharField(max_length=60)
    name_en = fields.CharField(max_length=80, default="")
    anchor = fields.CharEnumField(Anchor, max_length=12)
    amount = fields.IntField()  # months after admission, or percent of the term
    dimensions: fields.JSONField[list] = fields.JSONField(default=list)
    pass_threshold = fields.IntField(default=60)
    sort = fields.IntField(default=0)

    class Meta:
        table = "milestone"
        ordering = ["sort", "id"]
        constraints = [
            UniqueConstraint(fields=("park_id", "code"), name="uq_milestone_code"),
            CheckConstraint(check="amount >= 0 AND pass_threshold BETWEEN 0 AND 100", name="ck_milestone_values"),
        ]

    def display_name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") and self.name_en else self.name_zh


class Review(Model):
    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.Organization", related_name="reviews", on_delete=fields.CASCADE
    )
    organization_id: int
    milestone: fields.ForeignKeyNullableRelation[Milestone] = fields.ForeignKeyField(
        "incubator.Milestone", null=True, related_name="reviews", on_delete=fields.SET_NULL
    )
    milestone_id: int | None
    # A copy of the plan entry: later edits of the plan do not rewrite scheduled reviews.
    code = fields.CharField(max_length=40)
    name_zh = fields.CharField(max_length=60)
    name_en = fields.CharField(max_length=80, default="")
    anchor = fields.CharEnumField(Anchor, max_length=12)
    amount = fields.IntField()
    dimensions: fields.JSONField[list] = fields.JSONField(default=list)
    pass_threshold = fields.IntField(default=60)
    attempt = fields.IntField(default=1)
    due_on = fields.DateField()  # indexed with the status (ix_review_status_due)
    status = fields.CharEnumField(ReviewStatus, max_length=12, default=ReviewStatus.SCHEDULED)
    decision = fields.CharField(max_length=16, null=True)
    decision_reason = fields.TextField(default="")
    decided_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "review"
        ordering = ["due_on", "id"]
        constraints = [UniqueConstraint(fields=("organization_id", "code", "attempt"), name="uq_review_attempt")]
        # The review list and the overdue counts: open reviews by due date.
        indexes = [Index(fields=("status", "due_on", "id"), name="ix_review_status_due"),
                   # An organization's open reviews by due date: a park's, through its organizations.
                   Index(fields=("organization_id", "status", "due_on"), name="ix_review_organization_open"),
                   # The reviews decided in a month (the dashboards, the list's filter).
                   Index(fields=("status", "decided_at"), name="ix_review_decided")]

    def display_name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") and self.name_en else self.name_zh

    @property
    def status_label(self) -> str:
        return gettext(REVIEW_STATUS_LABELS[ReviewStatus(self.status)])

    def overdue_on(self, day: date) -> bool:
        """Still open after its due date."""
        return self.status in OPEN_STATUSES and self.due_on < day

    @property
    def decision_label(self) -> str:
        return gettext(DECISION_LABELS[Decision(self.decision)]) if self.decision else ""


class Panel(StrEnum):
    EXPERT = "expert"
    MEDIA = "media"
    RESIDENT = "resident"
    INTERNAL = "internal"


PANEL_LABELS = {
    Panel.EXPERT: N_("Expert panel"),
    Panel.MEDIA: N_("Media panel"),
    Panel.RESIDENT: N_("Resident panel"),
    Panel.INTERNAL: N_("Internal panel"),
}


class Decision(StrEnum):
    PASSED = "pass"
    PASSED_WITH_CONDITIONS = "pass_conditions"
    FAILED = "fail"


DECISION_LABELS = {
    Decision.PASSED: N_("Passed"),
    Decision.PASSED_WITH_CONDITIONS: N_("Passed with conditions"),
    Decision.FAILED: N_("Failed"),
}


class ReviewAssignment(Model):
    # One evaluator on one review: first the conflict-of-interest declaration, then the scores.
    id = fields.IntField(primary_key=True)
    review: fields.ForeignKeyRelation[Review] = fields.ForeignKeyField(
        "incubator.Review", related_name="assignments", on_delete=fields.CASCADE
    )
    review_id: int
    evaluator: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.User", related_name="review_assignments", on_delete=fields.RESTRICT
    )
    evaluator_id: int
    panel = fields.CharEnumField(Panel, max_length=12)
    conflict = fields.BooleanField(null=True)  # None: not declared yet
    conflict_note = fields.CharField(max_length=300, default="")
    scores: fields.JSONField[list] = fields.JSONField(default=list)  # one number per dimension of the review
    comment = fields.TextField(default="")
    submitted_at = fields.DatetimeField(null=True)
    assigned_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "review_assignment"
        ordering = ["panel", "id"]
        constraints = [
            UniqueConstraint(fields=("review_id", "evaluator_id"), name="uq_review_evaluator"),
            CheckConstraint(check="submitted_at IS NULL OR conflict = FALSE",
                            name="ck_assignment_no_conflicted_scores"),
        ]
        # Pages filter on these (SQLite does not index foreign keys by itself).
        indexes = [
            Index(fields=("evaluator_id",), name="ix_review_assignment_evaluator"),
        ]

    @property
    def panel_label(self) -> str:
        return gettext(PANEL_LABELS[Panel(self.panel)])


class Indicator(Model):
    # A service indicator of the review, e.g. 240 home visits: its target and what was achieved.
    id = fields.IntField(primary_key=True)
    review: fields.ForeignKeyRelation[Review] = fields.ForeignKeyField(
        "incubator.Review", related_name="indicators", on_delete=fields.CASCADE
    )
    review_id: int
    name = fields.CharField(max_length=80)
    target = fields.IntField()
    actual = fields.IntField(null=True)

    class Meta:
        table = "review_indicator"
        ordering = ["id"]
        constraints = [CheckConstraint(check="target >= 0 AND (actual IS NULL OR actual >= 0)", name="ck_indicator")]
        # Pages filter on these (SQLite does not index foreign keys by itself).
        indexes = [
            Index(fields=("review_id",), name="ix_review_indicator_review"),
        ]


NO_SHOW_FACT = "no_show"  # a booked room nobody checked in to (details: space)
FACT_LABELS = {NO_SHOW_FACT: N_("No-show at a booked room: %(space)s")}


class ReviewFact(Model):
    """A record another capability reported about the organization, shown as evidence on its next
    open review (a no-show at a booked room). `key` makes a report idempotent."""

    id = fields.IntField(primary_key=True)
    review: fields.ForeignKeyRelation[Review] = fields.ForeignKeyField(
        "incubator.Review", related_name="facts", on_delete=fields.CASCADE)
    review_id: int
    kind = fields.CharField(max_length=30)  # e.g. "no_show"
    key = fields.CharField(max_length=60, unique=True)  # e.g. "booking:123"
    occurred_at = fields.DatetimeField()
    details: fields.JSONField[dict] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "review_fact"
        indexes = [Index(fields=("review_id", "occurred_at"), name="ix_review_fact_review")]
