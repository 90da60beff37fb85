from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('incubator', '0021_dashboards')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Organization',
            index=Index(fields=['park_id', 'stage', 'registration'], name='ix_organization_park_stage'),
        ),
        ops.AddIndex(
            model_name='Review',
            index=Index(fields=['status', 'decided_at'], name='ix_review_decided'),
        ),
    ]
