from tortoise import migrations
from tortoise.migrations import operations as ops
from enum import StrEnum
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint


# Copies of the app's values this migration uses, as they were when it was made: a fresh
# migrate must build the same schema whatever the models are renamed or changed to later.
class Attendance(StrEnum):
    UNMARKED = ''
    PRESENT = 'present'
    LATE = 'late'
    ABSENT = 'absent'


class Audience(StrEnum):
    RESIDENTS = 'residents'
    STAGES = 'stages'
    CHOSEN = 'chosen'


class PersonRole(StrEnum):
    STAFF = 'staff'
    VOLUNTEER = 'volunteer'
    BOARD = 'board'


class SeatStatus(StrEnum):
    SEATED = 'seated'
    WAITLISTED = 'waitlisted'
    CANCELLED = 'cancelled'


# The topics parks train on (DOMAIN.md: 能力建设); managers' lists grow from here.
TOPICS = [
    ("registration_governance", "登记注册与内部治理", "Registration and governance"),
    ("project_design", "项目设计", "Project design"),
    ("finance", "财务管理", "Financial management"),
    ("fundraising", "资源筹集", "Fundraising"),
    ("volunteers", "志愿者管理", "Volunteer management"),
    ("social_work", "社会工作方法", "Social-work methods"),
    ("publicity", "宣传传播", "Publicity"),
]


async def seed_topics(apps, editor):
    for index, (code, zh, en) in enumerate(TOPICS, start=1):
        await editor.client.execute_query(
            "INSERT INTO training_topic (code, name_zh, name_en, sort, is_active) VALUES "
            + ("(?, ?, ?, ?, TRUE)" if editor.client.capabilities.dialect == "sqlite" else "($1, $2, $3, $4, TRUE)"),
            [code, zh, en, index * 10])


async def training_indexes(apps, editor):
    # One live seat (seated or waitlisted) per person and session, on both databases. On SQLite each
    # AddConstraint above rebuilt its table without the indexes CreateModel made and without the
    # uniqueness of one-to-one columns (one settings row a park); PostgreSQL alters in place.
    client = editor.client
    script = ("CREATE UNIQUE INDEX uq_training_seat_live ON training_seat (session_id, person_id) "
              "WHERE status IN ('seated', 'waitlisted'); ")
    if client.capabilities.dialect == "sqlite":
        script += (
            'CREATE INDEX IF NOT EXISTS "ix_training_session_park_start" ON "training_session" ("park_id", "starts_at"); '
            'CREATE INDEX IF NOT EXISTS "ix_training_session_start" ON "training_session" ("starts_at"); '
            'CREATE INDEX IF NOT EXISTS "ix_training_session_course" ON "training_session" ("course_id", "starts_at"); '
            'CREATE INDEX IF NOT EXISTS "ix_training_seat_session" ON "training_seat" '
            '("session_id", "status", "signed_up_at"); '
            'CREATE INDEX IF NOT EXISTS "ix_training_seat_organization" ON "training_seat" ("organization_id", "session_id"); '
            'CREATE INDEX IF NOT EXISTS "ix_training_seat_person" ON "training_seat" ("person_id"); '
            'CREATE UNIQUE INDEX IF NOT EXISTS "uq_training_settings_park" ON "training_settings" ("park_id")')
    await client.execute_script(script)


