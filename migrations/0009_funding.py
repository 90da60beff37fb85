from tortoise import migrations
from tortoise.migrations import operations as ops
from enum import StrEnum
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint


# Copies of the app's values this migration uses, as they were when it was made: a fresh
# migrate must build the same schema whatever the models are renamed or changed to later.
class FundSource(StrEnum):
    DISTRICT = 'district_special'
    LOTTERY = 'welfare_lottery'
    OPERATOR = 'operator_budget'
    DONATION = 'donation'
    OTHER = 'other'


class GrantStatus(StrEnum):
    DRAFT = 'draft'
    PROPOSED = 'proposed'
    ACTIVE = 'active'
    CLOSED = 'closed'
    CANCELLED = 'cancelled'


class TrancheCondition(StrEnum):
    ON_SIGNING = 'on_signing'
    AFTER_REVIEW = 'after_review'
    ON_DATE = 'on_date'


class TrancheStatus(StrEnum):
    PENDING = 'pending'
    READY = 'ready'
    HELD = 'held'
    PAID = 'paid'
    CANCELLED = 'cancelled'


class Migration(migrations.Migration):
    dependencies = [('incubator', '0008_outbox')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Fund',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=100)),
                ('source', fields.CharEnumField(description='DISTRICT: district_special\nLOTTERY: welfare_lottery\nOPERATOR: operator_budget\nDONATION: donation\nOTHER: other', enum_type=FundSource, max_length=20)),
                ('park', fields.ForeignKeyField('incubator.Park', source_field='park_id', null=True, db_constraint=True, to_field='id', related_name='funds', on_delete=OnDelete.RESTRICT)),
                ('fiscal_year', fields.IntField()),
                ('budget_fen', fields.BigIntField()),
                ('committed_fen', fields.BigIntField(default=0)),
                ('disbursed_fen', fields.BigIntField(default=0)),
                ('valid_from', fields.DateField()),
                ('valid_to', fields.DateField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'fund', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Grant',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('fund', fields.ForeignKeyField('incubator.Fund', source_field='fund_id', db_constraint=True, to_field='id', related_name='grants', on_delete=OnDelete.RESTRICT)),
                ('organization', fields.ForeignKeyField('incubator.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='grants', on_delete=OnDelete.RESTRICT)),
                ('purpose', fields.CharField(max_length=300)),
                ('amount_fen', fields.BigIntField()),
                ('disbursed_fen', fields.BigIntField(default=0)),
                ('status', fields.CharEnumField(default=GrantStatus.DRAFT, description='DRAFT: draft\nPROPOSED: proposed\nACTIVE: active\nCLOSED: closed\nCANCELLED: cancelled', enum_type=GrantStatus, max_length=12)),
                ('needs_official', fields.BooleanField(default=False)),
                ('created_by', fields.ForeignKeyField('incubator.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='drafted_grants', on_delete=OnDelete.SET_NULL)),
                ('approved_by', fields.ForeignKeyField('incubator.User', source_field='approved_by_id', null=True, db_constraint=True, to_field='id', related_name='approved_grants', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('proposed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('approved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'funding_grant', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Tranche',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('grant', fields.ForeignKeyField('incubator.Grant', source_field='grant_id', db_constraint=True, to_field='id', related_name='tranches', on_delete=OnDelete.CASCADE)),
                ('sequence', fields.IntField()),
                ('amount_fen', fields.BigIntField()),
                ('condition', fields.CharEnumField(description='ON_SIGNING: on_signing\nAFTER_REVIEW: after_review\nON_DATE: on_date', enum_type=TrancheCondition, max_length=16)),
                ('review_code', fields.CharField(default='', max_length=40)),
                ('min_score', fields.IntField(null=True)),
                ('release_on', fields.DateField(null=True)),
                ('status', fields.CharEnumField(default=TrancheStatus.PENDING, description='PENDING: pending\nREADY: ready\nHELD: held\nPAID: paid\nCANCELLED: cancelled', enum_type=TrancheStatus, max_length=12)),
                ('status_reason', fields.CharField(default='', max_length=300)),
                ('paid_on', fields.DateField(null=True)),
                ('voucher', fields.CharField(default='', max_length=60)),
            ],
            options={'table': 'tranche', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LedgerEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('fund', fields.ForeignKeyField('incubator.Fund', source_field='fund_id', db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.RESTRICT)),
                ('grant', fields.ForeignKeyField('incubator.Grant', source_field='grant_id', null=True, db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.RESTRICT)),
                ('tranche', fields.ForeignKeyField('incubator.Tranche', source_field='tranche_id', null=True, db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharField(max_length=10)),
                ('committed_delta_fen', fields.BigIntField(default=0)),
                ('disbursed_delta_fen', fields.BigIntField(default=0)),
                ('on_date', fields.DateField()),
                ('voucher', fields.CharField(default='', max_length=60)),
                ('note', fields.CharField(default='', max_length=300)),
                ('actor', fields.ForeignKeyField('incubator.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='ledger_entries', on_delete=OnDelete.SET_NULL)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'ledger_entry', 'app': 'incubator', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        # Constraints after the tables (CreateModel does not create them): checks first.
        ops.AddConstraint(
            model_name='Fund',
            constraint=CheckConstraint(check='budget_fen > 0', name='ck_fund_budget'),
        ),
        ops.AddConstraint(
            model_name='Fund',
            constraint=CheckConstraint(check='committed_fen >= 0 AND committed_fen <= budget_fen', name='ck_fund_committed'),
        ),
        ops.AddConstraint(
            model_name='Fund',
            constraint=CheckConstraint(check='disbursed_fen >= 0 AND disbursed_fen <= committed_fen', name='ck_fund_disbursed'),
        ),
        ops.AddConstraint(
            model_name='Fund',
            constraint=CheckConstraint(check='valid_to >= valid_from', name='ck_fund_validity'),
        ),
        ops.AddConstraint(
            model_name='Grant',
            constraint=CheckConstraint(check='amount_fen > 0', name='ck_grant_amount'),
        ),
        ops.AddConstraint(
            model_name='Grant',
            constraint=CheckConstraint(check='disbursed_fen >= 0 AND disbursed_fen <= amount_fen', name='ck_grant_disbursed'),
        ),
        ops.AddConstraint(
            model_name='Tranche',
            constraint=CheckConstraint(check='amount_fen > 0', name='ck_tranche_amount'),
        ),
        ops.AddConstraint(
            model_name='LedgerEntry',
            constraint=CheckConstraint(check="kind IN ('commit', 'release', 'disburse', 'repay')", name='ck_ledger_kind'),
        ),
        ops.AddConstraint(
            model_name='Tranche',
            constraint=UniqueConstraint(fields=('grant_id', 'sequence'), name='uq_tranche_sequence'),
        ),
    ]
