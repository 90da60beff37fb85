from tortoise import migrations
from tortoise.migrations import operations as ops
from enum import StrEnum
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index


# Copies of the app's values this migration uses, as they were when it was made: a fresh
# migrate must build the same schema whatever the models are renamed or changed to later.
class FeedKind(StrEnum):
    SPACE = 'space'
    ORGANIZATION = 'organization'


class Migration(migrations.Migration):
    dependencies = [('incubator', '0015_booking')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BookingFeed',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='SPACE: space\nORGANIZATION: organization', enum_type=FeedKind, max_length=12)),
                ('owner_id', fields.IntField()),
                ('token', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'booking_feed', 'app': 'incubator', 'unique_together': (('kind', 'owner_id'),), 'pk_attr': 'id', 'table_description': "The secret of a space's or an organization's iCalendar feed (its address), replaced on reset."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BookingSeries',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('space', fields.ForeignKeyField('incubator.Space', source_field='space_id', db_constraint=True, to_field='id', related_name='booking_series', on_delete=OnDelete.RESTRICT)),
                ('organization', fields.ForeignKeyField('incubator.Organization', source_field='organization_id', null=True, db_constraint=True, to_field='id', related_name='booking_series', on_delete=OnDelete.RESTRICT)),
                ('booked_by', fields.ForeignKeyField('incubator.User', source_field='booked_by_id', null=True, db_constraint=True, to_field='id', related_name='booking_series', on_delete=OnDelete.SET_NULL)),
                ('weeks', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'booking_series', 'app': 'incubator', 'pk_attr': 'id', 'table_description': 'A weekly booking repeated over several weeks: its occurrences are bookings, each cancelled on its'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BookingWatch',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('space', fields.ForeignKeyField('incubator.Space', source_field='space_id', db_constraint=True, to_field='id', related_name='booking_watches', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('incubator.User', source_field='user_id', db_constraint=True, to_field='id', related_name='booking_watches', on_delete=OnDelete.CASCADE)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('notified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'booking_watch', 'app': 'incubator', 'unique_together': (('space', 'user', 'starts_at'),), 'indexes': [Index(fields=['space_id', 'starts_at'], name='ix_booking_watch_space_start')], 'pk_attr': 'id', 'table_description': 'Someone waiting for a taken time of a space: when it frees, the earliest watcher is told.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReviewFact',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('review', fields.ForeignKeyField('incubator.Review', source_field='review_id', db_constraint=True, to_field='id', related_name='facts', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=30)),
                ('key', fields.CharField(unique=True, max_length=60)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('details', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'review_fact', 'app': 'incubator', 'indexes': [Index(fields=['review_id', 'occurred_at'], name='ix_review_fact_review')], 'pk_attr': 'id', 'table_description': 'A record another capability reported about the organization, shown as evidence on its next'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Booking',
            name='series',
            field=fields.ForeignKeyField('incubator.BookingSeries', source_field='series_id', null=True, db_constraint=True, to_field='id', related_name='bookings', on_delete=OnDelete.RESTRICT),
        ),
        ops.AddIndex(
            model_name='Booking',
            index=Index(fields=['series_id', 'starts_at'], name='ix_booking_series_start'),
        ),
        ops.AddField(
            model_name='BookingQuota',
            name='graduate_month_minutes',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='BookingQuota',
            name='graduate_open_bookings',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='BookingQuota',
            name='graduate_week_minutes',
            field=fields.IntField(default=0, db_default=0),
        ),
    ]
