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
class OrganizationKind(StrEnum):
    SOCIAL_ASSOCIATION = 'social_association'
    PRIVATE_NON_ENTERPRISE = 'private_non_enterprise'
    FOUNDATION = 'foundation'
    COMMUNITY_GROUP = 'community_group'
    UNREGISTERED = 'unregistered'


class Registration(StrEnum):
    UNREGISTERED = 'unregistered'
    PREPARING = 'preparing'
    FILED = 'filed'
    REGISTERED = 'registered'


class Stage(StrEnum):
    APPLIED = 'applied'
    SCREENING = 'screening'
    REJECTED = 'rejected'
    ADMITTED = 'admitted'
    INCUBATING = 'incubating'
    MIDTERM_REVIEW = 'midterm_review'
    GRADUATION_REVIEW = 'graduation_review'
    EXTENDED = 'extended'
    GRADUATED = 'graduated'
    EXITED = 'exited'


def default_agreement_terms():
    return [6, 12, 24]


class Migration(migrations.Migration):
    dependencies = [('incubator', '0002_constraints')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AdmissionCriterion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('park', fields.ForeignKeyField('incubator.Park', source_field='park_id', db_constraint=True, to_field='id', related_name='admission_criteria', on_delete=OnDelete.CASCADE)),
                ('name_zh', fields.CharField(max_length=60)),
                ('name_en', fields.CharField(default='', max_length=80)),
                ('weight', fields.IntField()),
                ('max_score', fields.IntField(default=10)),
                ('sort', fields.IntField(default=0)),
            ],
            options={'table': 'admission_criterion', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AdmissionReview',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('incubator.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='admission_reviews', on_delete=OnDelete.CASCADE)),
                ('reviewer', fields.ForeignKeyField('incubator.User', source_field='reviewer_id', null=True, db_constraint=True, to_field='id', related_name='admission_reviews', on_delete=OnDelete.SET_NULL)),
                ('scores', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('weighted_score', fields.DecimalField(max_digits=5, decimal_places=1)),
                ('decision', fields.CharField(max_length=8)),
                ('reason', fields.TextField(default='', unique=False)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'admission_review', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Agreement',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('incubator.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='agreements', on_delete=OnDelete.CASCADE)),
                ('start_on', fields.DateField()),
                ('term_months', fields.IntField()),
                ('end_on', fields.DateField()),
                ('supports', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('signed_by', fields.ForeignKeyField('incubator.User', source_field='signed_by_id', null=True, db_constraint=True, to_field='id', related_name='signed_agreements', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('ended_on', fields.DateField(null=True)),
            ],
            options={'table': 'agreement', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Application',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.OneToOneField('incubator.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='application', on_delete=OnDelete.CASCADE)),
                ('reference', fields.CharField(unique=True, max_length=40)),
                ('plan', fields.TextField(default='', unique=False)),
                ('supports', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('submitted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('address', fields.CharField(default='', max_length=64)),
                ('duplicate_of', fields.CharField(default='', max_length=300)),
            ],
            options={'table': 'application', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Document',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('incubator.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='documents', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=150)),
                ('filename', fields.CharField(max_length=200)),
                ('content_type', fields.CharField(max_length=100)),
                ('size', fields.IntField()),
                ('sha256', fields.CharField(max_length=64)),
                ('storage_name', fields.CharField(unique=True, max_length=80)),
                ('uploaded_by', fields.ForeignKeyField('incubator.User', source_field='uploaded_by_id', null=True, db_constraint=True, to_field='id', related_name='documents', on_delete=OnDelete.SET_NULL)),
                ('uploaded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'document', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FollowUp',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('incubator.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='follow_ups', on_delete=OnDelete.CASCADE)),
                ('due_on', fields.DateField()),
                ('done_on', fields.DateField(null=True)),
                ('notes', fields.TextField(default='', unique=False)),
                ('recorded_by', fields.ForeignKeyField('incubator.User', source_field='recorded_by_id', null=True, db_constraint=True, to_field='id', related_name='follow_ups', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'follow_up', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ImportBatch',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('park', fields.ForeignKeyField('incubator.Park', source_field='park_id', db_constraint=True, to_field='id', related_name='import_batches', on_delete=OnDelete.CASCADE)),
                ('created_by', fields.ForeignKeyField('incubator.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='import_batches', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('filename', fields.CharField(max_length=200)),
                ('rows', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('status', fields.CharField(default='preview', max_length=12)),
                ('applied_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('summary', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={'table': 'import_batch', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ServiceDomain',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=40)),
                ('name_zh', fields.CharField(max_length=60)),
                ('name_en', fields.CharField(default='', max_length=80)),
                ('sort', fields.IntField(default=100)),
                ('is_active', fields.BooleanField(default=True)),
            ],
            options={'table': 'service_domain', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrganizationDomain',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('incubator.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='domain_links', on_delete=OnDelete.CASCADE)),
                ('domain', fields.ForeignKeyField('incubator.ServiceDomain', source_field='domain_id', db_constraint=True, to_field='id', related_name='organization_links', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'organization_domain', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SpaceAllocation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('agreement', fields.ForeignKeyField('incubator.Agreement', source_field='agreement_id', db_constraint=True, to_field='id', related_name='allocations', on_delete=OnDelete.CASCADE)),
                ('space', fields.ForeignKeyField('incubator.Space', source_field='space_id', db_constraint=True, to_field='id', related_name='allocations', on_delete=OnDelete.RESTRICT)),
                ('allocated_on', fields.DateField()),
                ('released_on', fields.DateField(null=True)),
            ],
            options={'table': 'space_allocation', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StageChange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('incubator.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='stage_changes', on_delete=OnDelete.CASCADE)),
                ('from_stage', fields.CharField(default='', max_length=24)),
                ('to_stage', fields.CharField(max_length=24)),
                ('actor', fields.ForeignKeyField('incubator.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='stage_changes', on_delete=OnDelete.SET_NULL)),
                ('actor_name', fields.CharField(default='', max_length=100)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('reason', fields.TextField(default='', unique=False)),
                ('details', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={'table': 'stage_change', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Organization',
            name='admitted_on',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='Organization',
            name='contact_person',
            field=fields.CharField(default='', db_default='', max_length=60),
        ),
        ops.AddField(
            model_name='Organization',
            name='credit_code',
            field=fields.CharField(null=True, unique=True, max_length=18),
        ),
        ops.AddField(
            model_name='Organization',
            name='email',
            field=fields.CharField(default='', db_default='', max_length=254),
        ),
        ops.AddField(
            model_name='Organization',
            name='exited_on',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='Organization',
            name='filed_on',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='Organization',
            name='filing_authority',
            field=fields.CharField(default='', db_default='', max_length=100),
        ),
        ops.AddField(
            model_name='Organization',
            name='filing_number',
            field=fields.CharField(default='', db_default='', max_length=60),
        ),
        ops.AddField(
            model_name='Organization',
            name='founded_on',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='Organization',
            name='graduated_on',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='Organization',
            name='handback_deadline',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='Organization',
            name='kind',
            field=fields.CharEnumField(default=OrganizationKind.UNREGISTERED, description='SOCIAL_ASSOCIATION: social_association\nPRIVATE_NON_ENTERPRISE: private_non_enterprise\nFOUNDATION: foundation\nCOMMUNITY_GROUP: community_group\nUNREGISTERED: unregistered', db_default='unregistered', enum_type=OrganizationKind, max_length=32),
        ),
        ops.AddField(
            model_name='Organization',
            name='legal_representative',
            field=fields.CharField(default='', db_default='', max_length=60),
        ),
        ops.AddField(
            model_name='Organization',
            name='mobile',
            field=fields.CharField(default='', db_default='', max_length=11),
        ),
        ops.AddField(
            model_name='Organization',
            name='name_preapproval',
            field=fields.CharField(default='', db_default='', max_length=100),
        ),
        ops.AddField(
            model_name='Organization',
            name='registered_on',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='Organization',
            name='registration',
            field=fields.CharEnumField(default=Registration.UNREGISTERED, description='UNREGISTERED: unregistered\nPREPARING: preparing\nFILED: filed\nREGISTERED: registered', db_default='unregistered', enum_type=Registration, max_length=16),
        ),
        ops.AddField(
            model_name='Organization',
            name='registration_authority',
            field=fields.CharField(default='', db_default='', max_length=100),
        ),
        ops.AddField(
            model_name='Organization',
            name='staff_count',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Organization',
            name='stage',
            field=fields.CharEnumField(default=Stage.APPLIED, description='APPLIED: applied\nSCREENING: screening\nREJECTED: rejected\nADMITTED: admitted\nINCUBATING: incubating\nMIDTERM_REVIEW: midterm_review\nGRADUATION_REVIEW: graduation_review\nEXTENDED: extended\nGRADUATED: graduated\nEXITED: exited', db_default='applied', enum_type=Stage, max_length=24),
        ),
        ops.AddField(
            model_name='Organization',
            name='stage_changed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Organization',
            name='term_end_on',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='Organization',
            name='volunteer_count',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Organization',
            name='website',
            field=fields.CharField(default='', db_default='', max_length=300),
        ),
        ops.AddField(
            model_name='Park',
            name='accepts_applications',
            field=fields.BooleanField(default=True, db_default=True),
        ),
        ops.AddField(
            model_name='Park',
            name='agreement_terms',
            field=fields.JSONField(default=default_agreement_terms, db_default='[6, 12, 24]', encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name='Park',
            name='registration_due_months',
            field=fields.IntField(default=6, db_default=6),
        ),
        # Constraints after the tables: Tortoise's CreateModel does not create Meta.constraints.
        # Check constraints first: on SQLite adding one rebuilds the table and drops the
        # named unique indexes made before it.
        ops.AddConstraint(
            model_name='Organization',
            constraint=CheckConstraint(check='staff_count >= 0 AND volunteer_count >= 0', name='ck_organization_counts'),
        ),
        ops.AddConstraint(
            model_name='Organization',
            constraint=CheckConstraint(check="registration <> 'registered' OR credit_code IS NOT NULL", name='ck_organization_registered_has_code'),
        ),
        ops.AddConstraint(
            model_name='AdmissionCriterion',
            constraint=CheckConstraint(check='weight > 0 AND max_score > 0', name='ck_admission_criterion'),
        ),
        ops.AddConstraint(
            model_name='AdmissionReview',
            constraint=CheckConstraint(check="decision IN ('admit', 'reject')", name='ck_admission_decision'),
        ),
        ops.AddConstraint(
            model_name='Agreement',
            constraint=CheckConstraint(check='end_on > start_on AND term_months > 0', name='ck_agreement_term'),
        ),
        ops.AddConstraint(
            model_name='FollowUp',
            constraint=UniqueConstraint(fields=('organization_id', 'due_on'), name='uq_follow_up'),
        ),
        ops.AddConstraint(
            model_name='OrganizationDomain',
            constraint=UniqueConstraint(fields=('organization_id', 'domain_id'), name='uq_organization_domain'),
        ),
        # The check constraints above rebuilt "organization" on SQLite, dropping this index from
        # 0002; on PostgreSQL it still exists and this is a no-op.
        ops.RunSQL(
            "CREATE UNIQUE INDEX IF NOT EXISTS uq_organization_name ON organization (park_id, name_zh)",
            reverse_sql="SELECT 1",
        ),
        # At most one open allocation per desk or office (a partial index: RunSQL).
        ops.RunSQL(
            "CREATE UNIQUE INDEX uq_space_allocation_open ON space_allocation (space_id) WHERE released_on IS NULL",
            reverse_sql="DROP INDEX uq_space_allocation_open",
        ),
    ]