class Migration(migrations.Migration):
    dependencies = [('incubator', '0016_booking_series_watches_feeds')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Person',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('incubator.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='people', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=60)),
                ('phone', fields.CharField(default='', max_length=11)),
                ('role', fields.CharEnumField(default=PersonRole.STAFF, description='STAFF: staff\nVOLUNTEER: volunteer\nBOARD: board', enum_type=PersonRole, max_length=12)),
                ('is_active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'training_person', 'app': 'incubator', 'indexes': [Index(fields=['organization_id', 'name'], name='ix_training_person_organization')], 'pk_attr': 'id', 'table_description': "One of an organization's people (staff, volunteers), whom its members sign up for training."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Topic',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=40)),
                ('name_zh', fields.CharField(max_length=60)),
                ('name_en', fields.CharField(default='', max_length=80)),
                ('sort', fields.IntField(default=100)),
                ('is_active', fields.BooleanField(default=True)),
            ],
            options={'table': 'training_topic', 'app': 'incubator', 'pk_attr': 'id', 'table_description': 'A topic of training (registration and governance, project design…): an extendable list.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TrainingCourse',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('park', fields.ForeignKeyField('incubator.Park', source_field='park_id', db_constraint=True, to_field='id', related_name='training_courses', on_delete=OnDelete.RESTRICT)),
                ('title', fields.CharField(max_length=150)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'training_course', 'app': 'incubator', 'pk_attr': 'id', 'table_description': 'Sessions created together (a six-week course): edited as a whole or one session at a time.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TrainingSession',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('park', fields.ForeignKeyField('incubator.Park', source_field='park_id', db_constraint=True, to_field='id', related_name='training_sessions', on_delete=OnDelete.RESTRICT)),
                ('course', fields.ForeignKeyField('incubator.TrainingCourse', source_field='course_id', null=True, db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.RESTRICT)),
                ('topic', fields.ForeignKeyField('incubator.Topic', source_field='topic_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.RESTRICT)),
                ('title', fields.CharField(max_length=150)),
                ('description', fields.TextField(default='', unique=False)),
                ('trainer', fields.CharField(max_length=60)),
                ('trainer_organization', fields.CharField(default='', max_length=150)),
                ('trainer_external', fields.BooleanField(default=False)),
                ('space', fields.ForeignKeyField('incubator.Space', source_field='space_id', db_constraint=True, to_field='id', related_name='training_sessions', on_delete=OnDelete.RESTRICT)),
                ('hold', fields.ForeignKeyField('incubator.Booking', source_field='hold_id', null=True, db_constraint=True, to_field='id', related_name='training_sessions', on_delete=OnDelete.SET_NULL)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('capacity', fields.IntField()),
                ('per_organization', fields.IntField(default=2)),
                ('seated', fields.IntField(default=0)),
                ('cancel_hours', fields.IntField(default=24)),
                ('audience', fields.CharEnumField(default=Audience.RESIDENTS, description='RESIDENTS: residents\nSTAGES: stages\nCHOSEN: chosen', enum_type=Audience, max_length=12)),
                ('audience_stages', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('mandatory', fields.BooleanField(default=False)),
                ('credit_minutes', fields.IntField()),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'training_session', 'app': 'incubator', 'indexes': [Index(fields=['park_id', 'starts_at'], name='ix_training_session_park_start'), Index(fields=['starts_at'], name='ix_training_session_start'), Index(fields=['course_id', 'starts_at'], name='ix_training_session_course')], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Seat',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('session', fields.ForeignKeyField('incubator.TrainingSession', source_field='session_id', db_constraint=True, to_field='id', related_name='seats', on_delete=OnDelete.RESTRICT)),
                ('person', fields.ForeignKeyField('incubator.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='seats', on_delete=OnDelete.RESTRICT)),
                ('organization', fields.ForeignKeyField('incubator.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='training_seats', on_delete=OnDelete.RESTRICT)),
                ('signed_up_by', fields.ForeignKeyField('incubator.User', source_field='signed_up_by_id', null=True, db_constraint=True, to_field='id', related_name='training_seats', on_delete=OnDelete.SET_NULL)),
                ('status', fields.CharEnumField(description='SEATED: seated\nWAITLISTED: waitlisted\nCANCELLED: cancelled', enum_type=SeatStatus, max_length=12)),
                ('signed_up_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('seated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('attendance', fields.CharEnumField(default=Attendance.UNMARKED, description='UNMARKED: \nPRESENT: present\nLATE: late\nABSENT: absent', enum_type=Attendance, max_length=8)),
                ('checked_in_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('credit_minutes', fields.IntField(default=0)),
            ],
            options={'table': 'training_seat', 'app': 'incubator', 'indexes': [Index(fields=['session_id', 'status', 'signed_up_at'], name='ix_training_seat_session'), Index(fields=['organization_id', 'session_id'], name='ix_training_seat_organization'), Index(fields=['person_id'], name='ix_training_seat_person')], 'pk_attr': 'id', 'table_description': 'A person signed up for a session: seated, or on its waitlist, or given back.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SessionAudience',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('session', fields.ForeignKeyField('incubator.TrainingSession', source_field='session_id', db_constraint=True, to_field='id', related_name='chosen', on_delete=OnDelete.CASCADE)),
                ('organization', fields.ForeignKeyField('incubator.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='training_invitations', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'training_session_audience', 'app': 'incubator', 'unique_together': (('session', 'organization'),), 'pk_attr': 'id', 'table_description': 'An organization chosen for a session whose audience is "chosen organizations".'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TrainingSettings',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('park', fields.OneToOneField('incubator.Park', source_field='park_id', db_constraint=True, to_field='id', related_name='training_settings', on_delete=OnDelete.CASCADE)),
                ('min_hours', fields.IntField(default=0)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'training_settings', 'app': 'incubator', 'pk_attr': 'id', 'table_description': "A park's training settings: the hours an organization must have attended to graduate."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Booking',
            name='held_by',
            field=fields.CharField(default='', db_default='', max_length=20),
        ),
        # Constraints after the tables (CreateModel does not create them): checks first.
        ops.AddConstraint(
            model_name='TrainingSession',
            constraint=CheckConstraint(check='starts_at < ends_at', name='ck_training_session_times'),
        ),
        ops.AddConstraint(
            model_name='TrainingSession',
            constraint=CheckConstraint(check='capacity > 0 AND per_organization > 0 AND seated >= 0 AND seated <= capacity', name='ck_training_session_seats'),
        ),
        ops.AddConstraint(
            model_name='TrainingSession',
            constraint=CheckConstraint(check='credit_minutes >= 0 AND cancel_hours >= 0', name='ck_training_session_credit'),
        ),
        ops.AddConstraint(
            model_name='Seat',
            constraint=CheckConstraint(check='credit_minutes >= 0', name='ck_training_seat_credit'),
        ),
        ops.AddConstraint(
            model_name='TrainingSettings',
            constraint=CheckConstraint(check='min_hours >= 0', name='ck_training_settings_hours'),
        ),
        ops.RunPython(training_indexes, ops.RunPython.noop),
        ops.RunPython(seed_topics, ops.RunPython.noop),
    ]
