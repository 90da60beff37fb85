from tortoise import migrations
from tortoise.migrations import operations as ops
from enum import StrEnum
from tortoise import fields
import json
import re


# Copies of the app's values this migration uses, as they were when it was made: a fresh
# migrate must build the same schema whatever the models are renamed or changed to later.
class TimelineKind(StrEnum):
    STAGE = 'stage'
    PROFILE = 'profile'


# System notes used to be stored translated, in whichever language the writer used.
RECEIVED = ("Application received", "已收到申请")
IMPORTED = (re.compile(r"^Imported from (.+)$"), re.compile(r"^从 (.+) 导入$"))


async def keep_notes_untranslated(apps, editor):
    client = editor.client
    postgres = client.capabilities.dialect == "postgres"
    await client.execute_script(
        "UPDATE application SET name_zh = COALESCE((SELECT o.name_zh FROM organization o "
        "WHERE o.id = application.organization_id), '')")
    _, rows = await client.execute_query(
        "SELECT id, reason FROM stage_change WHERE reason IN ('Application received', '已收到申请') "
        "OR reason LIKE 'Imported from %' OR reason LIKE '从 % 导入'")
    update = ("UPDATE stage_change SET reason = '', details = CAST(CAST($1 AS TEXT) AS JSONB) WHERE id = $2"
              if postgres else "UPDATE stage_change SET reason = '', details = ? WHERE id = ?")
    for row in rows:
        reason = row["reason"]
        note = {"note": "application_received"} if reason in RECEIVED else None
        for pattern in IMPORTED:
            if note is None and (found := pattern.match(reason)):
                note = {"note": "imported", "file": found.group(1)}
        if note is not None:
            await client.execute_query(update, [json.dumps(note, ensure_ascii=False), row["id"]])

class Migration(migrations.Migration):
    dependencies = [('incubator', '0009_funding')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Application',
            name='name_zh',
            field=fields.CharField(default='', db_default='', max_length=150),
        ),
        ops.AddField(
            model_name='StageChange',
            name='kind',
            field=fields.CharEnumField(default=TimelineKind.STAGE, description='STAGE: stage\nPROFILE: profile', db_default='stage', enum_type=TimelineKind, max_length=12),
        ),
        ops.RunPython(keep_notes_untranslated, ops.RunPython.noop),
    ]
