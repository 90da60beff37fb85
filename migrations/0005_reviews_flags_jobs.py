from tortoise import migrations
from tortoise.migrations import operations as ops
from enum import StrEnum
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint


# Copies of the app's values this migration uses, as they were when it was made: a fresh
# migrate must build the same schema whatever the models are renamed or changed to later.
class Anchor(StrEnum):
    ADMISSION = 'admission'
    TERM = 'term'


class ReviewStatus(StrEnum):
    SCHEDULED = 'scheduled'
    IN_PROGRESS = 'in_progress'
    DECIDED = 'decided'
    CANCELLED = 'cancelled'


class Migration(migrations.Migration):
    dependencies = [('incubator', '0004_default_service_domains')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Flag',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=32)),
                ('target_type', fields.CharField(max_length=32)),
                ('target_id', fields.IntField()),
                ('period', fields.CharField(default='', max_length=32)),
                ('park', fields.ForeignKeyField('incubator.Park', source_field='park_id', db_constraint=True, to_field='id', related_name='flags', on_delete=OnDelete.CASCADE)),
                ('organization', fields.ForeignKeyField('incubator.Organization', source_field='organization_id', null=True, db_constraint=True, to_field='id', related_name='flags', on_delete=OnDelete.CASCADE)),
                ('due_on', fields.DateField(null=True)),
                ('details', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('raised_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('resolved_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'flag', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='JobLease',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('holder', fields.CharField(max_length=80)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'job_lease', 'app': 'incubator', 'pk_attr': 'name'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='JobRun',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('job', fields.CharField(db_index=True, max_length=60)),
                ('holder', fields.CharField(default='', max_length=80)),
                ('started_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('status', fields.CharField(default='running', max_length=12)),
                ('counts', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('error', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'job_run', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Milestone',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('park', fields.ForeignKeyField('incubator.Park', source_field='park_id', db_constraint=True, to_field='id', related_name='milestones', on_delete=OnDelete.CASCADE)),
                ('code', fields.CharField(max_length=40)),
                ('name_zh', fields.CharField(max_length=60)),
                ('name_en', fields.CharField(default='', max_length=80)),
                ('anchor', fields.CharEnumField(description='ADMISSION: admission\nTERM: term', enum_type=Anchor, max_length=12)),
                ('amount', fields.IntField()),
                ('dimensions', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('pass_threshold', fields.IntField(default=60)),
                ('sort', fields.IntField(default=0)),
            ],
            options={'table': 'milestone', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Review',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('incubator.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='reviews', on_delete=OnDelete.CASCADE)),
                ('milestone', fields.ForeignKeyField('incubator.Milestone', source_field='milestone_id', null=True, db_constraint=True, to_field='id', related_name='reviews', on_delete=OnDelete.SET_NULL)),
                ('code', fields.CharField(max_length=40)),
                ('name_zh', fields.CharField(max_length=60)),
                ('name_en', fields.CharField(default='', max_length=80)),
                ('anchor', fields.CharEnumField(description='ADMISSION: admission\nTERM: term', enum_type=Anchor, max_length=12)),
                ('amount', fields.IntField()),
                ('dimensions', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('pass_threshold', fields.IntField(default=60)),
                ('attempt', fields.IntField(default=1)),
                ('due_on', fields.DateField(db_index=True)),
                ('status', fields.CharEnumField(default=ReviewStatus.SCHEDULED, description='SCHEDULED: scheduled\nIN_PROGRESS: in_progress\nDECIDED: decided\nCANCELLED: cancelled', enum_type=ReviewStatus, max_length=12)),
                ('decision', fields.CharField(null=True, max_length=16)),
                ('decision_reason', fields.TextField(default='', unique=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'review', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WorkdayOverride',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('day', fields.DateField(unique=True)),
                ('is_working', fields.BooleanField()),
                ('note', fields.CharField(default='', max_length=100)),
            ],
            options={'table': 'workday_override', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        # Constraints after the tables (CreateModel does not create them): checks first.
        ops.AddConstraint(
            model_name='Milestone',
            constraint=CheckConstraint(check='amount >= 0 AND pass_threshold BETWEEN 0 AND 100', name='ck_milestone_values'),
        ),
        ops.AddConstraint(
            model_name='Flag',
            constraint=UniqueConstraint(fields=('kind', 'target_type', 'target_id', 'period'), name='uq_flag_target_period'),
        ),
        ops.AddConstraint(
            model_name='Milestone',
            constraint=UniqueConstraint(fields=('park_id', 'code'), name='uq_milestone_code'),
        ),
        ops.AddConstraint(
            model_name='Review',
            constraint=UniqueConstraint(fields=('organization_id', 'code', 'attempt'), name='uq_review_attempt'),
        ),
    ]
