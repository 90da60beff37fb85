from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint

class Migration(migrations.Migration):
    dependencies = [('incubator', '0025_api_tokens')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Invitation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('incubator.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='invitations', on_delete=OnDelete.CASCADE)),
                ('display_name', fields.CharField(max_length=100)),
                ('email', fields.CharField(default='', max_length=254)),
                ('username', fields.CharField(default='', max_length=64)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_by', fields.ForeignKeyField('incubator.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='invitations_sent', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('mailed_to', fields.CharField(default='', max_length=254)),
                ('accepted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('user', fields.ForeignKeyField('incubator.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='invitation_accepted', on_delete=OnDelete.SET_NULL)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'invitation', 'app': 'incubator', 'indexes': [Index(fields=['organization_id', 'accepted_at'], name='ix_invitation_organization')], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        # Constraints after the tables (CreateModel does not create them): checks first.
        ops.AddConstraint(
            model_name='Invitation',
            constraint=CheckConstraint(check='accepted_at IS NULL OR revoked_at IS NULL', name='ck_invitation_accepted_or_revoked'),
        ),
        # The check above rebuilt "invitation" on SQLite without its index; on PostgreSQL it is a no-op.
        ops.RunSQL(
            'CREATE INDEX IF NOT EXISTS "ix_invitation_organization" ON "invitation" ("organization_id", "accepted_at")',
            reverse_sql="SELECT 1",
        ),
    ]
