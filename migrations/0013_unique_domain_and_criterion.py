from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint

class Migration(migrations.Migration):
    dependencies = [('incubator', '0012_indexes')]

    initial = False

    operations = [
        ops.AddConstraint(
            model_name='AdmissionCriterion',
            constraint=UniqueConstraint(fields=('park_id', 'sort'), name='uq_admission_criterion_sort'),
        ),
        ops.AddConstraint(
            model_name='ServiceDomain',
            constraint=UniqueConstraint(fields=('name_zh',), name='uq_service_domain_name'),
        ),
    ]
