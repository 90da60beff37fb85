"""Every park has its admission scorecard and its review plan from the day it opens (seeded by the
organizations and reviews capabilities when a park is created); parks that opened before that get
the same defaults here, so that no page has to write them when it is first shown. The defaults are
copied as they were on the day of this migration."""

import json

from tortoise import migrations
from tortoise.migrations import operations as ops

CRITERIA = [
    ("社会需求与服务定位", "Social need and service focus", 30),
    ("团队与内部治理", "Team and internal governance", 25),
    ("项目可行性", "Feasibility of the plan", 25),
    ("发展潜力", "Potential to grow", 20),
]
DIMENSIONS = [
    {"name_zh": "基础条件", "name_en": "Basic conditions", "weight": 15, "max": 10},
    {"name_zh": "内部治理", "name_en": "Internal governance", "weight": 25, "max": 10},
    {"name_zh": "业务活动与诚信建设", "name_en": "Service delivery and integrity", "weight": 30, "max": 10},
    {"name_zh": "财务管理", "name_en": "Financial management", "weight": 15, "max": 10},
    {"name_zh": "社会评价", "name_en": "Social evaluation", "weight": 15, "max": 10},
]
MILESTONES = [
    ("onboarding", "入驻一个月检查", "Onboarding check", "admission", 1),
    ("registration", "登记进展检查", "Registration check", "admission", 3),
    ("midterm", "中期评估", "Mid-term review", "term", 50),
    ("graduation", "出壳评估", "Graduation review", "term", 100),
]


async def seed_park_defaults(apps, editor):
    client = editor.client
    postgres = client.capabilities.dialect == "postgres"
    mark = (lambda n: f"${n}") if postgres else (lambda n: "?")
    _, rows = await client.execute_query(
        "SELECT id FROM park p WHERE NOT EXISTS (SELECT 1 FROM admission_criterion c WHERE c.park_id = p.id)")
    insert = ("INSERT INTO admission_criterion (park_id, name_zh, name_en, weight, max_score, sort) "
              f"VALUES ({mark(1)}, {mark(2)}, {mark(3)}, {mark(4)}, 10, {mark(5)})")
    for row in rows:
        for sort, (zh, en, weight) in enumerate(CRITERIA):
            await client.execute_query(insert, [row["id"], zh, en, weight, sort])
    _, rows = await client.execute_query(
        "SELECT id FROM park p WHERE NOT EXISTS (SELECT 1 FROM milestone m WHERE m.park_id = p.id)")
    dimensions = f"CAST(CAST({mark(7)} AS TEXT) AS JSONB)" if postgres else mark(7)
    insert = ("INSERT INTO milestone (park_id, code, name_zh, name_en, anchor, amount, dimensions, pass_threshold, "
              f"sort) VALUES ({mark(1)}, {mark(2)}, {mark(3)}, {mark(4)}, {mark(5)}, {mark(6)}, {dimensions}, 60, "
              f"{mark(8)})")
    dimensions_json = json.dumps(DIMENSIONS, ensure_ascii=False)
    for row in rows:
        for sort, (code, zh, en, anchor, amount) in enumerate(MILESTONES):
            await client.execute_query(insert, [row["id"], code, zh, en, anchor, amount, dimensions_json, sort])


class Migration(migrations.Migration):
    dependencies = [("incubator", "0010_import_and_timeline")]

    initial = False

    operations = [ops.RunPython(seed_park_defaults, ops.RunPython.noop)]
