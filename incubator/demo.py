"""Demo data modelled on DOMAIN.md (Binhu district, Wuxi): one hub and three themed parks
with their spaces, and one account per role. Loading it twice changes nothing."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from incubator.auth.models import Role, User
from incubator.auth.service import create_user_plain
from incubator.organizations.models import Organization
from incubator.parks.models import Park, ParkKind, Space, SpaceKind

DEMO_PASSWORD = "demo-password"  # noqa: S105 - documented demo credential

WEEKDAY_HOURS = {d: ["08:30", "17:30"] for d in ("mon", "tue", "wed", "thu", "fri")} | {
    "sat": None, "sun": None,
}
LONG_HOURS = {d: ["08:30", "21:00"] for d in ("mon", "tue", "wed", "thu", "fri")} | {
    "sat": ["09:00", "17:00"], "sun": None,
}

PARKS = [
    {
        "kind": ParkKind.PARK, "name_zh": "灵山·太湖社区公益园",
        "name_en": "Lingshan-Taihu Community Welfare Park",
        "theme": "志愿服务", "address": "滨湖区太湖街道", "floor_area_m2": 2200, "resident_slots": 20,
        "operator": "滨湖区社会组织发展促进会",
        "description": "17 家志愿服务类组织入驻，18 个服务项目。",
    },
    {
        "kind": ParkKind.PARK, "name_zh": "河埒“益巢”家庭服务园", "name_en": "Helie 'Yichao' Family Service Park",
        "theme": "家庭服务", "address": "滨湖区河埒街道", "floor_area_m2": 1500, "resident_slots": 15,
        "operator": "益巢社会工作服务社",
        "description": "13 家家庭服务类组织：独居老人、儿童、心理疏导。",
    },
    {
        "kind": ParkKind.PARK, "name_zh": "荣巷助残孵化园", "name_en": "Rongxiang Disability Assistance Park",
        "theme": "助残服务", "address": "滨湖区荣巷街道", "floor_area_m2": 1100, "resident_slots": 12,
        "operator": "荣巷助残服务中心",
        "description": "10 余家助残类组织入驻。",
    },
    {
        "kind": ParkKind.HUB, "name_zh": "滨湖区社会组织服务中心",
        "name_en": "Binhu Social Organization Service Center",
        "theme": "枢纽", "address": "滨湖区蠡湖大道", "floor_area_m2": 3000, "resident_slots": 27,
        "operator": "滨湖区社会组织服务中心",
        "description": "区级枢纽，27 家入驻组织、30 余个项目。",
    },
]


def _spaces(prefix: str) -> list[dict]:
    return [
        {"kind": SpaceKind.MEETING_ROOM, "name": f"{prefix}会议室", "capacity": 12, "area_m2": 40,
         "opening_hours": WEEKDAY_HOURS, "bookable": True, "needs_approval": False},
        {"kind": SpaceKind.TRAINING_ROOM, "name": f"{prefix}培训室", "capacity": 40, "area_m2": 90,
         "opening_hours": LONG_HOURS, "bookable": True, "needs_approval": False},
        {"kind": SpaceKind.ACTIVITY_HALL, "name": f"{prefix}活动大厅", "capacity": 120, "area_m2": 300,
         "opening_hours": LONG_HOURS, "bookable": True, "needs_approval": True},
        {"kind": SpaceKind.RECEPTION, "name": f"{prefix}接待区", "capacity": 8, "area_m2": 30,
         "opening_hours": WEEKDAY_HOURS, "bookable": False, "needs_approval": False},
        *[
            {"kind": SpaceKind.DESK, "name": f"{prefix}工位 {n:02d}", "capacity": 2, "area_m2": 6,
             "opening_hours": WEEKDAY_HOURS, "bookable": False, "needs_approval": False}
            for n in range(1, 7)
        ],
        {"kind": SpaceKind.OFFICE, "name": f"{prefix}办公室 A", "capacity": 6, "area_m2": 25,
         "opening_hours": WEEKDAY_HOURS, "bookable": False, "needs_approval": False},
    ]


ORGANIZATIONS = {
    0: [("太湖邻里志愿者协会", "Taihu Neighbours Volunteer Association"),
        ("滨湖绿色环保志愿服务队", "Binhu Green Volunteers")],
    1: [("益巢独居老人关爱中心", "Yichao Care for Elderly Living Alone")],
    2: [("荣巷阳光助残服务社", "Rongxiang Sunshine Disability Services")],
}

ACCOUNTS = [
    ("admin", "系统管理员", Role.ADMIN),
    ("official", "区民政局 王科长", Role.OFFICIAL),
    ("manager", "灵山园区 李经理", Role.MANAGER),
    ("org", "太湖邻里志愿者协会 张会长", Role.MEMBER),
    ("evaluator", "第三方评估 陈专家", Role.EVALUATOR),
]


async def is_empty() -> bool:
    return not await User.exists() and not await Park.exists()


async def load() -> bool:
    """Loads the demo data unless it is there; True when something was written."""
    if await User.filter(username="admin").exists():
        return False
    async with in_transaction():
        parks = []
        for index, values in enumerate(PARKS):
            park = await Park.get_or_none(name_zh=values["name_zh"]) or await Park.create(**values)
            parks.append(park)
            prefix = ["灵山", "益巢", "荣巷", "中心"][index]
            for space in _spaces(prefix):
                if not await Space.filter(park_id=park.id, name=space["name"]).exists():
                    await Space.create(park_id=park.id, **space)
            for name_zh, name_en in ORGANIZATIONS.get(index, []):
                if not await Organization.filter(park_id=park.id, name_zh=name_zh).exists():
                    await Organization.create(park_id=park.id, name_zh=name_zh, name_en=name_en)
        first_org = await Organization.get(park_id=parks[0].id, name_zh=ORGANIZATIONS[0][0][0])
        for username, name, role in ACCOUNTS:
            if await User.filter(username=username).exists():
                continue
            await create_user_plain(
                username, DEMO_PASSWORD, role, display_name=name,
                organization_id=first_org.id if role == Role.MEMBER else None,
                park_ids=[parks[0].id] if role == Role.MANAGER else [],
            )
    return True
