"""Incubated organizations. The full profile and path arrive with the organizations issue;
the foundation needs the organization as the scope of its members."""

from __future__ import annotations

from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint
from tortoise.models import Model


class Organization(Model):
    id = fields.IntField(primary_key=True)
    park: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.Park", related_name="organizations", on_delete=fields.RESTRICT
    )
    name_zh = fields.CharField(max_length=150)
    name_en = fields.CharField(max_length=200, default="")
    description = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "organization"
        ordering = ["id"]
        constraints = [UniqueConstraint(fields=("park_id", "name_zh"), name="uq_organization_name")]

    def __str__(self) -> str:
        return self.name_zh

    def display_name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") and self.name_en else self.name_zh
