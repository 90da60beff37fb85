"""What an organization chose to publish in the district's public directory: whether it is listed
(its consent), the contact point it publishes, its logo, and its brand projects."""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

SUMMARY_MAX = 300  # a brand project's short description
CONTACT_MAX = 200


class Listing(Model):
    """One per organization: absent or `listed` false, nothing of it is public."""

    id = fields.IntField(primary_key=True)
    organization: fields.OneToOneRelation = fields.OneToOneField(
        "incubator.Organization", related_name="listing", on_delete=fields.CASCADE)
    organization_id: int
    listed = fields.BooleanField(default=False)  # the organization's consent
    contact = fields.CharField(max_length=CONTACT_MAX, default="")  # the contact point it publishes
    logo_name = fields.CharField(max_length=80, default="")  # its storage name (uploads), "" for none
    logo_type = fields.CharField(max_length=40, default="")
    logo_sha256 = fields.CharField(max_length=64, default="")
    updated_at = fields.DatetimeField()

    class Meta:
        table = "directory_listing"
        # The directory's pages: the listed organizations.
        indexes = [Index(fields=("listed", "organization_id"), name="ix_directory_listing_listed")]

    def __str__(self) -> str:
        return f"listing {self.organization_id}"


class BrandProject(Model):
    """A public-welfare brand project (公益品牌项目) an organization runs: what the directory shows."""

    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "incubator.Organization", related_name="brand_projects", on_delete=fields.CASCADE)
    organization_id: int
    name = fields.CharField(max_length=100)
    domain: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "incubator.ServiceDomain", related_name="brand_projects", null=True, on_delete=fields.SET_NULL)
    domain_id: int | None
    started_on = fields.DateField()
    ended_on = fields.DateField(null=True)  # none: still running
    people_reached = fields.IntField(default=0)
    summary = fields.CharField(max_length=SUMMARY_MAX, default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "brand_project"
        ordering = ["-started_on", "id"]
        constraints = [
            CheckConstraint(check="people_reached >= 0 AND (ended_on IS NULL OR ended_on >= started_on)",
                            name="ck_brand_project_values"),
        ]
        indexes = [Index(fields=("organization_id", "started_on"), name="ix_brand_project_organization")]

    def __str__(self) -> str:
        return self.name
