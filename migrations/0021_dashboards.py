from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('incubator', '0020_unique_topic_name')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ClosedMonth',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('month', fields.CharField(unique=True, max_length=7)),
                ('is_closed', fields.BooleanField(default=True)),
                ('facts', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('closed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('closed_by', fields.ForeignKeyField('incubator.User', source_field='closed_by_id', null=True, db_constraint=True, to_field='id', related_name='closed_months', on_delete=OnDelete.SET_NULL)),
                ('closed_by_name', fields.CharField(default='', max_length=100)),
                ('reopened_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reopened_by_name', fields.CharField(default='', max_length=100)),
                ('reopen_reason', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'closed_month', 'app': 'incubator', 'pk_attr': 'id', 'table_description': "A month whose figures were closed: the snapshot of every park's facts (dashboards.figures)"},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='Organization',
            index=Index(fields=['admitted_on'], name='ix_organization_admitted'),
        ),
        ops.AddIndex(
            model_name='Organization',
            index=Index(fields=['exited_on'], name='ix_organization_exited'),
        ),
    ]
