from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint

class Migration(migrations.Migration):
    dependencies = [('incubator', '0019_training_materials')]

    initial = False

    operations = [
        ops.AddConstraint(
            model_name='Topic',
            constraint=UniqueConstraint(fields=('name_zh',), name='uq_training_topic_name'),
        ),
    ]
