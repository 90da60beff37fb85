from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

"""Open flags by due date (a park's and the district's), an organization's open reviews by due
date, graduation dates and accounts by role (the evaluators a review page offers): pages found
them by walking every flag, review, organization or account of the city."""

class Migration(migrations.Migration):
    dependencies = [('incubator', '0013_unique_domain_and_criterion')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='User',
            index=Index(fields=['role', 'display_name'], name='ix_account_role'),
        ),
        ops.AddIndex(
            model_name='Flag',
            index=Index(fields=['park_id', 'resolved_at', 'due_on', 'id'], name='ix_flag_park_open'),
        ),
        ops.AddIndex(
            model_name='Flag',
            index=Index(fields=['resolved_at', 'due_on', 'id'], name='ix_flag_open'),
        ),
        ops.AddIndex(
            model_name='Organization',
            index=Index(fields=['graduated_on'], name='ix_organization_graduated'),
        ),
        ops.AddIndex(
            model_name='Review',
            index=Index(fields=['organization_id', 'status', 'due_on'], name='ix_review_organization_open'),
        ),
    ]
