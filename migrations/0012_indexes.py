from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

"""Indexes for what the pages filter and sort on: the organization list's filters and sorts, open
reviews by due date (replacing the index on the due date alone, which made SQLite walk every
decided review to find the first open ones), and the foreign keys pages look up by (SQLite does
not index foreign keys by itself)."""


async def keep_unique_review_attempt(apps, editor):
    # On SQLite the AlterField below rebuilds the review table, and the rebuild leaves out the
    # unique constraint that 0005 added; PostgreSQL alters the column in place and keeps it.
    client = editor.client
    if client.capabilities.dialect == "sqlite":
        await client.execute_script(
            'CREATE UNIQUE INDEX IF NOT EXISTS "uq_review_attempt" ON "review" ("organization_id", "code", "attempt")')


class Migration(migrations.Migration):
    dependencies = [('incubator', '0011_park_defaults')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='AdmissionCriterion',
            index=Index(fields=['park_id'], name='ix_admission_criterion_park'),
        ),
        ops.AddIndex(
            model_name='AdmissionReview',
            index=Index(fields=['organization_id'], name='ix_admission_review_organization'),
        ),
        ops.AddIndex(
            model_name='Agreement',
            index=Index(fields=['organization_id'], name='ix_agreement_organization'),
        ),
        ops.AddIndex(
            model_name='Document',
            index=Index(fields=['organization_id'], name='ix_document_organization'),
        ),
        ops.AddIndex(
            model_name='Document',
            index=Index(fields=['review_id'], name='ix_document_review'),
        ),
        ops.AddIndex(
            model_name='Flag',
            index=Index(fields=['organization_id'], name='ix_flag_organization'),
        ),
        ops.AddIndex(
            model_name='Fund',
            index=Index(fields=['park_id'], name='ix_fund_park'),
        ),
        ops.AddIndex(
            model_name='Grant',
            index=Index(fields=['organization_id'], name='ix_funding_grant_organization'),
        ),
        ops.AddIndex(
            model_name='Grant',
            index=Index(fields=['fund_id'], name='ix_funding_grant_fund'),
        ),
        ops.AddIndex(
            model_name='ImportBatch',
            index=Index(fields=['park_id'], name='ix_import_batch_park'),
        ),
        ops.AddIndex(
            model_name='Indicator',
            index=Index(fields=['review_id'], name='ix_review_indicator_review'),
        ),
        ops.AddIndex(
            model_name='LedgerEntry',
            index=Index(fields=['fund_id'], name='ix_ledger_entry_fund'),
        ),
        ops.AddIndex(
            model_name='LedgerEntry',
            index=Index(fields=['grant_id'], name='ix_ledger_entry_grant'),
        ),
        ops.AddIndex(
            model_name='Organization',
            index=Index(fields=['name_zh', 'id'], name='ix_organization_name'),
        ),
        ops.AddIndex(
            model_name='Organization',
            index=Index(fields=['stage', 'name_zh'], name='ix_organization_stage'),
        ),
        ops.AddIndex(
            model_name='Organization',
            index=Index(fields=['registration', 'name_zh'], name='ix_organization_registration'),
        ),
        ops.AddIndex(
            model_name='OrganizationDomain',
            index=Index(fields=['domain_id'], name='ix_organization_domain_domain'),
        ),
        ops.AddIndex(
            model_name='ParkManager',
            index=Index(fields=['user_id'], name='ix_park_manager_user'),
        ),
        ops.AlterField(
            model_name='Review',
            name='due_on',
            field=fields.DateField(),
        ),
        ops.AddIndex(
            model_name='Review',
            index=Index(fields=['status', 'due_on', 'id'], name='ix_review_status_due'),
        ),
        ops.AddIndex(
            model_name='ReviewAssignment',
            index=Index(fields=['evaluator_id'], name='ix_review_assignment_evaluator'),
        ),
        ops.AddIndex(
            model_name='SpaceAllocation',
            index=Index(fields=['agreement_id'], name='ix_space_allocation_agreement'),
        ),
        ops.AddIndex(
            model_name='StageChange',
            index=Index(fields=['organization_id'], name='ix_stage_change_organization'),
        ),
        ops.AddIndex(
            model_name='User',
            index=Index(fields=['organization_id'], name='ix_account_organization'),
        ),
        ops.AddIndex(
            model_name='UserSession',
            index=Index(fields=['user_id'], name='ix_user_session_user'),
        ),
        ops.RunPython(keep_unique_review_attempt, ops.RunPython.noop),
    ]
