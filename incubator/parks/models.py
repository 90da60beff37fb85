"""The district's hub and themed parks, and the spaces inside them."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint
from tortoise.models import Model

from incubator.i18n import N_, gettext


class ParkKind(StrEnum):
    HUB = "hub"
    PARK = "park"


PARK_KIND_LABELS = {
    ParkKind.HUB: N_("Hub service center"),
    ParkKind.PARK: N_("Incubation park"),
}


class SpaceKind(StrEnum):
    DESK = "desk"
    OFFICE = "office"
    MEETING_ROOM = "meeting_room"
    TRAINING_ROOM = "training_room"
    ACTIVITY_HALL = "activity_hall"
    RECEPTION = "reception"


SPACE_KIND_LABELS = {
    SpaceKind.DESK: N_("Desk"),
    SpaceKind.OFFICE: N_("Office"),
    SpaceKind.MEETING_ROOM: N_("Meeting room"),
    SpaceKind.TRAINING_ROOM: N_("Training room"),
    SpaceKind.ACTIVITY_HALL: N_("Activity hall"),
    SpaceKind.RECEPTION: N_("Reception area"),
}

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_LABELS = {
    "mon": N_("Monday"),
    "tue": N_("Tuesday"),
    "wed": N_("Wednesday"),
    "thu": N_("Thursday"),
    "fri": N_("Friday"),
    "sat": N_("Saturday"),
    "sun": N_("Sunday"),
}


def default_agreement_terms() -> list[int]:
    return [6, 12, 24]


class Park(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(ParkKind, max_length=8, default=ParkKind.PARK)
    name_zh = fields.CharField(max_length=100, unique=True)
    name_en = fields.CharField(max_length=150, default="")
    theme = fields.CharField(max_length=200, default="")
    address = fields.CharField(max_length=300, default="")
    floor_area_m2 = fields.IntField(null=True)
    resident_slots = fields.IntField(default=0)
    operator = fields.CharField(max_length=200, default="")
    description = fields.TextField(default="")
    is_active = fields.BooleanField(default=True)
    # Park rules for the incubation path.
    agreement_terms: fields.JSONField[list] = fields.JSONField(
        default=default_agreement_terms, db_default="[6, 12, 24]")
    registration_due_months = fields.IntField(default=6, db_default=6)
    accepts_applications = fields.BooleanField(default=True, db_default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "park"
        ordering = ["id"]
        # A district has exactly one hub service center: a partial unique index
        # (uq_park_single_hub), created by RunSQL in the migrations because Tortoise's
        # schema editor cannot express partial indexes.
        constraints = [
            CheckConstraint(check="floor_area_m2 IS NULL OR floor_area_m2 > 0", name="ck_park_area"),
            CheckConstraint(check="resident_slots >= 0", name="ck_park_slots"),
        ]

    def __str__(self) -> str:
        return self.name_zh

    def display_name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") and self.name_en else self.name_zh

    @property
    def kind_label(self) -> str:
        return gettext(PARK_KIND_LABELS[ParkKind(self.kind)])


class Space(Model):
    id = fields.IntField(primary_key=True)
    park: fields.ForeignKeyRelation[Park] = fields.ForeignKeyField(
        "incubator.Park", related_name="spaces", on_delete=fields.RESTRICT
    )
    park_id: int
    kind = fields.CharEnumField(SpaceKind, max_length=16)
    name = fields.CharField(max_length=100)
    capacity = fields.IntField()
    area_m2 = fields.IntField(null=True)
    # {"mon": ["08:30", "17:30"], "sat": null, ...}: closed days are null.
    opening_hours: fields.JSONField[dict] = fields.JSONField(default=dict)
    bookable = fields.BooleanField(default=False)
    needs_approval = fields.BooleanField(default=False)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "space"
        ordering = ["park_id", "kind", "name"]
        constraints = [
            UniqueConstraint(fields=("park_id", "name"), name="uq_space_name_in_park"),
            CheckConstraint(check="capacity > 0", name="ck_space_capacity"),
            CheckConstraint(check="area_m2 IS NULL OR area_m2 > 0", name="ck_space_area"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        return gettext(SPACE_KIND_LABELS[SpaceKind(self.kind)])
