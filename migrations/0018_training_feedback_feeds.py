from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint


async def keep_feedback_indexes(apps, editor):
    # On SQLite the AddConstraint above rebuilt training_feedback without its index and without the
    # uniqueness of its one-to-one seat (one rating a seat); PostgreSQL alters in place.
    client = editor.client
    if client.capabilities.dialect == "sqlite":
        await client.execute_script(
            'CREATE INDEX IF NOT EXISTS "ix_training_feedback_session" ON "training_feedback" ("session_id"); '
            'CREATE UNIQUE INDEX IF NOT EXISTS "uq_training_feedback_seat" ON "training_feedback" ("seat_id")')


class Migration(migrations.Migration):
    dependencies = [('incubator', '0017_training')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Feedback',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('seat', fields.OneToOneField('incubator.Seat', source_field='seat_id', db_constraint=True, to_field='id', related_name='feedback', on_delete=OnDelete.CASCADE)),
                ('session', fields.ForeignKeyField('incubator.TrainingSession', source_field='session_id', db_constraint=True, to_field='id', related_name='feedback', on_delete=OnDelete.CASCADE)),
                ('rating', fields.IntField()),
                ('comment', fields.CharField(default='', max_length=500)),
                ('given_by', fields.ForeignKeyField('incubator.User', source_field='given_by_id', null=True, db_constraint=True, to_field='id', related_name='training_feedback', on_delete=OnDelete.SET_NULL)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'training_feedback', 'app': 'incubator', 'indexes': [Index(fields=['session_id'], name='ix_training_feedback_session')], 'pk_attr': 'id', 'table_description': "An attendee's rating of a session (1–5) and comment, given by their organization's member."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TrainingFeed',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.OneToOneField('incubator.User', source_field='user_id', db_constraint=True, to_field='id', related_name='training_feed', on_delete=OnDelete.CASCADE)),
                ('token', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'training_feed', 'app': 'incubator', 'pk_attr': 'id', 'table_description': "The secret of a user's training calendar feed (its address), once reset: until then derived."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='TrainingSession',
            name='reminded_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        # Constraints after the tables (CreateModel does not create them): checks first.
        ops.AddConstraint(
            model_name='Feedback',
            constraint=CheckConstraint(check='rating BETWEEN 1 AND 5', name='ck_training_feedback_rating'),
        ),
        ops.RunPython(keep_feedback_indexes, ops.RunPython.noop),
    ]
