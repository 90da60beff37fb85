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
class Role(StrEnum):
    ADMIN = 'admin'
    OFFICIAL = 'official'
    MANAGER = 'manager'
    MEMBER = 'member'
    EVALUATOR = 'evaluator'


class ParkKind(StrEnum):
    HUB = 'hub'
    PARK = 'park'


class SpaceKind(StrEnum):
    DESK = 'desk'
    OFFICE = 'office'
    MEETING_ROOM = 'meeting_room'
    TRAINING_ROOM = 'training_room'
    ACTIVITY_HALL = 'activity_hall'
    RECEPTION = 'reception'


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='LoginFailure',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('username', fields.CharField(db_index=True, max_length=64)),
                ('address', fields.CharField(db_index=True, max_length=64)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'login_failure', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Park',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(default=ParkKind.PARK, description='HUB: hub\nPARK: park', enum_type=ParkKind, max_length=8)),
                ('name_zh', fields.CharField(unique=True, max_length=100)),
                ('name_en', fields.CharField(default='', max_length=150)),
                ('theme', fields.CharField(default='', max_length=200)),
                ('address', fields.CharField(default='', max_length=300)),
                ('floor_area_m2', fields.IntField(null=True)),
                ('resident_slots', fields.IntField(default=0)),
                ('operator', fields.CharField(default='', max_length=200)),
                ('description', fields.TextField(default='', unique=False)),
                ('is_active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'park', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Organization',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('park', fields.ForeignKeyField('incubator.Park', source_field='park_id', db_constraint=True, to_field='id', related_name='organizations', on_delete=OnDelete.RESTRICT)),
                ('name_zh', fields.CharField(max_length=150)),
                ('name_en', fields.CharField(default='', max_length=200)),
                ('description', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'organization', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Space',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('park', fields.ForeignKeyField('incubator.Park', source_field='park_id', db_constraint=True, to_field='id', related_name='spaces', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharEnumField(description='DESK: desk\nOFFICE: office\nMEETING_ROOM: meeting_room\nTRAINING_ROOM: training_room\nACTIVITY_HALL: activity_hall\nRECEPTION: reception', enum_type=SpaceKind, max_length=16)),
                ('name', fields.CharField(max_length=100)),
                ('capacity', fields.IntField()),
                ('area_m2', fields.IntField(null=True)),
                ('opening_hours', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('bookable', fields.BooleanField(default=False)),
                ('needs_approval', fields.BooleanField(default=False)),
                ('is_active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'space', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('username', fields.CharField(unique=True, max_length=64)),
                ('display_name', fields.CharField(max_length=100)),
                ('email', fields.CharField(default='', max_length=254)),
                ('password_hash', fields.CharField(max_length=255)),
                ('role', fields.CharEnumField(description='ADMIN: admin\nOFFICIAL: official\nMANAGER: manager\nMEMBER: member\nEVALUATOR: evaluator', enum_type=Role, max_length=16)),
                ('language', fields.CharField(default='zh_CN', max_length=8)),
                ('is_active', fields.BooleanField(default=True)),
                ('organization', fields.ForeignKeyField('incubator.Organization', source_field='organization_id', null=True, db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('password_changed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_login_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'account', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('actor', fields.ForeignKeyField('incubator.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='audit_entries', on_delete=OnDelete.SET_NULL)),
                ('actor_name', fields.CharField(default='', max_length=100)),
                ('action', fields.CharField(max_length=40)),
                ('object_type', fields.CharField(max_length=40)),
                ('object_id', fields.CharField(max_length=40)),
                ('object_repr', fields.CharField(default='', max_length=200)),
                ('changes', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('address', fields.CharField(default='', max_length=64)),
            ],
            options={'table': 'audit_entry', 'app': 'incubator', 'indexes': [Index(fields=['object_type', 'object_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ParkManager',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('park', fields.ForeignKeyField('incubator.Park', source_field='park_id', db_constraint=True, to_field='id', related_name='manager_links', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('incubator.User', source_field='user_id', db_constraint=True, to_field='id', related_name='park_links', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'park_manager', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='UserSession',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key_hash', fields.CharField(unique=True, max_length=64)),
                ('user', fields.ForeignKeyField('incubator.User', source_field='user_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('address', fields.CharField(default='', max_length=64)),
                ('user_agent', fields.CharField(default='', max_length=300)),
            ],
            options={'table': 'user_session', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
