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
class Panel(StrEnum):
    EXPERT = 'expert'
    MEDIA = 'media'
    RESIDENT = 'resident'
    INTERNAL = 'internal'


class Migration(migrations.Migration):
    dependencies = [('incubator', '0005_reviews_flags_jobs')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Indicator',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('review', fields.ForeignKeyField('incubator.Review', source_field='review_id', db_constraint=True, to_field='id', related_name='indicators', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=80)),
                ('target', fields.IntField()),
                ('actual', fields.IntField(null=True)),
            ],
            options={'table': 'review_indicator', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReviewAssignment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('review', fields.ForeignKeyField('incubator.Review', source_field='review_id', db_constraint=True, to_field='id', related_name='assignments', on_delete=OnDelete.CASCADE)),
                ('evaluator', fields.ForeignKeyField('incubator.User', source_field='evaluator_id', db_constraint=True, to_field='id', related_name='review_assignments', on_delete=OnDelete.RESTRICT)),
                ('panel', fields.CharEnumField(description='EXPERT: expert\nMEDIA: media\nRESIDENT: resident\nINTERNAL: internal', enum_type=Panel, max_length=12)),
                ('conflict', fields.BooleanField(null=True)),
                ('conflict_note', fields.CharField(default='', max_length=300)),
                ('scores', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('comment', fields.TextField(default='', unique=False)),
                ('submitted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('assigned_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'review_assignment', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Document',
            name='review',
            field=fields.ForeignKeyField('incubator.Review', source_field='review_id', null=True, db_constraint=True, to_field='id', related_name='documents', on_delete=OnDelete.SET_NULL),
        ),
        # Constraints after the tables (CreateModel does not create them): checks first.
        ops.AddConstraint(
            model_name='Indicator',
            constraint=CheckConstraint(check='target >= 0 AND (actual IS NULL OR actual >= 0)', name='ck_indicator'),
        ),
        ops.AddConstraint(
            model_name='ReviewAssignment',
            constraint=CheckConstraint(check='submitted_at IS NULL OR conflict = FALSE', name='ck_assignment_no_conflicted_scores'),
        ),
        ops.AddConstraint(
            model_name='ReviewAssignment',
            constraint=UniqueConstraint(fields=('review_id', 'evaluator_id'), name='uq_review_evaluator'),
        ),
    ]
