from tortoise import migrations
from tortoise.migrations import operations as ops
from enum import StrEnum
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint


# Copies of the app's values this migration uses, as they were when it was made: a fresh
# migrate must build the same schema whatever the models are renamed or changed to later.
class BookingStatus(StrEnum):
    PENDING = 'pending'
    CONFIRMED = 'confirmed'
    CANCELLED = 'cancelled'
    REJECTED = 'rejected'
    RELEASED = 'released'


async def exclude_overlapping_bookings(apps, editor):
    # PostgreSQL: no two confirmed bookings of a space hold overlapping time, whatever the
    # concurrency (written by hand: Tortoise cannot express an exclusion constraint). SQLite has
    # none; its booking transactions take the write lock before they check (booking.service).
    client = editor.client
    if client.capabilities.dialect == "postgres":
        await client.execute_script(
            "CREATE EXTENSION IF NOT EXISTS btree_gist; "
            "ALTER TABLE booking ADD CONSTRAINT ex_booking_no_overlap EXCLUDE USING gist "
            "(space_id WITH =, tstzrange(starts_at, held_until, '[)') WITH &&) WHERE (status = 'confirmed')")


async def keep_booking_indexes(apps, editor):
    # On SQLite each AddConstraint below rebuilt its table without the indexes CreateModel made
    # (tests/test_migrations.py) and without the uniqueness of the one-to-one columns (one quota a
    # park, one set of rules a space: tests/booking/test_races.py); PostgreSQL alters in place.
    client = editor.client
    if client.capabilities.dialect == "sqlite":
        await client.execute_script(
            'CREATE INDEX IF NOT EXISTS "ix_booking_space_start" ON "booking" ("space_id", "starts_at"); '
            'CREATE INDEX IF NOT EXISTS "ix_booking_organization_start" ON "booking" ("organization_id", "starts_at"); '
            'CREATE UNIQUE INDEX IF NOT EXISTS "uq_booking_quota_park" ON "booking_quota" ("park_id"); '
            'CREATE UNIQUE INDEX IF NOT EXISTS "uq_booking_rules_space" ON "booking_rules" ("space_id")')


class Migration(migrations.Migration):
    dependencies = [('incubator', '0014_open_flags_and_reviews_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Booking',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('space', fields.ForeignKeyField('incubator.Space', source_field='space_id', db_constraint=True, to_field='id', related_name='bookings', on_delete=OnDelete.RESTRICT)),
                ('organization', fields.ForeignKeyField('incubator.Organization', source_field='organization_id', null=True, db_constraint=True, to_field='id', related_name='bookings', on_delete=OnDelete.RESTRICT)),
                ('booked_by', fields.ForeignKeyField('incubator.User', source_field='booked_by_id', null=True, db_constraint=True, to_field='id', related_name='bookings', on_delete=OnDelete.SET_NULL)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('held_until', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('attendees', fields.IntField(default=1)),
                ('purpose', fields.CharField(default='', max_length=200)),
                ('status', fields.CharEnumField(description='PENDING: pending\nCONFIRMED: confirmed\nCANCELLED: cancelled\nREJECTED: rejected\nRELEASED: released', enum_type=BookingStatus, max_length=12)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('checked_in_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('end_reason', fields.CharField(default='', max_length=300)),
            ],
            options={'table': 'booking', 'app': 'incubator', 'constraints': [CheckConstraint(check='starts_at < ends_at AND ends_at <= held_until', name='ck_booking_times'), CheckConstraint(check='attendees >= 0', name='ck_booking_attendees')], 'indexes': [Index(fields=['space_id', 'starts_at'], name='ix_booking_space_start'), Index(fields=['organization_id', 'starts_at'], name='ix_booking_organization_start')], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BookingQuota',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('park', fields.OneToOneField('incubator.Park', source_field='park_id', db_constraint=True, to_field='id', related_name='booking_quota', on_delete=OnDelete.CASCADE)),
                ('week_minutes', fields.IntField(default=480)),
                ('month_minutes', fields.IntField(default=960)),
                ('open_bookings', fields.IntField(default=4)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'booking_quota', 'app': 'incubator', 'constraints': [CheckConstraint(check='week_minutes >= 0 AND month_minutes >= 0 AND open_bookings >= 0', name='ck_booking_quota')], 'pk_attr': 'id', 'table_description': "A park's quota per organization, shared by all its members (one row a park)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BookingRules',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('space', fields.OneToOneField('incubator.Space', source_field='space_id', db_constraint=True, to_field='id', related_name='booking_rules', on_delete=OnDelete.CASCADE)),
                ('slot_minutes', fields.IntField(default=30)),
                ('min_minutes', fields.IntField(default=30)),
                ('max_minutes', fields.IntField(default=240)),
                ('notice_minutes', fields.IntField(default=60)),
                ('horizon_days', fields.IntField(default=60)),
                ('buffer_minutes', fields.IntField(default=0)),
                ('release_minutes', fields.IntField(default=15)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'booking_rules', 'app': 'incubator', 'constraints': [CheckConstraint(check='slot_minutes IN (15, 30, 60)', name='ck_booking_rules_slot'), CheckConstraint(check='min_minutes > 0 AND min_minutes <= max_minutes AND max_minutes <= 1440', name='ck_booking_rules_duration'), CheckConstraint(check='notice_minutes >= 0 AND horizon_days > 0 AND buffer_minutes >= 0', name='ck_booking_rules_window'), CheckConstraint(check='release_minutes >= 0', name='ck_booking_rules_release')], 'pk_attr': 'id', 'table_description': 'How a bookable space may be booked: one row a space, the defaults until a manager sets them.'},
            bases=['Model'],
        ),
        # CreateModel leaves Meta.constraints out (tests/test_migrations.py): added here.
        ops.AddConstraint(
            model_name='Booking',
            constraint=CheckConstraint(check='starts_at < ends_at AND ends_at <= held_until', name='ck_booking_times'),
        ),
        ops.AddConstraint(
            model_name='Booking',
            constraint=CheckConstraint(check='attendees >= 0', name='ck_booking_attendees'),
        ),
        ops.AddConstraint(
            model_name='BookingQuota',
            constraint=CheckConstraint(check='week_minutes >= 0 AND month_minutes >= 0 AND open_bookings >= 0', name='ck_booking_quota'),
        ),
        ops.AddConstraint(
            model_name='BookingRules',
            constraint=CheckConstraint(check='slot_minutes IN (15, 30, 60)', name='ck_booking_rules_slot'),
        ),
        ops.AddConstraint(
            model_name='BookingRules',
            constraint=CheckConstraint(check='min_minutes > 0 AND min_minutes <= max_minutes AND max_minutes <= 1440', name='ck_booking_rules_duration'),
        ),
        ops.AddConstraint(
            model_name='BookingRules',
            constraint=CheckConstraint(check='notice_minutes >= 0 AND horizon_days > 0 AND buffer_minutes >= 0', name='ck_booking_rules_window'),
        ),
        ops.AddConstraint(
            model_name='BookingRules',
            constraint=CheckConstraint(check='release_minutes >= 0', name='ck_booking_rules_release'),
        ),
        ops.RunPython(keep_booking_indexes, ops.RunPython.noop),
        ops.RunPython(exclude_overlapping_bookings, ops.RunPython.noop),
    ]
