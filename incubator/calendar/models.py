"""Administrator corrections to the working-day calendar (the official schedule for next year
is published each winter; the holiday library may lag behind it)."""

from tortoise import fields
from tortoise.models import Model


class WorkdayOverride(Model):
    id = fields.IntField(primary_key=True)
    day = fields.DateField(unique=True)
    is_working = fields.BooleanField()
    note = fields.CharField(max_length=100, default="")

    class Meta:
        table = "workday_override"
        ordering = ["day"]
