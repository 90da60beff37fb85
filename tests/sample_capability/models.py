"""Lanterns hung in a park; one that is out wants a flag."""

from tortoise import fields
from tortoise.models import Model


class Lantern(Model):
    id = fields.IntField(primary_key=True)
    park: fields.ForeignKeyRelation = fields.ForeignKeyField("incubator.Park", related_name="lanterns")
    park_id: int
    name = fields.CharField(max_length=60)
    lit = fields.BooleanField(default=True)
    checked_times = fields.IntField(default=0)

    class Meta:
        table = "sample_lantern"
