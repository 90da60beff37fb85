"""A city on one server: a reproducible dataset of parks, organizations, reviews and money.

    python scripts/generate.py [--database-url URL] [--scale 1.0] [--seed 2026] [--fresh]

At scale 1.0: 50 themed parks and the district hub with their rooms and desks, 10,000
organizations over every stage and registration state (applications, admission reviews,
agreements, desks, timelines, documents, follow-ups), about 40,000 milestone reviews with
their panels, scores and service indicators, funds with grants, tranches and a ledger that
adds up, the flags the flag job would raise, inbox messages, the audit trail, and accounts of
every role. Every account has the password BENCH_PASSWORD; the benchmark signs in as
`admin`, `official`, `manager` (a manager of the first themed park), `member` (of an
incubating organization there) and `evaluator`.

The same seed on the same day gives the same rows (dates are relative to today, so that
reviews are due and overdue as in a running district). Rows are inserted in batches, one
transaction per batch, with their ids chosen here; PostgreSQL's sequences are moved past them.

`generate()` migrates, connects and fills; `fill()` fills through the ORM the caller already
connected (the tests and scripts/bench.py).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import importlib
import math
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TextIO

from tortoise import Tortoise
from tortoise.connection import connections
from tortoise.models import Model
from tortoise.transactions import in_transaction

import incubator.app  # noqa: F401  (installs the capabilities: models, flag sources, messages)
from incubator import capability, clock, db
from incubator.api.models import ApiToken
from incubator.api.tokens import hash_secret
from incubator.audit.models import AuditEntry
from incubator.auth import passwords
from incubator.auth.models import ParkManager, User
from incubator.booking.models import Booking, BookingQuota, BookingRules
from incubator.config import Settings, is_sqlite, normalise_database_url
from incubator.dashboards import figures as dashboard_figures
from incubator.dashboards.models import ClosedMonth
from incubator.directory.models import BrandProject, Listing
from incubator.figures import Scope
from incubator.flags.models import Flag
from incubator.funding.models import Fund, Grant, LedgerEntry, Tranche
from incubator.notifications.models import Notification
from incubator.organizations.credit_code import make as make_credit_code
from incubator.organizations.models import (
    AdmissionCriterion,
    AdmissionReview,
    Agreement,
    Application,
    Document,
    FollowUp,
    Organization,
    OrganizationDomain,
    ServiceDomain,
    SpaceAllocation,
    StageChange,
)
from incubator.parks.models import WEEKDAYS, Park, Space
from incubator.period import Period as DashboardPeriod
from incubator.reviews.models import DEFAULT_DIMENSIONS, DEFAULT_MILESTONES, Indicator, Milestone, Review
from incubator.reviews.models import ReviewAssignment as Assignment
from incubator.reviews.service import due_date
from incubator.training.models import (
    Feedback,
    Person,
    Seat,
    Topic,
    TrainingCourse,
    TrainingSession,
    TrainingSettings,
)
from incubator.workdays import add_months, add_working_days, next_working_day

REVIEW_COLUMNS = ["organization_id", "milestone_id", "code", "name_zh", "name_en", "anchor", "amount", "dimensions",
                  "pass_threshold", "attempt", "due_on", "status", "decision", "decision_reason", "decided_at",
                  "created_at"]
BENCH_PASSWORD = "bench-password-2026"  # the documented password of every generated account
# The documented API token of the generated administrator (the benchmark reads the API with it).
BENCH_TOKEN = "inc_bench-token-of-the-generated-administrator-2026"
DEFAULT_SEED = 2026
PARKS_AT_SCALE_1 = 50
ORGANIZATIONS_AT_SCALE_1 = 10_000
EVALUATORS_AT_SCALE_1 = 240
BATCH = 5_000  # rows per transaction
BOOKINGS_AT_SCALE_1 = 500_000  # over a year: nine months past, three to come
SEATS_AT_SCALE_1 = 200_000  # training sign-ups (attendances) over the same year
BOOKING_DAYS_PAST, BOOKING_DAYS_AHEAD = 274, 91
GRANT_APPROVAL_THRESHOLD_FEN = Settings.grant_approval_threshold_fen
SEEDED_DOMAINS = [code for code, _zh, _en in importlib.import_module(
    "incubator.migrations.0004_default_service_domains").DOMAINS]
SEEDED_TOPICS = [code for code, _zh, _en in importlib.import_module("incubator.migrations.0017_training").TOPICS]

# Insert order: every table after those it refers to.
TABLES: list[type[Model]] = [
    Park, Space, Organization, User, ParkManager, OrganizationDomain, Application, AdmissionCriterion,
    AdmissionReview, Agreement, SpaceAllocation, StageChange, Milestone, Review, Assignment, Indicator,
    Document, FollowUp, Fund, Grant, Tranche, LedgerEntry, Flag, Notification, AuditEntry,
    BookingRules, BookingQuota, Booking, TrainingCourse, TrainingSession, Person, Seat, Feedback, TrainingSettings,
    Listing, BrandProject, ApiToken,
]
# The public directory: the share of incubating and graduated organizations listed, their brand projects.
LISTED_SHARE = 0.6
BRAND_PROJECTS = ["邻里守望", "银龄课堂", "小候鸟暑期营", "书香社区", "绿色家园", "助残就业坊", "社区微心愿",
                  "青春志愿行", "长者安心食堂", "心灵驿站", "困境儿童陪伴", "垃圾分类小先锋"]

# ---- reference data: a city in southern Jiangsu ---------------------------------------------------

CITY = "无锡市"
# (district, division code, streets)
DISTRICTS = [
    ("梁溪区", "320213", ["崇安寺", "广益", "黄巷", "清名桥", "南禅寺", "迎龙桥", "金星", "山北", "北大街"]),
    ("锡山区", "320205", ["东亭", "安镇", "厚桥", "东北塘", "云林", "鹅湖"]),
    ("惠山区", "320206", ["堰桥", "长安", "钱桥", "前洲", "玉祁", "洛社", "阳山"]),
    ("滨湖区", "320211", ["河埒", "荣巷", "蠡园", "蠡湖", "太湖", "雪浪", "华庄", "马山"]),
    ("新吴区", "320214", ["旺庄", "硕放", "江溪", "梅村", "鸿山", "新安"]),
    ("江阴市", "320281", ["澄江", "南闸", "云亭", "申港", "夏港", "利港"]),
    ("宜兴市", "320282", ["宜城", "屺亭", "新街", "新庄", "丁蜀", "周铁"]),
]
PINYIN = {
    "崇安寺": "Chong'ansi", "广益": "Guangyi", "黄巷": "Huangxiang", "清名桥": "Qingmingqiao", "南禅寺": "Nanchansi",
    "迎龙桥": "Yinglongqiao", "金星": "Jinxing", "山北": "Shanbei", "北大街": "Beidajie", "东亭": "Dongting",
    "安镇": "Anzhen", "厚桥": "Houqiao", "东北塘": "Dongbeitang", "云林": "Yunlin", "鹅湖": "Ehu",
    "堰桥": "Yanqiao", "长安": "Chang'an", "钱桥": "Qianqiao", "前洲": "Qianzhou", "玉祁": "Yuqi", "洛社": "Luoshe",
    "阳山": "Yangshan", "河埒": "Helie", "荣巷": "Rongxiang", "蠡园": "Liyuan", "蠡湖": "Lihu", "太湖": "Taihu",
    "雪浪": "Xuelang", "华庄": "Huazhuang", "马山": "Mashan", "旺庄": "Wangzhuang", "硕放": "Shuofang",
    "江溪": "Jiangxi", "梅村": "Meicun", "鸿山": "Hongshan", "新安": "Xin'an", "澄江": "Chengjiang",
    "南闸": "Nanzha", "云亭": "Yunting", "申港": "Shengang", "夏港": "Xiagang", "利港": "Ligang", "宜城": "Yicheng",
    "屺亭": "Qiting", "新街": "Xinjie", "新庄": "Xinzhuang", "丁蜀": "Dingshu", "周铁": "Zhoutie",
    "清扬": "Qingyang", "惠山": "Huishan", "锡惠": "Xihui", "梅园": "Meiyuan", "东林": "Donglin", "运河": "Grand Canal",
    "南长": "Nanchang", "古运河": "Old Canal", "鼋头渚": "Yuantouzhu", "锡山": "Xishan", "梁溪": "Liangxi",
}
EXTRA_PLACES = ["清扬", "惠山", "锡惠", "梅园", "东林", "运河", "南长", "古运河", "鼋头渚", "锡山", "梁溪"]
# (theme, English, service domain codes); a park's theme leads its organizations' first domain.
THEMES = [
    ("志愿服务", "Volunteer Service", ["volunteering"]),
    ("家庭服务", "Family Service", ["family", "elderly"]),
    ("助残服务", "Disability Assistance", ["disability"]),
    ("养老服务", "Elderly Care", ["elderly"]),
    ("青少年成长", "Youth Development", ["youth", "culture_education"]),
    ("社区治理", "Community Governance", ["self_governance"]),
    ("环境保护", "Environmental", ["environment"]),
    ("文化教育", "Culture and Education", ["culture_education"]),
    ("社会工作", "Social Work", ["social_work", "relief"]),
    ("新市民融入", "New Citizens", ["migrants"]),
    ("双拥优抚", "Military Families", ["military_families"]),
]
MOTIFS = [
    ("邻里", "Neighbours"), ("银龄", "Silver Age"), ("阳光", "Sunshine"), ("彩虹", "Rainbow"), ("益心", "Yixin"),
    ("暖心", "Warm Heart"), ("同心", "Together"), ("青禾", "Green Shoots"), ("乐享", "Joyful"), ("和美", "Harmony"),
    ("微光", "Glimmer"), ("善行", "Good Deeds"), ("春晖", "Spring Light"), ("向日葵", "Sunflower"),
    ("星火", "Spark"), ("绿洲", "Oasis"), ("守望", "Watchful"), ("携手", "Hand in Hand"), ("爱心", "Caring"),
    ("启明", "Morning Star"), ("知行", "Zhixing"), ("朝阳", "Rising Sun"), ("馨悦", "Xinyue"), ("安康", "Ankang"),
]
SUFFIXES = {
    "social_association": [
        ("志愿者协会", "Volunteer Association"), ("公益促进会", "Public Welfare Promotion Association"),
        ("互助会", "Mutual Aid Society"), ("邻里调解协会", "Mediation Association"),
        ("老年协会", "Senior Association")],
    "private_non_enterprise": [
        ("社会工作服务社", "Social Work Service Agency"), ("社会工作服务中心", "Social Work Service Center"),
        ("关爱中心", "Care Center"), ("公益服务中心", "Public Welfare Service Center"),
        ("家庭服务中心", "Family Service Center"), ("助残服务社", "Disability Service Agency"),
        ("青少年发展中心", "Youth Development Center"), ("心理咨询服务社", "Counselling Service"),
        ("养老服务中心", "Elderly Care Center")],
    "foundation": [("公益基金会", "Charitable Foundation"), ("慈善基金会", "Charity Foundation")],
    "community_group": [
        ("志愿服务队", "Volunteer Team"), ("读书会", "Reading Circle"), ("合唱团", "Choir"),
        ("书画社", "Painting and Calligraphy Club"), ("腰鼓队", "Waist-Drum Team"), ("舞蹈队", "Dance Troupe"),
        ("环保志愿队", "Green Volunteers"), ("应急救护队", "First-Aid Team"), ("民乐团", "Folk Band"),
        ("护绿队", "Green-Care Team"), ("文化艺术团", "Arts Troupe")],
}
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
            "姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔汤")
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
         "秀兰", "霞", "平", "刚", "桂英", "建华", "文", "华", "红", "玉兰", "志强", "俊", "婷", "雪", "琳", "晨",
         "浩", "宇", "欣", "怡", "佳", "子涵", "梓轩", "雨桐", "思远", "海燕", "国庆", "卫东", "丽华", "晓东", "春梅"]
SUPPORTS = ["office_space", "registration", "seed_funding", "capacity_building", "guidance", "financial_custody",
            "consulting", "publicity", "government_purchasing", "venture_philanthropy"]
# The admission scorecard every park starts with (organizations/admission.py DEFAULT_CRITERIA).
CRITERIA = [("社会需求与服务定位", "Social need and service focus", 30),
            ("团队与内部治理", "Team and internal governance", 25),
            ("项目可行性", "Feasibility of the plan", 25), ("发展潜力", "Potential to grow", 20)]
ANNUAL_CHECK = ("annual", "年度检查", "Annual check", "admission", 12)
INDICATORS = [("入户探访人次", 240), ("个案建档数", 35), ("特殊个案数", 5), ("大型活动场次", 2), ("中小型活动场次", 10),
              ("专题讲座场次", 2), ("志愿服务时长（小时）", 1500), ("服务居民人次", 3000), ("满意度回访户数", 120)]
PLANS = ["面向社区独居老人开展探访与个案服务，一年内完成登记并形成品牌项目。",
         "组织社区志愿者开展常态化邻里互助，建立志愿服务积分档案。",
         "为困境儿童提供课后托管、学业辅导和亲子活动。",
         "开展垃圾分类宣传和河道护绿行动，培育社区环保骨干。",
         "为残障人士提供康复陪伴、就业辅导和家庭喘息服务。",
         "开展社区应急救护培训，每年培训居民不少于五百人次。",
         "搭建新市民融入平台，提供政策咨询、子女入学和文化活动服务。"]
COMMENTS = ["材料齐全，服务记录清晰。", "服务对象回访满意度高，建议加强财务规范。",
            "项目执行与计划一致，志愿者管理有待完善。", "档案记录不完整，部分活动缺少签到。",
            "团队稳定，品牌项目初具规模。", "内部治理制度需进一步健全。"]
REASONS = {
    "admit": "服务需求明确，团队稳定，符合园区定位。",
    "reject": "服务内容与园区公益定位不符，建议转介相关部门。",
    "extended": "登记材料仍在审批，延期完成出壳评估。",
    "exited": "组织负责人迁居外地，组织停止活动。",
    "pass": "达到本阶段目标。",
    "pass_conditions": "基本达到目标，需在三个月内补齐财务档案。",
    "fail": "未达到本阶段目标，三十日后复评。",
}
WEEKDAY_HOURS = {d: ["08:30", "17:30"] for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": None, "sun": None}
LONG_HOURS = {d: ["08:30", "21:00"] for d in ("mon", "tue", "wed", "thu", "fri")} | {
    "sat": ["09:00", "17:00"], "sun": None}

# Share of organizations in each stage (every stage occurs at any scale).
STAGE_SHARES = [("applied", 5), ("screening", 4), ("rejected", 8), ("admitted", 3), ("incubating", 31),
                ("midterm_review", 8), ("graduation_review", 5), ("extended", 6), ("graduated", 20), ("exited", 10)]
RESIDENT = {"admitted", "incubating", "midterm_review", "graduation_review", "extended"}
# Registration state by stage: (unregistered, preparing, filed, registered) weights.
REGISTRATION_SHARES = {
    "applicant": (60, 15, 10, 15), "resident": (25, 25, 20, 30), "late": (10, 15, 15, 60),
    "extended": (20, 35, 20, 25), "graduated": (0, 0, 0, 1), "exited": (40, 20, 20, 20),
}
REGISTRATIONS = ("unregistered", "preparing", "filed", "registered")


def _shares(total: int, shares: list[tuple[str, int]]) -> list[str]:
    """`total` labels in the given proportions (largest remainders), at least one of each."""
    weight = sum(w for _k, w in shares)
    exact = [(key, total * w / weight) for key, w in shares]
    counts = {key: max(1, int(value)) for key, value in exact}
    remainders = sorted(exact, key=lambda kv: kv[1] - int(kv[1]), reverse=True)
    index = 0
    while sum(counts.values()) < total:
        counts[remainders[index % len(remainders)][0]] += 1
        index += 1
    return [key for key, _w in shares for _ in range(counts[key])]


def _weighted_100(scores: list[int], dimensions: list[dict]) -> Decimal:
    """A score out of 100 from scores per dimension (reviews/scoring.py and admission.py)."""
    weights = sum(d["weight"] for d in dimensions) or 1
    value = sum(Decimal(s) / Decimal(d["max"]) * d["weight"] for s, d in zip(scores, dimensions, strict=True))
    return (value / weights * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _overall(panels: dict[str, list[Decimal]]) -> Decimal | None:
    """The review's result as scoring.compute() gives it: the mean of the panels' means."""
    means = [(sum(v, Decimal(0)) / len(v)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
             for v in panels.values() if v]
    if not means:
        return None
    return (sum(means, Decimal(0)) / len(means)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class ParkInfo:
    id: int
    name: str
    short: str
    district: str
    division: str
    street: str
    domains: list[str]
    terms: list[int]
    due_months: int
    milestones: list[dict] = field(default_factory=list)
    managers: list[int] = field(default_factory=list)
    desks: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class UserInfo:
    id: int
    name: str
    username: str


class Builder:
    """Builds every row in memory, ids included, from one random generator."""

    def __init__(self, scale: float, seed: int, today: date, password_hash: str, domain_ids: dict[str, int]) -> None:
        self.rng = random.Random(seed)
        self.scale = scale
        self.today = today
        self.now = datetime.now(UTC)
        if clock.local_date(self.now) != today:  # a chosen day: its evening, so that all of it is past
            self.now = datetime.combine(today, clock_time(20, 0), tzinfo=clock.zone()).astimezone(UTC)
        self.password_hash = password_hash
        self.domain_ids = domain_ids
        self.rows: dict[type[Model], list[dict]] = {model: [] for model in TABLES}
        self.parks: list[ParkInfo] = []
        self.users: dict[int, UserInfo] = {}
        self.evaluators: dict[str, list[int]] = {"expert": [], "media": [], "resident": []}
        self.officials: list[int] = []
        self.admins: list[int] = []
        self.members: dict[int, list[int]] = {}
        self.org_names: dict[int, str] = {}
        self.org_park: dict[int, ParkInfo] = {}
        self.reviews_by_org: dict[int, list[dict]] = {}
        self.serial = Counter[str]()
        self.training_days: set[tuple[int, date]] = set()  # (room, day) a session holds: not booked

    # ---- small helpers ----------------------------------------------------------------------

    def add(self, model: type[Model], **values: Any) -> int:
        values["id"] = len(self.rows[model]) + 1
        self.rows[model].append(values)
        return values["id"]

    def days(self, low: int, high: int) -> timedelta:
        return timedelta(days=self.rng.randint(low, high))

    def moment(self, day: date, after: datetime | None = None) -> datetime:
        """A time during office hours on `day`, later than `after`, never in the future."""
        local = datetime.combine(day, clock_time(self.rng.randint(8, 17), self.rng.randint(0, 59),
                                                 self.rng.randint(0, 59)), tzinfo=clock.zone())
        value = local.astimezone(UTC)
        if after is not None and value <= after:
            value = after + timedelta(minutes=self.rng.randint(3, 90))
        if value > self.now:
            value = max(self.now - timedelta(seconds=self.rng.randint(60, 3600)),
                        after + timedelta(seconds=1) if after else self.now)
        return value

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def mobile(self) -> str:
        prefix = self.rng.choice(["138", "139", "150", "151", "152", "158", "159", "186", "187", "188", "135",
                                  "136", "137", "177", "180", "181", "189", "133", "153"])
        return prefix + f"{self.rng.randint(0, 99_999_999):08d}"

    def audit(self, at: datetime, actor: int | None, action: str, object_type: str, object_id: int,
              changes: dict, object_repr: str = "") -> None:
        self.add(AuditEntry, at=at, actor_id=actor, actor_name=self.users[actor].name if actor else "system",
                 action=action, object_type=object_type, object_id=str(object_id), object_repr=object_repr[:200],
                 changes=changes, address="")

    def notify(self, user_id: int, kind: str, link: str, details: dict, at: datetime, read: bool) -> None:
        read_at = min(at + timedelta(hours=self.rng.randint(1, 72)), self.now) if read else None
        self.add(Notification, user_id=user_id, kind=kind, link=link[:200], details=details, created_at=at,
                 read_at=read_at)

    def user(self, username: str, name: str, role: str, *, organization_id: int | None = None,
             created: datetime | None = None, active: bool = True) -> int:
        created = created or self.moment(self.today - self.days(400, 900))
        language = "en" if self.rng.random() < 0.05 else "zh_CN"
        user_id = self.add(User, username=username, display_name=name[:100], email=f"{username}@incubator.example",
                           password_hash=self.password_hash, role=role, language=language, is_active=active,
                           organization_id=organization_id, created_at=created, password_changed_at=None,
                           last_login_at=self.moment(self.today - self.days(0, 60), created)
                           if self.rng.random() < 0.6 else None)
        self.users[user_id] = UserInfo(user_id, name[:100], username)
        self.audit(created, None, "create", "User", user_id, {
            "username": [None, username], "display_name": [None, name[:100]],
            "email": [None, f"{username}@incubator.example"], "role": [None, role], "language": [None, language],
            "is_active": [None, active], **({"organization_id": [None, organization_id]} if organization_id else {})},
            name[:100])
        return user_id

    # ---- parks, spaces, plans, staff --------------------------------------------------------

    def build_parks(self, count: int) -> None:
        streets = [(district, code, street) for district, code, names in DISTRICTS for street in names]
        self.rng.shuffle(streets)
        hub = ParkInfo(0, f"{CITY}社会组织服务中心", "中心", "", "320200", "", ["social_work", "volunteering"],
                       [12, 24], 6)
        self.parks.append(hub)
        used: set[str] = {hub.name}
        for index in range(count):
            district, code, street = streets[index % len(streets)]
            theme, _theme_en, domains = THEMES[(index + index // len(streets)) % len(THEMES)]
            name = f"{street}{theme}孵化园"
            if name in used:
                name = f"{district}{street}{theme}孵化园"
            used.add(name)
            terms = [6, 12, 24] if self.rng.random() < 0.7 else [12, 24]
            self.parks.append(ParkInfo(0, name, street, district, code, street, domains, terms,
                                       self.rng.choice([6, 6, 9, 12])))
        for index, park in enumerate(self.parks):
            hub_kind = index == 0
            theme = "枢纽" if hub_kind else next(t for t in THEMES if t[2] == park.domains)[0]
            english = next((t[1] for t in THEMES if t[2] == park.domains), "")
            street_en = PINYIN.get(park.street, "")
            park.id = self.add(
                Park, kind="hub" if hub_kind else "park", name_zh=park.name,
                name_en=f"{'Wuxi Social Organization Service Center' if hub_kind else f'{street_en} {english} Park'}",
                theme=theme,
                address=f"{CITY}{park.district}{park.street}街道" if park.street else f"{CITY}滨湖区蠡湖大道",
                floor_area_m2=3000 if hub_kind else self.rng.randrange(800, 3200, 100), resident_slots=0,
                operator=park.district + park.street + ("社会工作服务中心" if index % 2 else "社会组织发展促进会"),
                description=f"{theme}类社会组织孵化基地，提供办公场地、登记协助、能力建设等十项免费支持。",
                is_active=True, agreement_terms=park.terms, registration_due_months=park.due_months,
                accepts_applications=index % 17 != 16, created_at=self.moment(self.today - self.days(900, 1800)))
            plan = [*DEFAULT_MILESTONES, *([ANNUAL_CHECK] if index % 2 else [])]
            for sort, (code, zh, en, anchor, amount) in enumerate(plan):
                milestone = {"code": code, "name_zh": zh, "name_en": en, "anchor": str(anchor), "amount": amount,
                             "dimensions": DEFAULT_DIMENSIONS, "pass_threshold": 60, "sort": sort}
                milestone["id"] = self.add(Milestone, park_id=park.id, **milestone)
                park.milestones.append(milestone)
            for sort, (zh, en, weight) in enumerate(CRITERIA):
                self.add(AdmissionCriterion, park_id=park.id, name_zh=zh, name_en=en, weight=weight, max_score=10,
                         sort=sort)

    def build_rooms(self, residents: Counter[int]) -> None:
        """Shared rooms, and desks and offices for about four in five residents plus a few free."""
        for index, park in enumerate(self.parks):
            prefix = park.short
            rooms = [("meeting_room", f"{prefix}第一会议室", 12, 40, WEEKDAY_HOURS, True, False),
                     ("meeting_room", f"{prefix}第二会议室", 8, 25, WEEKDAY_HOURS, True, False),
                     ("training_room", f"{prefix}培训室", 40, 90, LONG_HOURS, True, False),
                     ("activity_hall", f"{prefix}活动大厅", 120, 300, LONG_HOURS, True, True),
                     ("reception", f"{prefix}接待区", 8, 30, WEEKDAY_HOURS, False, False)]
            for kind, name, capacity, area, hours, bookable, approval in rooms:
                self.add(Space, park_id=park.id, kind=kind, name=name, capacity=capacity, area_m2=area,
                         opening_hours=hours, bookable=bookable, needs_approval=approval, is_active=True,
                         created_at=self.moment(self.today - self.days(800, 900)))
            count = residents[park.id]
            offices = max(1, round(count * 0.1))
            desks = max(2, math.ceil(count * 0.75) - offices + 3)
            for number in range(1, desks + 1):
                space_id = self.add(Space, park_id=park.id, kind="desk", name=f"{prefix}工位 {number:03d}", capacity=2,
                                    area_m2=6, opening_hours=WEEKDAY_HOURS, bookable=False, needs_approval=False,
                                    is_active=True, created_at=self.moment(self.today - self.days(800, 900)))
                park.desks.append((space_id, f"{prefix}工位 {number:03d}"))
            for number in range(1, offices + 1):
                name = f"{prefix}办公室 {number:02d}"
                space_id = self.add(Space, park_id=park.id, kind="office", name=name, capacity=6, area_m2=25,
                                    opening_hours=WEEKDAY_HOURS, bookable=False, needs_approval=False, is_active=True,
                                    created_at=self.moment(self.today - self.days(800, 900)))
                park.desks.append((space_id, name))
            self.rows[Park][index]["resident_slots"] = len(park.desks)

    def build_staff(self) -> None:
        self.admins = [self.user("admin", "系统管理员", "admin"),
                       self.user("admin2", f"系统管理员 {self.person()}", "admin")]
        self.add(ApiToken, user_id=self.admins[0], name="区民政局数据对接", token_hash=hash_secret(BENCH_TOKEN),
                 prefix=BENCH_TOKEN[:12], created_at=self.moment(self.today - timedelta(days=30)),
                 expires_on=self.today + timedelta(days=365), revoked_at=None, last_used_at=None,
                 last_used_address="", window_minute=0, window_count=0)
        count = max(2, round(8 * self.scale))
        for number in range(count):
            district = DISTRICTS[number % len(DISTRICTS)][0]
            username = "official" if number == 0 else f"official-{number + 1:02d}"
            self.officials.append(self.user(username, f"{district}民政局 {self.rng.choice(SURNAMES)}科长", "official"))
        panels = [("expert", "专家评审"), ("media", "媒体评审"), ("resident", "居民代表")]
        for number in range(max(6, round(EVALUATORS_AT_SCALE_1 * self.scale))):
            panel, title = panels[number % 3]
            username = "evaluator" if number == 0 else f"evaluator-{number + 1:03d}"
            self.evaluators[panel].append(self.user(username, f"{title} {self.person()}", "evaluator"))
        for index, park in enumerate(self.parks):
            count = 2 if index == 0 or self.rng.random() < 0.4 else 1
            for number in range(count):
                username = "manager" if index == 1 and number == 0 else f"manager-p{park.id:02d}-{number + 1}"
                park.managers.append(self.user(username, f"{park.short}园区 {self.person()}", "manager"))
        # A district coordinator manages three parks at once.
        coordinator = self.user("coordinator", f"{CITY}枢纽统筹 {self.person()}", "manager")
        for park in self.parks[:3]:
            park.managers.append(coordinator)
        for park in self.parks:
            for user_id in park.managers:
                self.add(ParkManager, park_id=park.id, user_id=user_id)

    # ---- organizations ----------------------------------------------------------------------

    def org_name(self, park: ParkInfo, kind: str, taken: set[str]) -> tuple[str, str]:
        family = kind if kind in SUFFIXES else "community_group"
        places = [park.short, *[s for _d, _c, names in DISTRICTS for s in names if _d == park.district],
                  *EXTRA_PLACES] if park.street else [s for _d, _c, names in DISTRICTS for s in names] + EXTRA_PLACES
        for attempt in range(40):
            place = self.rng.choice(places)
            motif, motif_en = self.rng.choice(MOTIFS)
            suffix, suffix_en = self.rng.choice(SUFFIXES[family])
            name = f"{place}{motif}{suffix}"
            if attempt > 30:
                name = f"{place}{motif}{suffix}{attempt}"
            if name not in taken:
                taken.add(name)
                return name, f"{PINYIN.get(place, place)} {motif_en} {suffix_en}"
        raise AssertionError("no free name")

    def build_organizations(self, total: int) -> None:
        stages = _shares(total, STAGE_SHARES)
        self.rng.shuffle(stages)
        taken: dict[int, set[str]] = {}
        # The hub holds a few dozen residents, the themed parks the rest.
        weights = [0.5] + [1.0 + self.rng.random() for _ in self.parks[1:]]
        places = [self.rng.choices(self.parks, weights)[0] if number >= len(self.parks) else self.parks[number]
                  for number in range(total)]
        # The benchmark member's organization: incubating in the first themed park.
        places[0], stages[0] = self.parks[1], "incubating"
        self.build_rooms(Counter(park.id for park, stage in zip(places, stages, strict=True) if stage in RESIDENT))
        for park, stage in zip(places, stages, strict=True):
            group = ("applicant" if stage in ("applied", "screening", "rejected") else
                     "late" if stage == "graduation_review" else
                     stage if stage in ("extended", "graduated", "exited") else "resident")
            registration = self.rng.choices(REGISTRATIONS, REGISTRATION_SHARES[group])[0]
            if registration == "registered":
                kind = self.rng.choices(["social_association", "private_non_enterprise", "foundation"], [45, 50, 5])[0]
            elif registration == "filed":
                kind = "community_group"
            else:
                kind = "unregistered"
            naming = kind if registration != "preparing" else self.rng.choice(
                ["social_association", "private_non_enterprise"])
            name, name_en = self.org_name(park, naming, taken.setdefault(park.id, set()))
            if registration == "preparing":
                name += "（筹）"
            self.organization(park, name, name_en, kind, stage, registration)

    def organization(self, park: ParkInfo, name: str, name_en: str, kind: str, stage: str, registration: str) -> int:
        rng = self.rng
        org_id = len(self.rows[Organization]) + 1
        self.org_park[org_id] = park
        self.org_names[org_id] = name
        path = self.path(stage, park)
        applied: date = path["applied"]
        founded = applied - self.days(30, 2500)
        contact = self.person()
        complete = stage == "graduated" or rng.random() < 0.8
        values: dict[str, Any] = {
            "id": org_id, "park_id": park.id, "name_zh": name, "name_en": name_en if rng.random() < 0.7 else "",
            "kind": kind, "description": rng.choice(PLANS), "founded_on": founded,
            "legal_representative": self.person() if complete else "", "contact_person": contact,
            "mobile": self.mobile(), "email": f"contact{org_id}@org{org_id}.example",
            "website": f"https://org{org_id}.example" if rng.random() < 0.2 else "",
            "staff_count": rng.randint(0, 12), "volunteer_count": rng.randint(5, 400),
            "stage": stage, "stage_changed_at": None, "admitted_on": path.get("start"),
            "term_end_on": path.get("end"), "graduated_on": path.get("graduated"), "exited_on": path.get("exited"),
            "handback_deadline": add_working_days(path["exited"], 15) if path.get("exited") else None,
            "registration": registration, "name_preapproval": "", "filing_number": "", "filing_authority": "",
            "filed_on": None, "credit_code": None, "registration_authority": "", "registered_on": None,
            "created_at": None,
        }
        latest = path.get("left") or self.today
        short = park.district[:2] if park.district else "锡"
        if registration in ("preparing", "filed", "registered"):
            values["name_preapproval"] = f"{short}民名预〔{founded.year}〕{rng.randint(1, 400):03d}号"
        if registration == "filed":
            values["filing_number"] = f"{park.short or short}社备〔{founded.year}〕{rng.randint(1, 300):03d}号"
            values["filing_authority"] = f"{park.street or '崇安寺'}街道办事处"
            values["filed_on"] = min(founded + self.days(10, 200), latest)
        if registration == "registered":
            digit = {"social_association": "1", "private_non_enterprise": "2", "foundation": "3"}[kind]
            values["credit_code"] = make_credit_code(f"5{digit}{park.division}MJ{org_id:07d}")
            values["registration_authority"] = f"{CITY}{park.district or '滨湖区'}民政局"
            values["registered_on"] = min(founded + self.days(30, 700), latest - timedelta(days=1))
        self.rows[Organization].append(values)

        domains = list(dict.fromkeys([park.domains[0], *rng.sample(sorted(self.domain_ids), rng.randint(0, 2))]))
        if complete or rng.random() < 0.7:
            for code in domains:
                self.add(OrganizationDomain, organization_id=org_id, domain_id=self.domain_ids[code])
        applied_at = self.moment(applied)
        values["created_at"] = applied_at
        supports = sorted(rng.sample(SUPPORTS, rng.randint(2, 5)))
        self.add(Application, organization_id=org_id, reference=self.reference(), name_zh=name,
                 plan=rng.choice(PLANS), supports=supports, submitted_at=applied_at,
                 address=f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}", duplicate_of="")
        self.audit(applied_at, None, "create", "Organization", org_id, {
            "name_zh": [None, name], "kind": [None, kind], "contact_person": [None, contact]}, name)
        timeline = [("", "applied", applied_at, None, "", {"note": "application_received"})]
        self.walk(org_id, values, park, path, timeline, supports)
        previous = applied_at
        for source, target, at, actor, reason, details in timeline:
            at = max(at, previous + timedelta(seconds=1))
            previous = at
            self.add(StageChange, kind="stage", organization_id=org_id, from_stage=source, to_stage=target,
                     actor_id=actor, actor_name=self.users[actor].name if actor else contact, at=at, reason=reason,
                     details=details)
            if source:
                self.audit(at, actor, "update", "Organization", org_id,
                           {"stage": [source, target], **({"reason": [None, reason]} if reason else {})}, name)
        values["stage_changed_at"] = previous
        if stage in ("applied", "screening"):
            for manager in park.managers:
                self.notify(manager, "application_received", f"/organizations/{org_id}", {
                    "organization": name, "organization_en": values["name_en"], "park": park.name,
                    "park_en": ""}, applied_at, read=stage == "screening")
        return org_id

    def build_directory(self) -> None:
        """Listings (consent, a public contact point different from the private ones, no logo) and
        brand projects; some organizations that left or never got in once said yes as well."""
        rng = self.rng
        linked: dict[int, list[int]] = {}
        for link in self.rows[OrganizationDomain]:
            linked.setdefault(link["organization_id"], []).append(link["domain_id"])
        for org in self.rows[Organization]:
            public = org["stage"] in RESIDENT or org["stage"] == "graduated"
            if not public and rng.random() > 0.1:
                continue
            listed = rng.random() < (LISTED_SHARE if public else 0.8)
            contact = rng.choice([f"办公室电话 0510-8{rng.randint(1000000, 9999999)}",
                                  f"info@public{org['id']}.example", ""])
            self.add(Listing, organization_id=org["id"], listed=listed, contact=contact, logo_name="", logo_type="",
                     logo_sha256="", updated_at=org["created_at"])
            start = org["admitted_on"] or org["created_at"].date()
            for _ in range(rng.randint(0, 3) if listed else 0):
                started = min(start + self.days(0, 700), self.today)
                ended = started + self.days(60, 500) if rng.random() < 0.5 else None
                self.add(BrandProject, organization_id=org["id"], name=rng.choice(BRAND_PROJECTS),
                         domain_id=rng.choice(linked[org["id"]]) if org["id"] in linked else None, started_on=started,
                         ended_on=ended if ended and ended <= self.today else None,
                         people_reached=rng.choice([rng.randint(30, 900), rng.randint(1000, 60000)]),
                         summary=f"面向{rng.choice(['社区长者', '困境儿童', '残障人士', '新市民', '青少年'])}的"
                                 f"{rng.choice(['陪伴', '培训', '互助', '志愿服务', '文化活动'])}项目",
                         created_at=self.moment(started))

    def reference(self) -> str:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        return "".join(self.rng.choice(alphabet) for _ in range(16))

    def path(self, stage: str, park: ParkInfo) -> dict[str, Any]:
        """The dates of the organization's way through the park, from today backwards."""
        rng, today = self.rng, self.today
        path: dict[str, Any] = {"stage": stage}
        if stage == "applied":
            path["applied"] = today - self.days(0, 40)
            return path
        if stage == "screening":
            path["applied"] = today - self.days(5, 60)
            path["screening"] = min(path["applied"] + self.days(1, 5), today)
            return path
        if stage == "rejected":
            path["applied"] = today - self.days(20, 1100)
            path["screening"] = path["applied"] + self.days(1, 7)
            path["decided"] = min(path["screening"] + self.days(3, 12), today)
            return path
        term = rng.choices(park.terms, [{6: 10, 12: 50, 24: 40}[t] for t in park.terms])[0]
        term_days = round(term * 30.44)
        if stage == "admitted":
            start = today - self.days(0, 20)
        elif stage == "incubating":
            start = today - timedelta(days=round(term_days * rng.uniform(0.05, 0.92)))
        elif stage == "midterm_review":
            start = today - timedelta(days=round(term_days * rng.uniform(0.47, 0.6)))
        elif stage == "graduation_review":
            start = today - timedelta(days=round(term_days * rng.uniform(0.95, 1.03)))
        elif stage == "extended":
            start = today - timedelta(days=term_days) - self.days(20, 150)
        elif stage == "graduated":
            start = today - timedelta(days=term_days) - self.days(50, 1000)
        else:  # exited
            start = today - self.days(60, 1300)
        path |= {"term": term, "start": start, "end": add_months(start, term), "original_end": add_months(start, term)}
        path["decided"] = start - self.days(0, 7)
        path["screening"] = path["decided"] - self.days(1, 20)
        path["applied"] = path["screening"] - self.days(1, 30)
        if stage == "extended":
            new_end = add_months(path["end"], rng.choice([3, 6]))
            while new_end <= today + timedelta(days=14):
                new_end = add_months(new_end, 3)
            path["end"] = new_end
        if stage == "graduated":
            path["graduated"] = path["left"] = min(path["end"] + self.days(20, 50), today)
        if stage == "exited":
            lived = min((path["end"] - start).days, (today - start).days) - 1
            path["exited"] = path["left"] = start + self.days(30, max(31, lived))
        return path

    # ---- the path: admission, agreement, desk, reviews, stage changes ----------------------

    def walk(self, org_id: int, org: dict, park: ParkInfo, path: dict, timeline: list, supports: list[str]) -> None:
        rng = self.rng
        stage = path["stage"]
        manager = park.managers[0] if rng.random() < 0.8 else rng.choice(park.managers)
        if "screening" not in path:
            return
        timeline.append(("applied", "screening", self.moment(path["screening"]), manager, "", {}))
        if "decided" not in path:
            return
        decided_at = self.moment(path["decided"])
        admit = stage != "rejected"
        scores = [{"criterion": zh, "criterion_en": en, "weight": weight, "max": 10,
                   "score": max(0, min(10, round(rng.gauss(7.6 if admit else 4.5, 1.2))))}
                  for zh, en, weight in CRITERIA]
        score = _weighted_100([s["score"] for s in scores], [{"weight": s["weight"], "max": 10} for s in scores])
        reason = REASONS["admit" if admit else "reject"]
        self.add(AdmissionReview, organization_id=org_id, reviewer_id=manager, scores=scores, weighted_score=score,
                 decision="admit" if admit else "reject", reason=reason, at=decided_at)
        if not admit:
            timeline.append(("screening", "rejected", decided_at, manager, reason, {"score": str(score)}))
            return
        start, end = path["start"], path["end"]
        left = path.get("left")
        agreement_supports = sorted(set(supports) | {"office_space"})
        agreement_id = self.add(Agreement, organization_id=org_id, start_on=start, term_months=path["term"],
                                end_on=end, supports=agreement_supports, signed_by_id=manager, created_at=decided_at,
                                ended_on=left)
        space = None
        if rng.random() < 0.8 and park.desks:
            space_id, space = park.desks.pop(rng.randrange(len(park.desks))) if left is None else rng.choice(park.desks)
            self.add(SpaceAllocation, agreement_id=agreement_id, space_id=space_id, allocated_on=start,
                     released_on=left)
        self.audit(decided_at, manager, "create", "Agreement", agreement_id, {
            "start_on": [None, start.isoformat()], "end_on": [None, path["original_end"].isoformat()],
            "supports": [None, agreement_supports], "space": [None, space]}, f"{start} – {path['original_end']}")
        timeline.append(("screening", "admitted", decided_at, manager, reason,
                         {"score": str(score), "term_months": path["term"], "space": space}))
        self.documents(org_id, org, park, start, left)
        reviews = self.schedule(org_id, park, path, decided_at)
        if stage == "admitted":
            self.members_of(org_id, org, start)
            return
        incubating_at = self.moment(min(start + self.days(0, 10), left or self.today), decided_at)
        timeline.append(("admitted", "incubating", incubating_at, manager, "", {}))
        current = "incubating"
        midterm = next((r for r in reviews if r["code"] == "midterm" and r["attempt"] == 1), None)
        if midterm is not None and midterm["status"] == "decided":
            opened = self.moment(max(midterm["due_on"] - self.days(0, 10), incubating_at.date()), incubating_at)
            timeline.append(("incubating", "midterm_review", opened, manager, "", {}))
            timeline.append(("midterm_review", "incubating", max(midterm["decided_at"], opened), manager, "", {}))
        last = timeline[-1][2]
        if stage == "midterm_review" and midterm is not None:
            timeline.append(("incubating", "midterm_review",
                             self.moment(max(min(midterm["due_on"] - self.days(0, 10), self.today), last.date()), last),
                             manager, "", {}))
            return
        graduation = [r for r in reviews if r["code"] == "graduation"]
        if stage in ("graduation_review", "extended", "graduated"):
            due = graduation[0]["original_due"]
            opened = self.moment(max(min(due - self.days(0, 10), self.today), last.date()), last)
            timeline.append((current, "graduation_review", opened, manager, "", {}))
            last = opened
            current = "graduation_review"
        if stage == "extended":
            when = max(graduation[0].get("decided_at") or self.moment(path["original_end"]), last)
            when = self.moment(max(when.date(), last.date()), when)
            timeline.append((current, "extended", when, manager, REASONS["extended"], {
                "old_end_on": path["original_end"].isoformat(), "new_end_on": end.isoformat()}))
        elif stage == "graduated":
            when = self.moment(path["graduated"], max(last, graduation[-1]["decided_at"]))
            timeline.append((current, "graduated", when, manager, "", {}))
            self.follow_ups(org_id, park, path["graduated"])
        elif stage == "exited":
            when = self.moment(path["exited"], last)
            timeline.append((current, "exited", when, manager, REASONS["exited"],
                             {"handback_deadline": org["handback_deadline"].isoformat()}))
            self.members_of(org_id, org, start, active=False)
            return
        self.members_of(org_id, org, start)

    def members_of(self, org_id: int, org: dict, start: date, active: bool = True) -> None:
        count = 1 + (self.rng.random() < 0.3)
        for number in range(count):
            username = "member" if org_id == 1 and number == 0 else f"member-o{org_id:05d}-{number + 1}"
            user_id = self.user(username, f"{org['name_zh']} {org['contact_person'] if number == 0 else self.person()}",
                                "member", organization_id=org_id, created=self.moment(start), active=active)
            self.members.setdefault(org_id, []).append(user_id)

    def documents(self, org_id: int, org: dict, park: ParkInfo, start: date, left: date | None) -> None:
        files = [("入驻协议（盖章扫描件）", "入驻协议.pdf", "application/pdf", start)]
        if org["registration"] == "registered":
            files.append(("民政登记证书", "登记证书.pdf", "application/pdf", max(org["registered_on"], start)))
        if self.rng.random() < 0.5:
            files.append(("年度工作计划", "年度工作计划.docx",
                          "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                          start + self.days(5, 40)))
        for title, filename, content_type, day in files:
            day = min(day, left or self.today, self.today)
            self.document(org_id, park.managers[0], title, filename, content_type, self.moment(day), None)

    def document(self, org_id: int, uploader: int, title: str, filename: str, content_type: str, at: datetime,
                 review_id: int | None) -> None:
        number = len(self.rows[Document]) + 1
        self.add(Document, organization_id=org_id, title=title, filename=filename, content_type=content_type,
                 size=self.rng.randint(40_000, 4_000_000),
                 sha256=hashlib.sha256(f"generated document {number}".encode()).hexdigest(),
                 storage_name=f"generated-{number:07d}", review_id=review_id, uploaded_by_id=uploader, uploaded_at=at)

    def follow_ups(self, org_id: int, park: ParkInfo, graduated: date) -> None:
        for months in (3, 6, 9, 12):
            due = add_months(graduated, months)
            done = due <= self.today - timedelta(days=3) and self.rng.random() < 0.9
            done_on = min(due + self.days(-5, 10), self.today) if done else None
            self.add(FollowUp, organization_id=org_id, due_on=due, done_on=done_on,
                     notes="电话回访：项目持续运行，已承接社区购买服务。" if done else "",
                     recorded_by_id=park.managers[0] if done else None)

    # ---- reviews ----------------------------------------------------------------------------

    def schedule(self, org_id: int, park: ParkInfo, path: dict, scheduled_at: datetime) -> list[dict]:
        """The park's plan as reviews.service.schedule() creates it, then conducted up to today."""
        stage, start, original_end = path["stage"], path["start"], path["original_end"]
        left = path.get("left")
        reviews: list[dict] = []
        queue = [(m, 1, due_date(m["anchor"], m["amount"], start, original_end, {}), scheduled_at)
                 for m in park.milestones]
        queue.sort(key=lambda item: item[2])
        extension_failed = stage == "extended" and self.rng.random() < 0.5
        while queue:
            milestone, attempt, due, created = queue.pop(0)
            code = milestone["code"]
            review = {"organization_id": org_id, "milestone_id": milestone["id"], "code": code,
                      "name_zh": milestone["name_zh"], "name_en": milestone["name_en"], "anchor": milestone["anchor"],
                      "amount": milestone["amount"], "dimensions": milestone["dimensions"],
                      "pass_threshold": milestone["pass_threshold"], "attempt": attempt, "due_on": due,
                      "original_due": due, "status": "scheduled", "decision": None, "decision_reason": "",
                      "decided_at": None, "created_at": created}
            reviews.append(review)
            force: str | None = None
            if stage == "graduated" and code == "graduation":
                force = "pass"
            elif stage == "extended" and code == "graduation":
                # The graduation review failed (or was not held) at the term's end: the term was extended.
                force = "fail" if extension_failed and attempt == 1 else "open"
            elif (stage == "graduation_review" and code == "graduation") or (
                    stage == "midterm_review" and code == "midterm"):
                force = "open"
            if force == "open":
                self.conduct_open(review, park)
                continue
            if force is None:
                if left is not None and due + timedelta(days=20) >= left:
                    review["status"] = "cancelled"  # reviews.service.cancel_open when it left
                    continue
                if left is None and due >= self.today - timedelta(days=30):
                    if due <= self.today + timedelta(days=14) and self.rng.random() < 0.7:
                        self.conduct_open(review, park)
                    continue
            decided_on = min(due + self.days(0, 15), self.today - timedelta(days=1))
            if stage == "graduated" and code == "graduation":
                decided_on = min(decided_on, path["graduated"] - timedelta(days=1))
            if stage == "extended" and code == "graduation":
                decided_on = min(due + self.days(0, 5), self.today - timedelta(days=1))
            self.conduct(review, park, decided_on, force)
            if review["decision"] == "fail":
                repeat = next_working_day(decided_on + timedelta(days=30), {})
                queue.append((milestone, attempt + 1, repeat, review["decided_at"]))
                queue.sort(key=lambda item: item[2])
        if stage == "extended":  # reviews.service.reschedule: open reviews on the term follow its new end
            for review in reviews:
                if review["anchor"] == "term" and review["status"] in ("scheduled", "in_progress"):
                    review["due_on"] = due_date(review["anchor"], review["amount"], start, path["end"], {})
        for review in reviews:
            review["id"] = self.add(Review, **{name: review[name] for name in REVIEW_COLUMNS})
            self.finish_review(review, park)
        self.reviews_by_org[org_id] = reviews
        return reviews

    def panel(self, review: dict, count: int) -> list[tuple[int, str]]:
        panels = ["expert", "media", "resident"][:count]
        return [(self.rng.choice(self.evaluators[p]), p) for p in panels]

    def conduct(self, review: dict, park: ParkInfo, decided_on: date, force: str | None) -> None:
        """A decided review: a panel of three scored it, then the manager decided by the result."""
        rng = self.rng
        quality = {"pass": 8.4, "fail": 4.6}.get(force or "", rng.gauss(7.4, 0.9))
        decided_at = self.moment(decided_on, review["created_at"])
        review["assignments"] = assignments = []
        panels: dict[str, list[Decimal]] = {}
        for evaluator, panel in self.panel(review, 3):
            assigned = self.moment(max(review["due_on"] - self.days(3, 20), review["created_at"].date()),
                                   review["created_at"])
            assigned = min(assigned, decided_at - timedelta(hours=2))
            conflict = rng.random() < 0.03
            if conflict:
                assignments.append({"evaluator_id": evaluator, "panel": panel, "conflict": True,
                                    "conflict_note": "该组织负责人系本人亲属。", "scores": [], "comment": "",
                                    "submitted_at": None, "assigned_at": assigned})
                others = [e for e in self.evaluators[panel] if e != evaluator]
                if not others:
                    continue
                evaluator = rng.choice(others)
            scores = [max(0, min(d["max"], round(rng.gauss(quality, 1.1)))) for d in review["dimensions"]]
            panels.setdefault(panel, []).append(_weighted_100(scores, review["dimensions"]))
            assignments.append({"evaluator_id": evaluator, "panel": panel, "conflict": False, "conflict_note": "",
                                "scores": scores, "comment": rng.choice(COMMENTS),
                                "submitted_at": decided_at - timedelta(minutes=rng.randint(60, 60 * 24 * 4)),
                                "assigned_at": assigned})
            assignments[-1]["submitted_at"] = max(assignments[-1]["submitted_at"], assigned + timedelta(minutes=5))
        overall = _overall(panels)
        assert overall is not None
        if (force == "pass" and overall < review["pass_threshold"]) or (
                force == "fail" and overall >= review["pass_threshold"]):
            return self.conduct(review, park, decided_on, force)
        if overall >= 75:
            decision = "pass"
        elif overall >= review["pass_threshold"]:
            decision = "pass" if rng.random() < 0.7 else "pass_conditions"
        else:
            decision = "fail"
        review.update(status="decided", decision=decision, decision_reason=REASONS[decision], decided_at=decided_at,
                      overall=overall)

    def conduct_open(self, review: dict, park: ParkInfo) -> None:
        """A review under way: some evaluators assigned, some declared, some scored."""
        rng = self.rng
        if review["due_on"] > self.today + timedelta(days=14) or rng.random() < 0.25:
            return  # not started yet
        review["status"] = "in_progress"
        review["assignments"] = assignments = []
        for evaluator, panel in self.panel(review, rng.randint(1, 3)):
            assigned = self.moment(min(max(review["due_on"] - self.days(3, 20), review["created_at"].date()),
                                       self.today), review["created_at"])
            state = rng.choices(["undeclared", "declared", "submitted", "conflict"], [30, 20, 45, 5])[0]
            scores = [max(0, min(d["max"], round(rng.gauss(7.2, 1.3)))) for d in review["dimensions"]]
            assignments.append({
                "evaluator_id": evaluator, "panel": panel,
                "conflict": {"undeclared": None, "declared": False, "submitted": False, "conflict": True}[state],
                "conflict_note": "曾为该组织提供有偿咨询。" if state == "conflict" else "",
                "scores": scores if state == "submitted" else [],
                "comment": rng.choice(COMMENTS) if state == "submitted" else "",
                "submitted_at": self.moment(min(self.today, max(assigned.date(), self.today - self.days(0, 10))),
                                            assigned) if state == "submitted" else None,
                "assigned_at": assigned})

    def finish_review(self, review: dict, park: ParkInfo) -> None:
        """The review's panel, indicators, evidence, messages and audit rows."""
        rng = self.rng
        org_id = review["organization_id"]
        name = self.org_names.get(org_id) or self.rows[Organization][org_id - 1]["name_zh"]
        shown = f"{name} · #{review['id']}"
        link = f"/reviews/{review['id']}"
        for item in review.get("assignments", []):
            assignment_id = self.add(Assignment, review_id=review["id"], **item)
            declared = item["conflict"] is not None
            self.notify(item["evaluator_id"], "review_assigned", link, {
                "review": review["name_zh"], "review_en": review["name_en"]}, item["assigned_at"], read=declared)
            if item["submitted_at"] is not None:
                self.audit(item["submitted_at"], item["evaluator_id"], "update", "ReviewAssignment", assignment_id,
                           {"scores": [None, item["scores"]]}, shown)
            if item["conflict"]:
                for manager in park.managers:
                    self.notify(manager, "conflict_declared", f"{link}#panels", {
                        "evaluator": self.users[item["evaluator_id"]].name, "review": review["name_zh"],
                        "review_en": review["name_en"], "organization": name, "organization_en": ""},
                        item["assigned_at"] + timedelta(hours=2), read=review["status"] == "decided")
        if review["code"] in ("midterm", "graduation") and review["status"] in ("decided", "in_progress") \
                and rng.random() < 0.5:
            for indicator, target in rng.sample(INDICATORS, 3):
                actual = round(target * rng.uniform(0.6, 1.3)) if review["status"] == "decided" else (
                    round(target * rng.uniform(0.2, 0.9)) if rng.random() < 0.5 else None)
                self.add(Indicator, review_id=review["id"], name=indicator, target=target, actual=actual)
            if review["status"] == "decided" or rng.random() < 0.5:
                uploader = (self.members.get(org_id) or park.managers)[0]
                when = review["assignments"][0]["assigned_at"] if review.get("assignments") else self.moment(
                    min(review["due_on"], self.today))
                self.document(org_id, uploader, f"{review['name_zh']}自评报告", "自评报告.pdf", "application/pdf",
                              when, review["id"])
        if review["status"] != "decided":
            return
        manager = park.managers[0]
        self.audit(review["decided_at"], manager, "update", "Review", review["id"], {
            "decision": [None, review["decision"]], "reason": [None, review["decision_reason"]],
            "overall": [None, str(review["overall"])]}, shown)
        label = {"pass": "通过", "pass_conditions": "有条件通过", "fail": "未通过"}[review["decision"]]
        label_en = {"pass": "Passed", "pass_conditions": "Passed with conditions", "fail": "Failed"}[review["decision"]]
        recent = review["decided_at"] > self.now - timedelta(days=14)
        # Members join when the organization is admitted: the decisions before that reach nobody.
        review["notify_members"] = {"review": review["name_zh"], "review_en": review["name_en"],
                                    "decision": label, "decision_en": label_en, "read": not recent}

    def member_messages(self) -> None:
        for org_id, reviews in self.reviews_by_org.items():
            for review in reviews:
                details = review.get("notify_members")
                if not details:
                    continue
                read = details.pop("read")
                for member in self.members.get(org_id, []):
                    self.notify(member, "review_decided", f"/reviews/{review['id']}", dict(details),
                                review["decided_at"], read)

    # ---- money ------------------------------------------------------------------------------

    def build_funds(self) -> None:
        rng, year = self.rng, self.today.year
        funds: list[dict] = []
        for fiscal in (year - 1, year):
            budget = max(200_000, round(1_200_000 * 40 * self.scale, -4)) * 100
            funds.append(self.fund(f"{fiscal}年{CITY}社会组织发展专项资金", "district_special", None, fiscal, budget,
                                   date(fiscal, 1, 1), date(fiscal + 1, 12, 31)))
            funds.append(self.fund(f"{fiscal}年{CITY}福彩公益金公益创投资金", "welfare_lottery", None, fiscal,
                                   max(100_000, round(600_000 * 20 * self.scale, -4)) * 100, date(fiscal, 1, 1),
                                   date(fiscal, 12, 31)))
            for park in self.parks:
                if rng.random() < 0.6:
                    funds.append(self.fund(f"{fiscal}年{park.name}种子基金"[:100], "operator_budget", park.id, fiscal,
                                           rng.choice([100_000, 200_000, 300_000]) * 100, date(fiscal, 1, 1),
                                           date(fiscal, 12, 31)))
        vouchers = Counter[int]()
        organizations = [o for o in self.rows[Organization] if (o["stage"] in RESIDENT | {"graduated"}
                         and o["stage"] != "admitted") or (o["stage"] == "admitted" and rng.random() < 0.3)]
        for org in organizations:
            if rng.random() > 0.3:
                continue
            self.grant(org, funds, vouchers)
        for fund in funds:
            row = self.rows[Fund][fund["id"] - 1]
            row["committed_fen"], row["disbursed_fen"] = fund["committed"], fund["disbursed"]

    def fund(self, name: str, source: str, park_id: int | None, fiscal: int, budget: int, valid_from: date,
             valid_to: date) -> dict:
        created = self.moment(min(valid_from - self.days(5, 30), self.today))
        fund_id = self.add(Fund, name=name, source=source, park_id=park_id, fiscal_year=fiscal, budget_fen=budget,
                           committed_fen=0, disbursed_fen=0, valid_from=valid_from, valid_to=valid_to,
                           created_at=created)
        actor = self.officials[0]
        self.audit(created, actor, "create", "Fund", fund_id, {
            "name": [None, name], "budget_fen": [None, budget], "park_id": [None, park_id], "source": [None, source]},
            name)
        return {"id": fund_id, "park_id": park_id, "budget": budget, "committed": 0, "disbursed": 0,
                "from": valid_from, "to": valid_to}

    def grant(self, org: dict, funds: list[dict], vouchers: Counter[int]) -> None:
        rng = self.rng
        park = self.org_park[org["id"]]
        reviews = self.reviews_by_org.get(org["id"], [])
        start: date = org["admitted_on"]
        drafted_on = min(start + self.days(10, 60), org.get("graduated_on") or self.today, self.today)
        candidates = [f for f in funds if (f["park_id"] is None or f["park_id"] == park.id)
                      and f["from"] <= drafted_on <= f["to"]]
        if not candidates:
            return
        fund = rng.choice(candidates)
        amount = rng.choice([10_000, 15_000, 20_000, 30_000, 40_000, 50_000, 60_000, 80_000]) * 100
        codes = sorted({r["code"] for r in reviews if r["code"] in ("midterm", "graduation", "registration")})
        parts = rng.choice([[1.0], [0.4, 0.6], [0.3, 0.3, 0.4]])
        manager = park.managers[0]
        created_at = self.moment(drafted_on)
        graduated = org["stage"] == "graduated"
        status = rng.choices(["draft", "proposed", "active", "cancelled"], [8, 10, 75, 7])[0]
        if graduated:
            status = rng.choices(["active", "closed"], [25, 75])[0]
        needs_official = amount > GRANT_APPROVAL_THRESHOLD_FEN
        approved = status in ("active", "closed") or (status == "cancelled" and rng.random() < 0.5)
        if approved and fund["committed"] + amount > fund["budget"]:
            status, approved = "proposed", False  # the fund is spent: it waits
        purpose = f"{org['name_zh'][:20]}{rng.choice(['社区服务项目', '能力提升计划', '品牌项目培育', '志愿服务项目'])}"
        proposed_at = created_at + timedelta(days=rng.randint(1, 10)) if status != "draft" else None
        proposed_at = min(proposed_at, self.now) if proposed_at else None
        approved_at = min(proposed_at + timedelta(days=rng.randint(1, 14)), self.now) if approved and proposed_at \
            else None
        approver = rng.choice(self.officials) if needs_official else (
            rng.choice(park.managers[1:]) if len(park.managers) > 1 else rng.choice(self.officials))
        grant_id = self.add(Grant, fund_id=fund["id"], organization_id=org["id"], purpose=purpose, amount_fen=amount,
                            disbursed_fen=0, status=status, needs_official=needs_official if proposed_at else False,
                            created_by_id=manager, approved_by_id=approver if approved else None,
                            created_at=created_at, proposed_at=proposed_at, approved_at=approved_at, ended_at=None)
        grant_row = self.rows[Grant][-1]
        shown = f"{org['name_zh']}: {purpose}"[:200]
        self.audit(created_at, manager, "create", "Grant", grant_id, {
            "fund": [None, self.rows[Fund][fund["id"] - 1]["name"]], "amount_fen": [None, amount],
            "purpose": [None, purpose], "tranches": [None, len(parts)]}, shown)
        if proposed_at:
            self.audit(proposed_at, manager, "update", "Grant", grant_id, {
                "status": ["draft", "proposed"], "needs_official": [None, needs_official]}, shown)
            approvers = self.officials if needs_official else [m for m in park.managers if m != manager]
            for user_id in approvers:
                self.notify(user_id, "grant_proposed", f"/grants/{grant_id}", {
                    "organization": org["name_zh"], "organization_en": org["name_en"], "purpose": purpose,
                    "amount": f"¥{amount / 100:,.2f}"}, proposed_at, read=approved)
        # Tranches: the amounts add up to the grant's.
        amounts = [round(amount * p / 10_000) * 100 for p in parts[:-1]]
        amounts.append(amount - sum(amounts))
        tranches = []
        for sequence, tranche_amount in enumerate(amounts, start=1):
            if sequence == 1 and rng.random() < 0.7:
                condition = "on_signing"
            elif codes and rng.random() < 0.7:
                condition = "after_review"
            else:
                condition = "on_date"
            code = rng.choice(codes) if condition == "after_review" else ""
            release_on = (start + self.days(60, 500)) if condition == "on_date" else None
            tranches.append({"grant_id": grant_id, "sequence": sequence, "amount_fen": tranche_amount,
                             "condition": condition, "review_code": code, "min_score": None,
                             "release_on": release_on, "status": "pending", "status_reason": "", "paid_on": None,
                             "voucher": ""})
        ledger: list[dict] = []
        disbursed = 0
        if approved:
            fund["committed"] += amount
            ledger.append({"kind": "commit", "committed": amount, "disbursed": 0, "at": approved_at, "tranche": None,
                           "voucher": "", "note": ""})
            self.audit(approved_at, approver, "update", "Grant", grant_id, {
                "status": ["proposed", "active"], "committed_fen": [None, amount]}, shown)
            for tranche in tranches:
                ready_on = self.ready_on(tranche, reviews, approved_at)
                if ready_on is None:
                    continue
                if ready_on == "held":
                    tranche.update(status="held", status_reason="@review_failed")
                    continue
                paid_on = min(max(ready_on, approved_at.astimezone(clock.zone()).date()) + self.days(1, 20),
                              self.today)
                if rng.random() < 0.8 and fund["disbursed"] + tranche["amount_fen"] <= fund["committed"]:
                    vouchers[paid_on.year] += 1
                    voucher = f"记-{paid_on.year}-{vouchers[paid_on.year]:05d}"
                    tranche.update(status="paid", paid_on=paid_on, voucher=voucher)
                    disbursed += tranche["amount_fen"]
                    fund["disbursed"] += tranche["amount_fen"]
                    ledger.append({"kind": "disburse", "committed": 0, "disbursed": tranche["amount_fen"],
                                   "at": self.moment(paid_on, approved_at), "tranche": tranche, "voucher": voucher,
                                   "note": "", "on": paid_on})
                else:
                    tranche["status"] = "ready"
        if status in ("closed", "cancelled"):
            last = max([e["at"] for e in ledger] + [approved_at or proposed_at or created_at])
            ended_at = self.moment(min(clock.local_date(last) + self.days(1, 60), self.today), last)
            grant_row["ended_at"] = ended_at
            reason = "项目已结项" if status == "closed" else "组织调整服务方向，撤回申请。"
            remaining = amount - disbursed if approved else 0
            if remaining:
                fund["committed"] -= remaining
                ledger.append({"kind": "release", "committed": -remaining, "disbursed": 0, "at": ended_at,
                               "tranche": None, "voucher": "", "note": reason})
            for tranche in tranches:
                if tranche["status"] in ("pending", "ready", "held"):
                    tranche.update(status="cancelled", status_reason=reason)
        elif status == "active" and disbursed and rng.random() < 0.04:
            repaid = min(disbursed, rng.choice([2_000, 5_000]) * 100)
            disbursed -= repaid
            fund["disbursed"] -= repaid
            on = self.today - self.days(0, 30)
            ledger.append({"kind": "repay", "committed": 0, "disbursed": -repaid,
                           "at": self.moment(on, max(e["at"] for e in ledger)), "tranche": None,
                           "voucher": f"收-{on.year}-{grant_id:05d}", "note": "结余资金退回", "on": on})
        grant_row["disbursed_fen"] = disbursed
        for tranche in tranches:
            tranche["id"] = self.add(Tranche, **tranche)
        for entry in ledger:
            tranche = entry["tranche"]
            self.add(LedgerEntry, fund_id=fund["id"], grant_id=grant_id, tranche_id=tranche["id"] if tranche else None,
                     kind=entry["kind"], committed_delta_fen=entry["committed"], disbursed_delta_fen=entry["disbursed"],
                     on_date=entry.get("on") or clock.local_date(entry["at"]), voucher=entry["voucher"],
                     note=entry["note"], actor_id=manager if entry["kind"] != "commit" else approver, at=entry["at"])
            if entry["kind"] == "disburse":
                self.audit(entry["at"], manager, "update", "Tranche", tranche["id"], {
                    "status": ["ready", "paid"], "voucher": [None, entry["voucher"]],
                    "amount_fen": [None, tranche["amount_fen"]]}, f"{purpose} #{tranche['sequence']}"[:200])

    def build_training(self, target: int, topics: dict[str, int]) -> None:
        """About `target` sign-ups to training over the year of the bookings: each park's training room
        holds two sessions a week (afternoons, a day of its own: no booking that day), a few of them
        weekly courses; each session's residents sign two people up at most, beyond its capacity onto
        the waitlist. Held sessions were marked (present, late, absent) and mostly rated; a tenth are
        mandatory. Each resident keeps a roster of five people."""
        rng = self.rng
        roster: dict[int, list[int]] = {}
        for row in self.rows[Organization]:
            if row["stage"] in RESIDENT and self.members.get(row["id"]):
                roster[row["id"]] = [
                    self.add(Person, organization_id=row["id"], name=self.person(), phone=self.mobile(),
                             role=rng.choice(("staff", "staff", "volunteer", "board")), is_active=True,
                             created_at=self.moment(self.today - self.days(200, 400))) for _ in range(5)]
        residents: dict[int, list[int]] = {}
        for org_id in roster:
            residents.setdefault(self.org_park[org_id].id, []).append(org_id)
        rooms = {row["park_id"]: row for row in self.rows[Space] if row["kind"] == "training_room"}
        parks = [park for park in self.parks if park.id in rooms and residents.get(park.id)]
        first = self.today - timedelta(days=BOOKING_DAYS_PAST)
        weeks = (BOOKING_DAYS_PAST + BOOKING_DAYS_AHEAD) // 7
        per_session = 2 * min(20, max(1, round(target / max(1, len(parks) * weeks * 2) / 2)))
        topic_ids = list(topics.values())
        for park in parks:
            # No minimum of hours: the graduates of earlier years have no training in the generated year.
            self.add(TrainingSettings, park_id=park.id, min_hours=0, updated_at=self.now)
            room = rooms[park.id]
            course = None
            for week in range(weeks):
                monday = first - timedelta(days=first.weekday()) + timedelta(weeks=week)
                if week % 13 == 0:  # a six-week course each quarter, on Wednesdays
                    course = self.add(TrainingCourse, park_id=park.id,
                                      title=f"{park.short}社会组织能力提升营{week // 13 + 1}期",
                                      created_at=self.moment(monday - timedelta(days=30)))
                for weekday, in_course in ((1, False), (3, week % 13 < 6)):
                    day = monday + timedelta(days=weekday)
                    if not first <= day < first + timedelta(days=BOOKING_DAYS_PAST + BOOKING_DAYS_AHEAD):
                        continue
                    self.session(park, room, day, rng.choice(topic_ids), course if in_course else None,
                                 residents[park.id], roster, per_session)

    def session(self, park: ParkInfo, room: dict, day: date, topic_id: int, course: int | None,
                residents: list[int], roster: dict[int, list[int]], seats_wanted: int) -> None:
        rng = self.rng
        starts_at = datetime.combine(day, clock_time(14), tzinfo=clock.zone()).astimezone(UTC)
        ends_at = starts_at + timedelta(hours=3)
        title = rng.choice(("社会组织登记与内部治理", "公益项目设计与评估", "财务管理与票据规范", "公益资源筹集",
                            "志愿者招募与管理", "社会工作方法实务", "公益传播与品牌建设"))
        created_at = self.moment(day - timedelta(days=rng.randint(20, 40)))
        hold = self.add(Booking, space_id=room["id"], organization_id=None, booked_by_id=None, starts_at=starts_at,
                        ends_at=ends_at, held_until=ends_at, attendees=0, purpose=title, status="confirmed",
                        created_at=created_at, checked_in_at=None, ended_at=None, end_reason="", held_by="training")
        self.training_days.add((room["id"], day))
        capacity, share = room["capacity"], 2
        held = ends_at <= self.now
        session_id = self.add(
            TrainingSession, park_id=park.id, course_id=course, topic_id=topic_id, title=title, description="",
            trainer=self.person() + "老师", trainer_organization=rng.choice(("", "市社会组织服务中心", "某高校社工系")),
            trainer_external=rng.random() < 0.4, space_id=room["id"], hold_id=hold, starts_at=starts_at,
            ends_at=ends_at, capacity=capacity, per_organization=share, seated=0, cancel_hours=24,
            audience="residents", audience_stages=[], mandatory=rng.random() < 0.1, credit_minutes=180,
            cancelled_at=None, reminded_at=starts_at - timedelta(days=1) if clock.local_date(starts_at) <= self.today
            + timedelta(days=1) else None, created_at=created_at, updated_at=created_at)
        session = self.rows[TrainingSession][-1]
        # Each organization signs one or two people up (five in three on average).
        organizations = rng.sample(residents, min(len(residents), max(1, math.ceil(seats_wanted * 3 / 5))))
        seated = 0
        for org_id in organizations:
            for person_id in rng.sample(roster[org_id], min(2, rng.randint(1, 3))):
                signed_up_at = min(created_at + timedelta(hours=rng.randint(1, 400)), starts_at - timedelta(hours=1))
                status = "seated" if seated < capacity else "waitlisted"
                values: dict[str, Any] = {
                    "session_id": session_id, "person_id": person_id, "organization_id": org_id,
                    "signed_up_by_id": rng.choice(self.members[org_id]), "status": status,
                    "signed_up_at": min(signed_up_at, self.now), "seated_at": None, "cancelled_at": None,
                    "attendance": "", "checked_in_at": None, "credit_minutes": 0}
                if status == "seated":
                    seated += 1
                    values["seated_at"] = values["signed_up_at"]
                    if held:
                        luck = rng.random()
                        values["attendance"] = "present" if luck < 0.84 else "late" if luck < 0.9 else "absent"
                        if values["attendance"] != "absent":
                            values["credit_minutes"] = 180
                            values["checked_in_at"] = starts_at + timedelta(minutes=rng.randint(-20, 25))
                seat_id = self.add(Seat, **values)
                if values["credit_minutes"] and rng.random() < 0.6:
                    self.add(Feedback, seat_id=seat_id, session_id=session_id,
                             rating=rng.choice((5, 5, 5, 4, 4, 4, 3, 2)),
                             comment=rng.choice(("", "", "很实用", "希望多些案例")),
                             given_by_id=values["signed_up_by_id"],
                             at=min(ends_at + timedelta(hours=rng.randint(2, 72)), self.now))
        session["seated"] = seated

    def build_bookings(self, target: int) -> None:
        """About `target` bookings of the parks' bookable rooms by their residents, over a year: each
        room's open days filled back to back (30–90 minutes, gaps of 0–30), a share of the days left
        empty so the total comes near `target`. Past bookings were mostly checked in; some were
        cancelled and a few released as no-shows; those to come are confirmed, or pending where a
        manager approves. Each room has its rules and each park its quota (the defaults)."""
        rng = self.rng
        rooms = [row for row in self.rows[Space] if row["bookable"]]
        residents: dict[int, list[int]] = {}
        for row in self.rows[Organization]:
            if row["stage"] in RESIDENT and self.members.get(row["id"]):
                residents.setdefault(row["park_id"], []).append(row["id"])
        for park in self.parks:
            self.add(BookingQuota, park_id=park.id, week_minutes=8 * 60, month_minutes=16 * 60, open_bookings=4,
                     updated_at=self.now)
        first = self.today - timedelta(days=BOOKING_DAYS_PAST)
        days = [first + timedelta(days=n) for n in range(BOOKING_DAYS_PAST + BOOKING_DAYS_AHEAD)]
        open_days = [(room, day, room["opening_hours"].get(WEEKDAYS[day.weekday()])) for room in rooms
                     for day in days if room["opening_hours"].get(WEEKDAYS[day.weekday()])
                     and residents.get(room["park_id"])]
        for room in rooms:
            self.add(BookingRules, space_id=room["id"], slot_minutes=30, min_minutes=30, max_minutes=240,
                     notice_minutes=60, horizon_days=BOOKING_DAYS_AHEAD, buffer_minutes=0, release_minutes=15,
                     updated_at=self.now)
        per_day = 8.5  # what a day filled back to back holds, on average
        share = min(1.0, target / max(1.0, len(open_days) * per_day))
        for room, day, hours in open_days:
            if rng.random() >= share or (room["id"], day) in self.training_days:
                continue
            opens = datetime.combine(day, clock_time.fromisoformat(hours[0]), tzinfo=clock.zone())
            closes = datetime.combine(day, clock_time.fromisoformat(hours[1]), tzinfo=clock.zone())
            start = opens + timedelta(minutes=30 * rng.randint(0, 2))
            while True:
                end = start + timedelta(minutes=30 * rng.randint(1, 3))
                if end > closes:
                    break
                self.booking(room, rng.choice(residents[room["park_id"]]), start.astimezone(UTC),
                             end.astimezone(UTC))
                start = end + timedelta(minutes=30 * rng.choice((0, 0, 0, 1)))

    def booking(self, room: dict, org_id: int, starts_at: datetime, ends_at: datetime) -> None:
        rng = self.rng
        values: dict[str, Any] = {
            "space_id": room["id"], "organization_id": org_id, "booked_by_id": rng.choice(self.members[org_id]),
            "starts_at": starts_at, "ends_at": ends_at, "held_until": ends_at, "attendees": rng.randint(2, 8),
            "purpose": rng.choice(("理事会会议", "志愿者培训", "项目例会", "社区活动筹备", "对外接待", "财务培训")),
            "created_at": starts_at - timedelta(days=rng.randint(1, 20), minutes=rng.randint(0, 600)),
            "checked_in_at": None, "ended_at": None, "end_reason": "", "status": "confirmed",
        }
        if values["created_at"] > self.now:
            values["created_at"] = self.now - timedelta(minutes=rng.randint(1, 600))
        if starts_at <= self.now:  # begun or past: nothing is left for the no-show job to release
            luck = rng.random()
            if luck < 0.07:
                values |= {"status": "cancelled", "ended_at": min(values["created_at"] + timedelta(days=1), starts_at)}
            elif luck < 0.12:
                values |= {"status": "released", "ended_at": starts_at + timedelta(minutes=15),
                           "end_reason": "no_show"}
            else:
                values["checked_in_at"] = starts_at + timedelta(minutes=rng.randint(-10, 10))
        elif room["needs_approval"] and rng.random() < 0.5:
            values["status"] = "pending"
        self.add(Booking, **values)

    def ready_on(self, tranche: dict, reviews: list[dict], approved_at: datetime) -> date | str | None:
        """When funding.service.refresh_readiness() would have made the tranche ready; "held" when
        its review failed; None while its condition is not met."""
        approved_on = clock.local_date(approved_at)
        if tranche["condition"] == "on_signing":
            return approved_on
        if tranche["condition"] == "on_date":
            return max(tranche["release_on"], approved_on) if tranche["release_on"] <= self.today else None
        decided = [r for r in reviews if r["code"] == tranche["review_code"] and r["decision"] is not None]
        if not decided:
            return None
        latest = max(decided, key=lambda r: (r["decided_at"], r["id"]))
        if latest["decision"] == "fail":
            return "held"
        return max(clock.local_date(latest["decided_at"]), approved_on)


# ---- writing ----------------------------------------------------------------------------------


def _say(out: TextIO | None, text: str) -> None:
    if out is not None:
        print(text, file=out, flush=True)


async def _insert(model: type[Model], rows: list[dict], out: TextIO | None) -> None:
    """Bulk inserts in batches, one transaction per batch, with a progress line per table."""
    started = time.perf_counter()
    table = model._meta.db_table
    for offset in range(0, len(rows), BATCH):
        async with in_transaction() as connection:
            await model.bulk_create([model(**row) for row in rows[offset:offset + BATCH]], batch_size=1_000,
                                    using_db=connection)
        if out is not None and out.isatty() and len(rows) > BATCH:  # a progress line for people, not logs
            done = min(offset + BATCH, len(rows))
            print(f"\r  {table:<20} {done:>9,} / {len(rows):,}", end="", file=out, flush=True)
    _say(out, f"\r  {table:<20} {len(rows):>9,} rows  {time.perf_counter() - started:6.1f} s" + " " * 10)


async def _is_empty() -> bool:
    for model in Tortoise.apps.get_models_iterable():
        if model in (ServiceDomain, Topic):
            continue
        if await model.exists():
            return False
    return (await ServiceDomain.exclude(code__in=SEEDED_DOMAINS).count() == 0
            and await Topic.exclude(code__in=SEEDED_TOPICS).count() == 0)


async def _empty() -> None:
    """Every table emptied, the migrations' reference data kept (as tests/conftest.py does)."""
    conn = connections.get("default")
    tables = [m._meta.db_table for m in Tortoise.apps.get_models_iterable() if m not in (ServiceDomain, Topic)]
    keep = ("DELETE FROM service_domain WHERE code NOT IN ({}); ".format(", ".join(f"'{c}'" for c in SEEDED_DOMAINS))
            + "DELETE FROM training_topic WHERE code NOT IN ({})".format(", ".join(f"'{c}'" for c in SEEDED_TOPICS)))
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE;\n{keep}")
    else:
        statements = ["PRAGMA foreign_keys = OFF", *[f'DELETE FROM "{t}"' for t in tables], keep,
                      "DELETE FROM sqlite_sequence WHERE name NOT IN ('service_domain', 'training_topic')",
                      "PRAGMA foreign_keys = ON"]
        await conn.execute_script(";\n".join(statements))


async def _move_sequences() -> None:
    """Ids were chosen here: PostgreSQL's sequences must continue after them (SQLite's
    AUTOINCREMENT does so by itself)."""
    conn = connections.get("default")
    if conn.capabilities.dialect != "postgres":
        return
    for model in TABLES:
        table = model._meta.db_table
        await conn.execute_query(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) "
            f'FROM "{table}"')


async def counts() -> dict[str, int]:
    """Rows per table, every table of the installed capabilities."""
    return {m._meta.db_table: await m.all().count() for m in
            sorted(Tortoise.apps.get_models_iterable(), key=lambda m: m._meta.db_table)}


class NotEmpty(RuntimeError):
    """The database holds data: generating would mix with it."""


async def fill(scale: float = 1.0, seed: int = DEFAULT_SEED, *, fresh: bool = False, today: date | None = None,
               out: TextIO | None = sys.stderr) -> dict[str, int]:
    """Fills the database the ORM is connected to; returns the rows per table."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    if not await _is_empty():
        if not fresh:
            raise NotEmpty("The database is not empty: pass --fresh (fresh=True) to empty it first.")
        _say(out, "emptying every table")
        await _empty()
    today = today or clock.today()
    started = time.perf_counter()
    domains = dict(await ServiceDomain.filter(is_active=True).values_list("code", "id"))
    builder = Builder(scale, seed, today, passwords.hash_password(BENCH_PASSWORD), domains)
    builder.build_parks(max(2, round(PARKS_AT_SCALE_1 * scale)))
    builder.build_staff()
    builder.build_organizations(max(30, round(ORGANIZATIONS_AT_SCALE_1 * scale)))
    builder.member_messages()
    builder.build_directory()
    builder.build_funds()
    builder.build_training(round(SEATS_AT_SCALE_1 * scale), dict(await Topic.all().values_list("code", "id")))
    builder.build_bookings(round(BOOKINGS_AT_SCALE_1 * scale))
    _say(out, f"built in memory in {time.perf_counter() - started:.1f} s; inserting")
    for model in TABLES:
        if model in (Flag,):
            continue
        await _insert(model, builder.rows[model], out)
    await _raise_flags(builder, today, out)
    await _close_last_month(builder, today, out)
    await _move_sequences()
    _say(out, f"done in {time.perf_counter() - started:.1f} s")
    return await counts()


async def _close_last_month(builder: Builder, today: date, out: TextIO | None) -> None:
    """Last month closed by an official, as the dashboard closes it: its figures, read from what
    was inserted, kept as the snapshot (the dashboard then shows them with today's revisions)."""
    month = DashboardPeriod.month_of(today).previous
    park_ids = tuple(park.id for park in builder.parks)
    facts = await dashboard_figures.compute(Scope(park_ids, None, month, month.after))
    official = await User.filter(role="official").order_by("id").first()
    await ClosedMonth.create(month=month.key, facts=facts, closed_at=builder.moment(month.after),
                             closed_by_id=official.id if official else None,
                             closed_by_name=official.display_name if official else "")
    _say(out, f"closed {month.key}")


async def _raise_flags(builder: Builder, today: date, out: TextIO | None) -> None:
    """The flags the flag job would raise today (its own sources, read from what was inserted),
    with the inbox messages it sends, and resolved flags of reviews decided after their due date."""
    wanted = []
    for source in capability.flag_sources():
        wanted += await source.find(today)
    now = builder.now
    rows: list[dict] = []
    keys = set()
    for item in wanted:
        keys.add(item.key)
        rows.append({"kind": item.kind, "target_type": item.target_type, "target_id": item.target_id,
                     "period": item.period, "park_id": item.park_id, "organization_id": item.organization_id,
                     "due_on": item.due_on, "details": item.details, "raised_at": now, "resolved_at": None})
    # One message to each manager of the flag's park, as flags.service._raise sends them.
    managers = {park.id: park.managers for park in builder.parks}
    messages = []
    for item in wanted:
        link = f"/organizations/{item.organization_id}" if item.organization_id else "/flags"
        details = {**item.details, "flag_kind": item.kind, "due": item.due_on.isoformat() if item.due_on else ""}
        messages += [{"user_id": user_id, "kind": "flag", "link": link, "details": details, "created_at": now,
                      "read_at": None} for user_id in managers.get(item.park_id, [])]
    for org_id, reviews in builder.reviews_by_org.items():
        park = builder.org_park[org_id]
        for review in reviews:
            decided = review["decided_at"]
            if decided is None or clock.local_date(decided) <= review["due_on"] or decided < now - timedelta(days=120):
                continue
            key = ("review_overdue", "Review", review["id"], review["due_on"].isoformat())
            if key in keys:
                continue
            raised = builder.moment(review["due_on"] + timedelta(days=1))
            rows.append({"kind": "review_overdue", "target_type": "Review", "target_id": review["id"],
                         "period": review["due_on"].isoformat(), "park_id": park.id, "organization_id": org_id,
                         "due_on": review["due_on"], "details": {
                             "organization": builder.org_names[org_id], "review": review["name_zh"],
                             "review_en": review["name_en"]}, "raised_at": min(raised, decided),
                         "resolved_at": decided})
    for number, row in enumerate(rows, start=1):
        row["id"] = number
    await _insert(Flag, rows, out)
    for number, message in enumerate(messages, start=len(builder.rows[Notification]) + 1):
        message["id"] = number
    await _insert(Notification, messages, out)


async def generate(url: str, scale: float = 1.0, seed: int = DEFAULT_SEED, *, fresh: bool = False,
                   today: date | None = None, out: TextIO | None = sys.stderr) -> dict[str, int]:
    """Migrates the database at `url`, connects and fills it; returns the rows per table."""
    url = normalise_database_url(url)
    started = time.perf_counter()
    await db.migrate(url)
    _say(out, f"migrated {'SQLite' if is_sqlite(url) else 'PostgreSQL'} in {time.perf_counter() - started:.1f} s")
    async with db.connected(url):
        rows = await fill(scale, seed, fresh=fresh, today=today, out=out)
        started = time.perf_counter()
        await db.refresh_statistics()  # the planner's statistics of the data just loaded
        _say(out, f"analyzed in {time.perf_counter() - started:.1f} s")
        return rows


def print_summary(rows: dict[str, int], out: TextIO = sys.stdout) -> None:
    width = max(len(name) for name in rows)
    for name, count in rows.items():
        print(f"{name:<{width}}  {count:>9,}", file=out)
    print(f"{'total':<{width}}  {sum(rows.values()):>9,}", file=out)


def main(argv: Iterable[str] | None = None, run: Callable[..., Any] = asyncio.run) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="default: the app's (INCUBATOR_DATABASE_URL or INCUBATOR_DATA_DIR)")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 50 parks and 10,000 organizations")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--fresh", action="store_true", help="empty every table first (otherwise: refuse)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    timezone = os.environ.get("INCUBATOR_TIMEZONE")
    if timezone:
        clock.configure(timezone)
    url = args.database_url or Settings.from_env().database_url
    try:
        rows = run(generate(url, args.scale, args.seed, fresh=args.fresh))
    except NotEmpty as exc:
        print(f"generate.py: {exc}", file=sys.stderr)
        return 2
    print_summary(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
