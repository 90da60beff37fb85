"""Seed funding: funds with a budget, grants split into tranches, and an append-only ledger.

The fund keeps running totals that the database itself checks (committed ≤ budget,
disbursed ≤ committed), and every change to them is a conditional UPDATE, so concurrent
approvals or payments cannot overdraw a fund whatever the interleaving. The ledger records
every movement; nothing is edited or deleted, corrections are new entries."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint
from tortoise.models import Model

from incubator.i18n import N_, gettext


class FundSource(StrEnum):
    DISTRICT = "district_special"
    LOTTERY = "welfare_lottery"
    OPERATOR = "operator_budget"
    DONATION = "donation"
    OTHER = "other"


SOURCE_LABELS = {
    FundSource.DISTRICT: N_("District special fund"),
    FundSource.LOTTERY: N_("Welfare-lottery fund"),
    FundSource.OPERATOR: N_("Operator budget"),
    FundSource.DONATION: N_("Donation"),
    FundSource.OTHER: N_("Other"),
}


class GrantStatus(StrEnum):
    DRAFT = "draft"
    PROPOSED = "proposed"
    ACTIVE = "active"
    CLOSED = "closed"
    CANCELLED = "cancelled"


GRANT_STATUS_LABELS = {
    GrantStatus.DRAFT: N_("Draft"),
    GrantStatus.PROPOSED: N_("Proposed"),
    GrantStatus.ACTIVE: N_("Approved, being paid"),
    GrantStatus.CLOSED: N_("Closed"),
    GrantStatus.CANCELLED: N_("Cancelled"),
}


class TrancheCondition(StrEnum):
    ON_SIGNING = "on_signing"
    AFTER_REVIEW = "after_review"
    ON_DATE = "on_date"


CONDITION_LABELS = {
    TrancheCondition.ON_SIGNING: N_("On signing"),
    TrancheCondition.AFTER_REVIEW: N_("After a review passes"),
    TrancheCondition.ON_DATE: N_("On or after a date"),
}


class TrancheStatus(StrEnum):
    PENDING = "pending"
    READY = "ready"
    HELD = "held"
    PAID = "paid"
    CANCELLED = "cancelled"


TRANCHE_STATUS_LABELS = {
    TrancheStatus.PENDING: N_("Waiting for its condition"),
    TrancheStatus.READY: N_("Ready to pay"),
    TrancheStatus.HELD: N_("Held"),
    TrancheStatus.PAID: N_("Paid"),
    TrancheStatus.CANCELLED: N_("Cancelled"),
}


class Fund(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)
    source = fields.CharEnumField(FundSource, max_length=20)
    # None: the district's fund; otherwise one park's.
    park: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.Park", null=True, related_name="funds", on_delete=fields.RESTRICT
    )
    park_id: int | None
    fiscal_year = fields.IntField()
    budget_fen = fields.BigIntField()
    committed_fen = fields.BigIntField(default=0)
    disbursed_fen = fields.BigIntField(default=0)
    valid_from = fields.DateField()
    valid_to = fields.DateField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "fund"
        ordering = ["-fiscal_year", "name"]
        constraints = [
            CheckConstraint(check="budget_fen > 0", name="ck_fund_budget"),
            CheckConstraint(check="committed_fen >= 0 AND committed_fen <= budget_fen", name="ck_fund_committed"),
            CheckConstraint(check="disbursed_fen >= 0 AND disbursed_fen <= committed_fen", name="ck_fund_disbursed"),
            CheckConstraint(check="valid_to >= valid_from", name="ck_fund_validity"),
        ]
        # Pages filter on these (SQLite does not index foreign keys by itself).
        indexes = [
            Index(fields=("park_id",), name="ix_fund_park"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def available_fen(self) -> int:
        return self.budget_fen - self.committed_fen

    @property
    def source_label(self) -> str:
        return gettext(SOURCE_LABELS[FundSource(self.source)])


class Grant(Model):
    id = fields.IntField(primary_key=True)
    fund: fields.ForeignKeyRelation[Fund] = fields.ForeignKeyField(
        "incubator.Fund", related_name="grants", on_delete=fields.RESTRICT
    )
    fund_id: int
    organization: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.Organization", related_name="grants", on_delete=fields.RESTRICT
    )
    organization_id: int
    purpose = fields.CharField(max_length=300)
    amount_fen = fields.BigIntField()
    disbursed_fen = fields.BigIntField(default=0)
    status = fields.CharEnumField(GrantStatus, max_length=12, default=GrantStatus.DRAFT)
    needs_official = fields.BooleanField(default=False)
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.User", null=True, related_name="drafted_grants", on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    proposed_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.User", null=True, related_name="proposed_grants", on_delete=fields.SET_NULL
    )
    proposed_by_id: int | None
    approved_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.User", null=True, related_name="approved_grants", on_delete=fields.SET_NULL
    )
    approved_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    proposed_at = fields.DatetimeField(null=True)
    approved_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)

    class Meta:
        table = "funding_grant"
        ordering = ["-created_at", "-id"]
        constraints = [
            CheckConstraint(check="amount_fen > 0", name="ck_grant_amount"),
            CheckConstraint(check="disbursed_fen >= 0 AND disbursed_fen <= amount_fen", name="ck_grant_disbursed"),
            # Four eyes: whoever proposed a grant never approves it.
            CheckConstraint(
                check="approved_by_id IS NULL OR proposed_by_id IS NULL OR approved_by_id <> proposed_by_id",
                name="ck_grant_four_eyes"),
        ]
        # Pages filter on these (SQLite does not index foreign keys by itself).
        indexes = [
            Index(fields=("organization_id",), name="ix_funding_grant_organization"),
            Index(fields=("fund_id",), name="ix_funding_grant_fund"),
        ]

    def __str__(self) -> str:
        return self.purpose

    @property
    def status_label(self) -> str:
        return gettext(GRANT_STATUS_LABELS[GrantStatus(self.status)])


class Tranche(Model):
    id = fields.IntField(primary_key=True)
    grant: fields.ForeignKeyRelation[Grant] = fields.ForeignKeyField(
        "incubator.Grant", related_name="tranches", on_delete=fields.CASCADE
    )
    grant_id: int
    sequence = fields.IntField()
    amount_fen = fields.BigIntField()
    condition = fields.CharEnumField(TrancheCondition, max_length=16)
    review_code = fields.CharField(max_length=40, default="")
    min_score = fields.IntField(null=True)
    release_on = fields.DateField(null=True)
    status = fields.CharEnumField(TrancheStatus, max_length=12, default=TrancheStatus.PENDING)
    status_reason = fields.CharField(max_length=300, default="")
    paid_on = fields.DateField(null=True)
    voucher = fields.CharField(max_length=60, default="")

    class Meta:
        table = "tranche"
        ordering = ["grant_id", "sequence"]
        constraints = [
            UniqueConstraint(fields=("grant_id", "sequence"), name="uq_tranche_sequence"),
            CheckConstraint(check="amount_fen > 0", name="ck_tranche_amount"),
        ]

    @property
    def status_label(self) -> str:
        return gettext(TRANCHE_STATUS_LABELS[TrancheStatus(self.status)])

    @property
    def condition_label(self) -> str:
        return gettext(CONDITION_LABELS[TrancheCondition(self.condition)])

    @property
    def status_note(self) -> str:
        """Why it is held (stored as a key, shown in the reader's language), or the reason given."""
        reason = self.status_reason
        if reason == "@review_failed":
            return gettext("The review did not pass.")
        if reason.startswith("@below_minimum "):
            _key, score, minimum = [*reason.split(" "), "", ""][:3]
            return gettext("The review scored %(score)s, below the %(min)s required.", score=score, min=minimum)
        return reason


LEDGER_KIND_LABELS = {
    "commit": N_("commitment"),
    "release": N_("released"),
    "disburse": N_("payment"),
    "repay": N_("repayment"),
}


class LedgerEntry(Model):
    # kinds: commit (approval), release (cancelled or closed commitment), disburse, repay.
    id = fields.IntField(primary_key=True)
    fund: fields.ForeignKeyRelation[Fund] = fields.ForeignKeyField(
        "incubator.Fund", related_name="entries", on_delete=fields.RESTRICT
    )
    fund_id: int
    grant: fields.ForeignKeyNullableRelation[Grant] = fields.ForeignKeyField(
        "incubator.Grant", null=True, related_name="entries", on_delete=fields.RESTRICT
    )
    grant_id: int | None
    tranche: fields.ForeignKeyNullableRelation[Tranche] = fields.ForeignKeyField(
        "incubator.Tranche", null=True, related_name="entries", on_delete=fields.RESTRICT
    )
    tranche_id: int | None
    kind = fields.CharField(max_length=10)
    committed_delta_fen = fields.BigIntField(default=0)
    disbursed_delta_fen = fields.BigIntField(default=0)
    on_date = fields.DateField()
    voucher = fields.CharField(max_length=60, default="")
    note = fields.CharField(max_length=300, default="")
    actor: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.User", null=True, related_name="ledger_entries", on_delete=fields.SET_NULL
    )
    actor_id: int | None
    at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "ledger_entry"
        ordering = ["at", "id"]
        constraints = [
            CheckConstraint(check="kind IN ('commit', 'release', 'disburse', 'repay')", name="ck_ledger_kind"),
        ]
        # Pages filter on these (SQLite does not index foreign keys by itself).
        indexes = [
            Index(fields=("fund_id",), name="ix_ledger_entry_fund"),
            Index(fields=("grant_id",), name="ix_ledger_entry_grant"),
        ]

    @property
    def kind_label(self) -> str:
        return gettext(LEDGER_KIND_LABELS[self.kind])
