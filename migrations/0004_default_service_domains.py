from tortoise import migrations
from tortoise.migrations import operations as ops

# The service domains parks use (DOMAIN.md); administrators can add more in the app.
DOMAINS = [
    ("elderly", "养老服务", "Elderly services"),
    ("relief", "救助帮扶", "Relief and assistance"),
    ("culture_education", "文化教育", "Culture and education"),
    ("volunteering", "志愿互助", "Volunteer mutual aid"),
    ("environment", "环境保护", "Environment"),
    ("migrants", "外来人口服务", "Migrant services"),
    ("youth", "青少年服务", "Youth services"),
    ("military_families", "双拥优抚", "Support for military families"),
    ("self_governance", "民主自治", "Democratic self-governance"),
    ("disability", "助残服务", "Disability assistance"),
    ("family", "家庭服务", "Family services"),
    ("social_work", "社会工作", "Social work"),
]


class Migration(migrations.Migration):
    dependencies = [('incubator', '0003_organization_path')]

    initial = False

    operations = [
        ops.RunSQL(
            [
                (
                    "INSERT INTO service_domain (code, name_zh, name_en, sort, is_active) "
                    f"VALUES ('{code}', '{zh}', '{en}', {index * 10}, TRUE)"
                )
                for index, (code, zh, en) in enumerate(DOMAINS, start=1)
            ],
            reverse_sql="DELETE FROM service_domain WHERE code IN ("
            + ", ".join(f"'{code}'" for code, _, _ in DOMAINS) + ")",
        ),
    ]
