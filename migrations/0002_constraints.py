from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint

class Migration(migrations.Migration):
    dependencies = [('incubator', '0001_initial')]

    initial = False

    operations = [
        # Check constraints first: on SQLite adding one rebuilds the table, which drops
        # any unique index added before it.
        ops.AddConstraint(
            model_name='Park',
            constraint=CheckConstraint(check='floor_area_m2 IS NULL OR floor_area_m2 > 0', name='ck_park_area'),
        ),
        ops.AddConstraint(
            model_name='Park',
            constraint=CheckConstraint(check='resident_slots >= 0', name='ck_park_slots'),
        ),
        ops.AddConstraint(
            model_name='Space',
            constraint=CheckConstraint(check='capacity > 0', name='ck_space_capacity'),
        ),
        ops.AddConstraint(
            model_name='Space',
            constraint=CheckConstraint(check='area_m2 IS NULL OR area_m2 > 0', name='ck_space_area'),
        ),
        ops.AddConstraint(
            model_name='User',
            constraint=CheckConstraint(check="(role = 'member') = (organization_id IS NOT NULL)", name='ck_account_member_has_organization'),
        ),
        ops.AddConstraint(
            model_name='Organization',
            constraint=UniqueConstraint(fields=('park_id', 'name_zh'), name='uq_organization_name'),
        ),
        ops.AddConstraint(
            model_name='ParkManager',
            constraint=UniqueConstraint(fields=('park_id', 'user_id'), name='uq_park_manager'),
        ),
        ops.AddConstraint(
            model_name='Space',
            constraint=UniqueConstraint(fields=('park_id', 'name'), name='uq_space_name_in_park'),
        ),
        # One hub per district. Written by hand: Tortoise cannot express a partial index;
        # the same statement works on SQLite and PostgreSQL.
        ops.RunSQL(
            "CREATE UNIQUE INDEX uq_park_single_hub ON park (kind) WHERE kind = 'hub'",
            reverse_sql="DROP INDEX uq_park_single_hub",
        ),
    ]
