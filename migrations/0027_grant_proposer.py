from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint

class Migration(migrations.Migration):
    dependencies = [('incubator', '0026_invitations')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Grant',
            name='proposed_by',
            field=fields.ForeignKeyField('incubator.User', source_field='proposed_by_id', null=True, db_constraint=True, to_field='id', related_name='proposed_grants', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddConstraint(
            model_name='Grant',
            constraint=CheckConstraint(check='approved_by_id IS NULL OR proposed_by_id IS NULL OR approved_by_id <> proposed_by_id', name='ck_grant_four_eyes'),
        ),
        # The check above rebuilt "funding_grant" on SQLite without its indexes; on PostgreSQL they are kept.
        ops.RunSQL(
            'CREATE INDEX IF NOT EXISTS "ix_funding_grant_organization" ON "funding_grant" ("organization_id")',
            reverse_sql="SELECT 1",
        ),
        ops.RunSQL(
            'CREATE INDEX IF NOT EXISTS "ix_funding_grant_fund" ON "funding_grant" ("fund_id")',
            reverse_sql="SELECT 1",
        ),
    ]
