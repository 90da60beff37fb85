from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint

class Migration(migrations.Migration):
    dependencies = [('incubator', '0023_booking_start_index')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BrandProject',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('incubator.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='brand_projects', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=100)),
                ('domain', fields.ForeignKeyField('incubator.ServiceDomain', source_field='domain_id', null=True, db_constraint=True, to_field='id', related_name='brand_projects', on_delete=OnDelete.SET_NULL)),
                ('started_on', fields.DateField()),
                ('ended_on', fields.DateField(null=True)),
                ('people_reached', fields.IntField(default=0)),
                ('summary', fields.CharField(default='', max_length=300)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'brand_project', 'app': 'incubator', 'indexes': [Index(fields=['organization_id', 'started_on'], name='ix_brand_project_organization')], 'pk_attr': 'id', 'table_description': 'A public-welfare brand project (公益品牌项目) an organization runs: what the directory shows.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Listing',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.OneToOneField('incubator.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='listing', on_delete=OnDelete.CASCADE)),
                ('listed', fields.BooleanField(default=False)),
                ('contact', fields.CharField(default='', max_length=200)),
                ('logo_name', fields.CharField(default='', max_length=80)),
                ('logo_type', fields.CharField(default='', max_length=40)),
                ('logo_sha256', fields.CharField(default='', max_length=64)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'directory_listing', 'app': 'incubator', 'indexes': [Index(fields=['listed', 'organization_id'], name='ix_directory_listing_listed')], 'pk_attr': 'id', 'table_description': 'One per organization: absent or `listed` false, nothing of it is public.'},
            bases=['Model'],
        ),
        # Constraints after the tables (CreateModel does not create them): checks first.
        ops.AddConstraint(
            model_name='BrandProject',
            constraint=CheckConstraint(check='people_reached >= 0 AND (ended_on IS NULL OR ended_on >= started_on)', name='ck_brand_project_values'),
        ),
        # The check above rebuilt "brand_project" on SQLite without its index; on PostgreSQL it is a no-op.
        ops.RunSQL(
            'CREATE INDEX IF NOT EXISTS "ix_brand_project_organization" ON "brand_project" ("organization_id", "started_on")',
            reverse_sql="SELECT 1",
        ),
    ]
