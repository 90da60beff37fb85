from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('incubator', '0018_training_feedback_feeds')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Material',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('session', fields.ForeignKeyField('incubator.TrainingSession', source_field='session_id', db_constraint=True, to_field='id', related_name='materials', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=150)),
                ('filename', fields.CharField(max_length=200)),
                ('content_type', fields.CharField(max_length=100)),
                ('size', fields.IntField()),
                ('sha256', fields.CharField(max_length=64)),
                ('storage_name', fields.CharField(unique=True, max_length=80)),
                ('uploaded_by', fields.ForeignKeyField('incubator.User', source_field='uploaded_by_id', null=True, db_constraint=True, to_field='id', related_name='training_materials', on_delete=OnDelete.SET_NULL)),
                ('uploaded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'training_material', 'app': 'incubator', 'indexes': [Index(fields=['session_id'], name='ix_training_material_session')], 'pk_attr': 'id', 'table_description': 'A file for a session (slides, handouts), stored through the checked upload path: whoever sees'},
            bases=['Model'],
        ),
    ]
