"""Demo data modelled on DOMAIN.md (Binhu district, Wuxi): one hub and three themed parks
with their spaces, one account per role, organizations along every stage, and a few months of
life before today (held and rated training, past bookings with a no-show, seed money paid in past
months, the public directory, last month closed). Each part creates what is missing and leaves what
exists: loading twice changes nothing, and loading into an older demo adds what is new."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from io import BytesIO
from typing import Any

from starlette.datastructures import UploadFile

from incubator import clock, db, events, uploads, workdays
from incubator.access import Principal
from incubator.auth.models import User
from incubator.auth.service import create_user_plain, load_principal
from incubator.booking import check_in, new_bookings
from incubator.booking.commands import Book
from incubator.booking.models import Booking
from incubator.config import Settings
from incubator.dashboards import service as dashboards
from incubator.dashboards.models import ClosedMonth
from incubator.directory import service as directory
from incubator.directory.commands import ProjectDetails, SaveListing
from incubator.directory.models import Listing
from incubator.errors import DomainError
from incubator.funding import forms as funding_forms
from incubator.funding import service as funding
from incubator.funding.models import Fund, Grant, Tranche
from incubator.organizations import admission, credit_code
from incubator.organizations import forms as organization_forms
from incubator.organizations import service as organization_service
from incubator.organizations.models import (
    Application,
    Organization,
    OrganizationDomain,
    ServiceDomain,
    Stage,
    StageChange,
    TimelineKind,
)
from incubator.parks.events import ParkCreated
from incubator.parks.models import Park, ParkKind, Space, SpaceKind
from incubator.period import Period
from incubator.reviews import scoring
from incubator.reviews.commands import AssignEvaluator, Decide, DeclareConflict, DimensionScore, SubmitScores
from incubator.reviews.models import Decision, Panel, Review, ReviewAssignment
from incubator.roles import Role
from incubator.training import attendance, feedback, planning, rosters, seating
from incubator.training.commands import GiveFeedback, Mark, PlanSessions, SavePerson, SessionDetails, SignUp
from incubator.training.models import Attendance, Person, PersonRole, Topic, TrainingSession
from incubator.workdays import add_months

DEMO_PASSWORD = "demo-password"  # noqa: S105 - documented demo credential

WEEKDAY_HOURS = {d: ["08:30", "17:30"] for d in ("mon", "tue", "wed", "thu", "fri")} | {
    "sat": None, "sun": None,
}
LONG_HOURS = {d: ["08:30", "21:00"] for d in ("mon", "tue", "wed", "thu", "fri")} | {
    "sat": ["09:00", "17:00"], "sun": None,
}

PARKS: list[dict[str, Any]] = [
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


# (park index, name, English name, kind, the path to walk, registration, days since admission)
ORGANIZATIONS = [
    (0, "太湖邻里志愿者协会", "Taihu Neighbours Volunteer Association", "social_association",
     ["screening", "admit", "incubating"], "registered", 420),
    (0, "滨湖绿色环保志愿服务队", "Binhu Green Volunteers", "community_group",
     ["screening", "admit", "incubating"], "filed", 300),
    (0, "社区应急救护培训队", "Community First-Aid Trainers", "unregistered",
     ["screening", "admit", "incubating", "midterm_review"], "preparing", 190),
    (0, "银龄互助会", "Silver Age Mutual Aid", "unregistered",
     ["screening", "admit", "incubating", "extended"], "unregistered", 400),
    (0, "湖滨邻里调解会", "Lakeside Neighbourhood Mediation", "social_association",
     ["screening", "admit", "incubating", "midterm_review", "graduation_review"], "registered", 700),
    (0, "渔港社区文化队", "Fishing Harbour Culture Troupe", "social_association",
     ["screening", "admit", "incubating", "graduation_review", "graduated"], "registered", 760),
    (0, "太湖青年志愿者服务社", "Taihu Youth Volunteers", "unregistered", ["screening"], "unregistered", None),
    (0, "蠡湖读书会", "Lihu Reading Circle", "unregistered", [], "unregistered", None),
    (0, "街头快闪艺术团", "Street Flash-Mob Troupe", "unregistered", ["screening", "reject"], "unregistered", None),
    (0, "湖畔宠物互助群", "Lakeside Pet Owners", "unregistered",
     ["screening", "admit", "incubating", "exited"], "unregistered", 250),
    (1, "益巢独居老人关爱中心", "Yichao Care for Elderly Living Alone", "private_non_enterprise",
     ["screening", "admit", "incubating"], "registered", 380),
    (1, "心语心理咨询服务社", "Xinyu Counselling Service", "private_non_enterprise",
     ["screening", "admit"], "preparing", 5),
    (1, "亲子成长工作坊", "Parent-Child Growth Workshop", "unregistered", [], "unregistered", None),
    (2, "荣巷阳光助残服务社", "Rongxiang Sunshine Disability Services", "private_non_enterprise",
     ["screening", "admit", "incubating"], "registered", 330),
]
ACCOUNTS = [
    ("admin", "系统管理员", Role.ADMIN),
    ("official", "区民政局 王科长", Role.OFFICIAL),
    ("manager", "灵山园区 李经理", Role.MANAGER),
    ("org", "太湖邻里志愿者协会 张会长", Role.MEMBER),
    ("green", "滨湖绿色环保志愿服务队 周队长", Role.MEMBER),
    ("evaluator", "第三方评估 陈专家", Role.EVALUATOR),
    ("media.reviewer", "媒体评审 刘记者", Role.EVALUATOR),
    ("resident.reviewer", "居民代表 赵阿姨", Role.EVALUATOR),
]
# Each member account's organization: two residents of the first park (they share its spaces).
MEMBER_ORGANIZATIONS = {"org": ORGANIZATIONS[0][1], "green": ORGANIZATIONS[1][1]}
DOMAINS_BY_PARK = {0: ["volunteering", "self_governance"], 1: ["family", "elderly"], 2: ["disability"]}
REASONS = {
    "admit": "服务需求明确，团队稳定，符合园区定位。",
    "reject": "服务内容与园区公益定位不符，建议转介文化部门。",
    "extended": "登记材料仍在审批，延期六个月。",
    "exited": "组织负责人迁居外地，组织停止活动。",
}


async def is_empty() -> bool:
    return not await User.exists() and not await Park.exists()


async def load(settings: Settings | None = None) -> bool:
    """Loads the demo data, or what of it is missing: each part creates what is not there and leaves
    what is, so a database filled by an older version gets what newer versions add (a second member
    account, the training history…) and a second load writes nothing. True when something was written.
    `settings` places the logos' files (without it the directory's organizations have no logo).

    A database with accounts but without the demo's organizations is not a demo: it is left alone."""
    if await User.exists() and not await Organization.filter(name_zh=ORGANIZATIONS[0][1]).exists():
        return False
    wrote = False
    parks = []
    async with events.transaction():
        for index, values in enumerate(PARKS):
            park = await Park.get_or_none(name_zh=values["name_zh"])
            if park is None:
                park = await Park.create(**values)
                events.emit(ParkCreated(park_id=park.id))  # its scorecard and review plan follow
                wrote = True
            parks.append(park)
            prefix = ["灵山", "益巢", "荣巷", "中心"][index]
            for space in _spaces(prefix):
                if not await Space.filter(park_id=park.id, name=space["name"]).exists():
                    await Space.create(park_id=park.id, **space)
                    wrote = True
    users = {}
    for username, name, role in ACCOUNTS:
        if role == Role.MEMBER:
            continue
        user = await User.get_or_none(username=username)
        if user is None:
            managed = [parks[0].id] if role == Role.MANAGER else []
            user = await create_user_plain(username, DEMO_PASSWORD, role, display_name=name, park_ids=managed)
            wrote = True
        users[username] = user
    admin = Principal(users["admin"])
    evaluators = [users[name] for name in ("evaluator", "media.reviewer", "resident.reviewer")]
    for number, spec in enumerate(ORGANIZATIONS):
        if not await Organization.filter(name_zh=spec[1]).exists():
            await _walk(admin, parks, number, evaluators, *spec)
            wrote = True
    official = Principal(users["official"])
    wrote |= await _funding(admin, official, parks)
    for username, name, role in ACCOUNTS:
        if role == Role.MEMBER and not await User.filter(username=username).exists():
            member_org = await Organization.get(name_zh=MEMBER_ORGANIZATIONS[username])
            await create_user_plain(username, DEMO_PASSWORD, role, display_name=name, organization_id=member_org.id)
            wrote = True
    # A few months of life: what the park did before today, each part once.
    members = {username: await load_principal(await User.get(username=username)) for username in MEMBER_ORGANIZATIONS}
    manager = await load_principal(users["manager"])
    wrote |= await _timelines()
    wrote |= await _training(manager, members, parks[0])
    wrote |= await _bookings(manager, members, parks[0])
    wrote |= await _past_money(manager, official)
    wrote |= await _directory(admin, members, settings)
    wrote |= await _close_last_month(official)
    return wrote


async def _walk(admin: Principal, parks: list[Park], number: int, evaluators: list[User], park_index: int,
                name_zh: str, name_en: str, kind: str, path: list[str], registration: str,
                days_ago: int | None) -> None:
    """Takes one organization along its path with the same services a manager uses, then moves
    the timeline's dates into the past so the demo looks like a park that has been running."""
    park = parks[park_index]
    domains = await ServiceDomain.filter(code__in=DOMAINS_BY_PARK[park_index]).values_list("id", flat=True)
    form = {"name_zh": name_zh, "name_en": name_en, "kind": kind, "contact_person": "联系人" + name_zh[:2],
            "mobile": f"1380000{number:04d}", "legal_representative": "负责人" + name_zh[:2],
            "plan": "面向社区居民开展常态化公益服务，一年内完成登记并形成品牌项目。",
            "staff_count": str(2 + number % 4), "volunteer_count": str(15 + number * 7)}
    submitted = await admission.submit_application(
        park, organization_forms.apply(form, domains, ["office_space", "registration", "capacity_building"]),
        address=f"demo-{number}")
    organization = submitted.organization
    start = clock.today() - timedelta(days=days_ago or 20)
    for step in path:
        organization = await Organization.get(id=organization.id)
        if step in ("admit", "reject"):
            criteria = await admission.criteria_for(park)
            desks = await admission.free_desks(park)
            decision = {f"score_{c.id}": str(6 + (number + c.id) % 5) for c in criteria} | {
                "decision": step, "reason": REASONS[step], "start_on": start.isoformat(),
                "term_months": "24" if (days_ago or 0) > 300 and "extended" not in path else "12",
                "space_id": str(desks[0].id) if desks and step == "admit" else ""}
            await admission.decide_admission(admin, organization, organization_forms.decide_admission(
                decision, [c.id for c in criteria], ["office_space", "registration"]))
            continue
        data = {"stage": step, "reason": REASONS.get(step, "")}
        if step == "extended":
            assert organization.term_end_on is not None  # a resident organization has a term
            data["new_end_on"] = (organization.term_end_on + timedelta(days=183)).isoformat()
        if step == "graduated":
            await _register(admin, organization, number)
            graduation = await Review.get(organization_id=organization.id, code="graduation", status__in=["scheduled",
                                                                                                      "in_progress"])
            await _conduct(admin, graduation, evaluators, number)
        await organization_service.change_stage(admin, organization, organization_forms.change_stage(data))
    organization = await Organization.get(id=organization.id)
    if registration == "registered" and organization.registration != "registered":
        await _register(admin, organization, number)
    elif registration in ("preparing", "filed"):
        await organization_service.update_registration(admin, organization, organization_forms.update_registration({
            "registration": registration, "name_preapproval": f"滨民名预〔2025〕{number:03d}号",
            "filing_number": f"滨社备〔2025〕{number:03d}号" if registration == "filed" else "",
            "filing_authority": "太湖街道办事处" if registration == "filed" else "",
            "filed_on": (start + timedelta(days=30)).isoformat() if registration == "filed" else ""}))
    # Reviews that fell due more than a month ago have been held; recent ones are still open,
    # so the demo shows reviews due and overdue.
    for review in await Review.filter(organization_id=organization.id, status__in=["scheduled", "in_progress"],
                                      due_on__lt=clock.today() - timedelta(days=30)):
        await _conduct(admin, review, evaluators, number)
    await _backdate(organization.id, start - timedelta(days=25), start if organization.admitted_on else None)


async def _conduct(admin: Principal, review: Review, evaluators: list[User], number: int) -> None:
    for index, (evaluator, panel) in enumerate(zip(evaluators, ("expert", "media", "resident"), strict=True)):
        assignment = await scoring.assign(admin, review, AssignEvaluator(evaluator_id=evaluator.id, panel=Panel(panel)))
        me = Principal(evaluator)
        await scoring.declare_conflict(me, assignment, DeclareConflict(conflict=False))
        assignment = await ReviewAssignment.get(id=assignment.id)
        value = 6 + (number + index) % 4
        await scoring.submit_scores(me, assignment, SubmitScores(
            scores=tuple(DimensionScore(dimension=i, score=value) for i in range(len(review.dimensions))),
            comment="材料齐全，服务记录清晰。"))
    await scoring.decide(admin, review, Decide(decision=Decision.PASSED, reason="达到本阶段目标。"))


def _district_fund_name(year: int) -> str:
    return f"{year}年滨湖区社会组织发展专项资金"


async def _funding(admin: Principal, official: Principal, parks: list[Park]) -> bool:
    """The district's special fund (Binhu: ¥1,200,000) and a park budget, with grants in every state.
    The district fund is valid from the start of the year, or earlier when the demo's history
    (six months back) began the year before, so that its past payments fall within it."""
    year = clock.today().year
    if await Grant.filter(purpose=FIRST_GRANT).exists():  # loaded before (maybe in another year)
        return False
    valid_from = min(date(year, 1, 1), _month_start(HISTORY_MONTHS + 2))
    district = await funding.create_fund(admin, funding_forms.create_fund({
        "name": _district_fund_name(year), "source": "district_special", "fiscal_year": str(year),
        "budget": "120万", "valid_from": valid_from.isoformat(), "valid_to": f"{year + 1}-12-31"}))
    await funding.create_fund(admin, funding_forms.create_fund({
        "name": f"{year}年灵山园区运营方种子基金", "source": "operator_budget", "fiscal_year": str(year),
        "budget": "20万", "valid_from": f"{year}-01-01", "valid_to": f"{year}-12-31", "park_id": str(parks[0].id)}))
    threshold = Settings.grant_approval_threshold_fen  # the default: ¥50,000
    plans: list[tuple[str, str, list[tuple[str, str, dict[str, str]]], str]] = [  # organization, purpose,
        # tranches (amount, condition, extra), how far it goes
        ("太湖邻里志愿者协会", FIRST_GRANT, [("20000", "on_signing", {}),
                                                   ("30000", "after_review", {"review_code": "midterm"})], "paid"),
        ("益巢独居老人关爱中心", "独居老人探访与个案服务", [("40000", "on_signing", {}),
                                                 ("40000", "after_review", {"review_code": "graduation"})], "active"),
        ("社区应急救护培训队", "社区应急救护培训", [("15000", "on_signing", {})], "proposed"),
        ("滨湖绿色环保志愿服务队", "湖岸垃圾分类宣传", [("10000", "on_signing", {})], "draft"),
    ]
    for name, purpose, tranches, how_far in plans:
        organization = await Organization.get(name_zh=name)
        form = {"fund_id": str(district.id), "purpose": purpose,
                "amount": str(sum(int(t[0]) for t in tranches))}
        for index, (amount, condition, extra) in enumerate(tranches):
            form |= {f"amount_{index}": amount, f"condition_{index}": condition}
            form |= {f"{key}_{index}": value for key, value in extra.items()}
        grant = await funding.draft_grant(admin, organization, funding_forms.draft_grant(form))
        if how_far == "draft":
            continue
        await funding.propose(admin, grant, threshold)
        if how_far == "proposed":
            continue
        await funding.approve(official, await Grant.get(id=grant.id))  # four eyes: not its proposer
        await funding.refresh_readiness(grant_id=grant.id)
        if how_far == "paid":
            for tranche in await Tranche.filter(grant_id=grant.id, status="ready"):
                await funding.disburse(admin, tranche, funding_forms.disburse({"paid_on": clock.today().isoformat(),
                                                        "voucher": f"记-{year}-{tranche.id:03d}"}))
    return True


async def _register(admin: Principal, organization: Organization, number: int) -> None:
    domain_ids: list[int] = await db.flat(
        OrganizationDomain.filter(organization_id=organization.id).values_list("domain_id", flat=True))
    profile = {name: str(getattr(organization, name) or "") for name in organization_service.PROFILE_FIELDS}
    profile["kind"] = str(organization.kind.value)
    await organization_service.update_profile(admin, organization, organization_forms.profile(profile, domain_ids))
    await organization_service.update_registration(admin, organization, organization_forms.update_registration({
        "registration": "registered", "credit_code": credit_code.make(f"51320211MJ57{number:05d}"),
        "registration_authority": "无锡市滨湖区民政局",
        "registered_on": (clock.today() - timedelta(days=60)).isoformat()}))


async def _backdate(organization_id: int, first: date, admitted: date | None) -> None:
    """Spreads the timeline from the application (`first`) to today, the admission on its day: the
    changes before it between the application and the admission, the later ones between it and today."""
    changes = await StageChange.filter(organization_id=organization_id).order_by("at", "id")
    now = datetime.now(UTC)
    begin = datetime.combine(first, time(9, 30), tzinfo=UTC)
    admission = next((index for index, change in enumerate(changes)
                      if change.kind == TimelineKind.STAGE and change.to_stage == Stage.ADMITTED.value), None)
    admitted_at = clock.local_instant(admitted, time(10)) if admitted is not None else None
    moments: list[datetime] = []
    if admission is None or admitted_at is None or not begin < admitted_at < now:
        span = max(now - begin, timedelta(days=1))
        moments = [begin + span * (index / max(len(changes), 1)) for index in range(len(changes))]
    else:
        moments = [begin + (admitted_at - begin) * (index / admission) for index in range(admission)]
        later = len(changes) - admission - 1
        moments += [admitted_at + (now - admitted_at) * (index / (later + 1)) for index in range(later + 1)]
    for change, moment in zip(changes, moments, strict=True):
        await StageChange.filter(id=change.id).update(at=moment)
    await Application.filter(organization_id=organization_id).update(submitted_at=begin)
    if changes:
        await Organization.filter(id=organization_id).update(stage_changed_at=moments[-1])


# ---- a few months of life -------------------------------------------------------------------------
# What the park did before today, written through the same services a manager and the members use,
# run as on the day it happened (`_as_of`): sessions planned weeks ahead, people signed up the week
# before, attendance taken at the door, ratings given the day after, rooms booked and checked in,
# tranches paid. Dates are relative to the app's clock, so "last month" is always last month.

HISTORY_MONTHS = 3  # training, bookings and payments in each of the last three months
FIRST_GRANT = "“邻里守望”社区志愿服务项目"


@contextmanager
def _as_of(moment: datetime) -> Iterator[None]:
    """The services read the time from incubator.clock only: for the demo's history they run as on
    `moment` (as the tests run them under time-machine), then the real clock is back."""
    saved: dict[str, Callable[[], Any]] = {"now": clock.now, "today": clock.today}
    vars(clock).update(now=lambda: moment, today=lambda: clock.local_date(moment))
    try:
        yield
    finally:
        vars(clock).update(saved)


def _month_start(months_back: int) -> date:
    return add_months(clock.today().replace(day=1), -months_back)


def _workday(day: date) -> date:
    """The first weekday on or after `day` that is not a public holiday (the rooms open on weekdays)."""
    while day.weekday() >= 5 or workdays.is_public_holiday(day):
        day += timedelta(days=1)
    return day


def _at(day: date, moment: time) -> datetime:
    return clock.local_instant(day, moment)


async def _timelines() -> bool:
    """Each organization's record agrees with its backdated timeline: it exists from its application
    (a past month's dashboard counts it), and graduated or exited on the day its timeline says."""
    wrote = False
    names = [spec[1] for spec in ORGANIZATIONS]
    for organization in await Organization.filter(name_zh__in=names).only(
            "id", "created_at", "stage", "graduated_on", "exited_on"):
        changes = list(await StageChange.filter(organization_id=organization.id, kind=TimelineKind.STAGE).order_by(
            "at", "id").values_list("at", "to_stage"))
        submitted = await db.flat(Application.filter(organization_id=organization.id).values_list(
            "submitted_at", flat=True))
        first = min([*(at for at, _stage in changes), *submitted], default=None)
        values: dict[str, Any] = {}
        if first is not None and organization.created_at > first:
            values["created_at"] = first
        for stage, column in ((Stage.GRADUATED, "graduated_on"), (Stage.EXITED, "exited_on")):
            moments = [at for at, to_stage in changes if to_stage == stage.value]
            if organization.stage == stage and moments and getattr(organization, column) != clock.local_date(
                    moments[-1]):
                values[column] = clock.local_date(moments[-1])
        if values:
            await Organization.filter(id=organization.id).update(**values)
            wrote = True
    return wrote


# People on the member organizations' rosters: (name, role).
ROSTERS = {
    "org": [("王丽", "staff"), ("刘强", "volunteer"), ("陈静", "board")],
    "green": [("周涛", "staff"), ("吴芳", "volunteer")],
}
# Held sessions: months back, topic, title, trainer, trainer's organization, external, start, end,
# and who of each roster attended how (the others signed up are absent).
PAST_SESSIONS: list[tuple[int, str, str, str, str, bool, time, time, dict[str, dict[str, Attendance]]]] = [
    (3, "registration_governance", "社会组织登记与内部治理", "周老师", "滨湖区民政局", False, time(14), time(16, 30),
     {"org": {"王丽": Attendance.PRESENT, "刘强": Attendance.LATE},
      "green": {"周涛": Attendance.PRESENT, "吴芳": Attendance.ABSENT}}),
    (2, "project_design", "公益项目设计与预算编制", "孙老师", "无锡市社会工作协会", True, time(9), time(12),
     {"org": {"王丽": Attendance.PRESENT, "陈静": Attendance.PRESENT},
      "green": {"周涛": Attendance.LATE, "吴芳": Attendance.PRESENT}}),
    (1, "volunteers", "志愿者招募、培训与激励", "钱老师", "", False, time(14), time(16),
     {"org": {"刘强": Attendance.PRESENT, "陈静": Attendance.ABSENT},
      "green": {"周涛": Attendance.PRESENT, "吴芳": Attendance.PRESENT}}),
]
RATINGS = [(5, "案例贴近社区实际，回去就能用。"), (4, "内容实用，希望多留讨论时间。"), (5, ""),
           (3, "时间有点紧，资料可以提前发。"), (4, "")]
UPCOMING = ("finance", "社会组织财务管理与票据规范", "郑老师", "滨湖区社会组织服务中心", time(9, 30), time(11, 30))


async def _training(manager: Principal, members: dict[str, Principal], park: Park) -> bool:
    """The first park's last three months of training (held, attended, rated: hours on the organization
    pages, certificates to verify, the training figures) and one session to come, open for sign-up."""
    if await TrainingSession.filter(park_id=park.id, title=PAST_SESSIONS[0][2]).exists():
        return False
    room = await Space.get(park_id=park.id, kind=SpaceKind.TRAINING_ROOM)
    topics = dict(await Topic.all().values_list("code", "id"))
    people: dict[str, int] = {}
    for username, roster in ROSTERS.items():
        member = members[username]
        known = dict(await Person.filter(organization_id=member.organization_id).values_list("name", "id"))
        for name, role in roster:
            if name not in known:
                known[name] = (await rosters.add_person(member, SavePerson(name=name, role=PersonRole(role)))).id
            people[name] = known[name]
    ratings = iter(RATINGS * 4)
    for months_back, topic, title, trainer, employer, external, start, end, roll in PAST_SESSIONS:
        day = _workday(_month_start(months_back) + timedelta(days=11))
        with _as_of(_at(day, time(10)) - timedelta(days=21)):
            session = await _plan(manager, park, room, day, start, end, SessionDetails(
                title=title, topic_id=topics[topic], trainer=trainer, trainer_organization=employer,
                trainer_external=external, capacity=24, credit_minutes=_minutes(start, end),
                description="面向园区入驻组织的能力建设课程，含案例研讨与练习。"))
        seats = {}
        with _as_of(session.starts_at - timedelta(days=7)):
            for username, marked in roll.items():
                for seat in await seating.sign_up(members[username], session.id, SignUp(
                        person_ids=frozenset(people[name] for name in marked))):
                    seats[seat.person_id] = (username, seat.id)
        with _as_of(session.ends_at + timedelta(minutes=10)):
            for marked in roll.values():
                for name, how in marked.items():
                    await attendance.mark(manager, seats[people[name]][1], Mark(attendance=how))
        with _as_of(session.ends_at + timedelta(days=1)):
            for marked in roll.values():
                for name, how in marked.items():
                    username, seat_id = seats[people[name]]
                    if how != Attendance.ABSENT:
                        rating, comment = next(ratings)
                        await feedback.give_feedback(members[username], seat_id, GiveFeedback(
                            rating=rating, comment=comment))
    topic, title, trainer, employer, start, end = UPCOMING
    session = await _plan(manager, park, room, _workday(clock.today() + timedelta(days=16)), start, end,
                          SessionDetails(title=title, topic_id=topics[topic], trainer=trainer,
                                         trainer_organization=employer, capacity=30,
                                         credit_minutes=_minutes(start, end)))
    await seating.sign_up(members["org"], session.id, SignUp(person_ids=frozenset({people["王丽"]})))
    await seating.sign_up(members["green"], session.id, SignUp(person_ids=frozenset({people["周涛"]})))
    return True


def _minutes(start: time, end: time) -> int:
    return (end.hour - start.hour) * 60 + end.minute - start.minute


async def _plan(manager: Principal, park: Park, room: Space, day: date, start: time, end: time,
                details: SessionDetails) -> TrainingSession:
    return (await planning.plan(manager, PlanSessions(park_id=park.id, space_id=room.id, day=day, start=start,
                                                      end=end, details=details)))[0]


# Past bookings of the first park's meeting room: months back, day of the month, member, start, end,
# attendees, purpose, checked in (False: a no-show, released by the scheduled job).
PAST_BOOKINGS = [
    (2, 8, "org", time(10), time(11, 30), 10, "邻里守望项目推进会", True),
    (2, 15, "green", time(14), time(15, 30), 6, "垃圾分类宣传物料讨论", True),
    (1, 6, "org", time(9, 30), time(11), 8, "志愿者骨干座谈", True),
    (1, 17, "green", time(10), time(11), 5, "环保志愿者招募面谈", False),
    (1, 20, "org", time(15), time(16, 30), 12, "社区议事会筹备会", True),
]


async def _bookings(manager: Principal, members: dict[str, Principal], park: Park) -> bool:
    """Bookings of the last two months, checked in by the park's manager at the door, and one no-show."""
    if await Booking.filter(purpose=PAST_BOOKINGS[0][6]).exists():
        return False
    room = await Space.get(park_id=park.id, kind=SpaceKind.MEETING_ROOM)
    for months_back, day_of_month, username, start, end, attendees, purpose, shows in PAST_BOOKINGS:
        day = _workday(_month_start(months_back) + timedelta(days=day_of_month - 1))
        starts_at = _at(day, start)
        with _as_of(starts_at - timedelta(days=3)):
            made = await new_bookings.book(members[username], Book(space_id=room.id, day=day, start=start, end=end,
                                                                   attendees=attendees, purpose=purpose))
        if shows:
            with _as_of(starts_at + timedelta(minutes=5)):
                await check_in.mark_checked_in(manager, made.id)
        else:
            with _as_of(starts_at + timedelta(minutes=30)):
                await check_in.release_no_shows()
    return True


# Grants paid in past months: organization, purpose, tranches (amount, condition, months back and
# day of the release), approved (months back, day), payments of the ready tranches (months back, day).
PAST_GRANTS: list[tuple[str, str, list[tuple[str, str, tuple[int, int] | None]], tuple[int, int],
                        list[tuple[int, int]]]] = [
    ("湖滨邻里调解会", "邻里纠纷调解志愿服务", [("15000", "on_signing", None), ("15000", "on_date", (1, 5))],
     (3, 8), [(3, 15), (1, 12)]),
    ("银龄互助会", "银龄结对探访", [("12000", "on_signing", None), ("8000", "on_date", (-1, 20))],
     (2, 6), [(2, 20)]),
]


async def _past_money(manager: Principal, official: Principal) -> bool:
    """Seed money committed and paid in past months (the ledger's dates are the days it happened),
    from the district fund, when that fund was valid then."""
    if await Grant.filter(purpose=PAST_GRANTS[0][1]).exists():
        return False
    earliest = _month_start(max(grant[3][0] for grant in PAST_GRANTS))
    fund = await Fund.filter(source="district_special", park_id=None, valid_from__lte=earliest,
                             valid_to__gte=clock.today()).order_by("-fiscal_year", "id").first()
    if fund is None:
        return False
    threshold = Settings.grant_approval_threshold_fen
    for name, purpose, tranches, (approved_back, approved_day), payments in PAST_GRANTS:
        organization = await Organization.get(name_zh=name)
        form = {"fund_id": str(fund.id), "purpose": purpose, "amount": str(sum(int(t[0]) for t in tranches))}
        for index, (amount, condition, release) in enumerate(tranches):
            form |= {f"amount_{index}": amount, f"condition_{index}": condition}
            if release is not None:
                form[f"release_on_{index}"] = (_month_start(release[0]) + timedelta(days=release[1] - 1)).isoformat()
        with _as_of(_at(_month_start(approved_back) + timedelta(days=approved_day - 1), time(10))):
            grant = await funding.draft_grant(manager, organization, funding_forms.draft_grant(form))
            await funding.propose(manager, grant, threshold)
            await funding.approve(official, await Grant.get(id=grant.id))
        for paid_back, paid_day in payments:
            paid_on = _month_start(paid_back) + timedelta(days=paid_day - 1)
            with _as_of(_at(paid_on, time(15))):
                await funding.refresh_readiness(grant_id=grant.id)
                tranche = await Tranche.filter(grant_id=grant.id, status="ready").order_by("sequence").first()
                assert tranche is not None  # its condition was met on that day
                await funding.disburse(manager, tranche, funding_forms.disburse({
                    "paid_on": paid_on.isoformat(), "voucher": f"记-{paid_on:%Y%m}-{tranche.id:03d}"}))
    return True


# The public directory: organizations that agreed to be listed, the contact point they publish, their
# logo's colour and their brand projects (name, domain, months since it started, months since it ended
# or None, people reached, summary).
LISTED: list[tuple[str, str, str, tuple[int, int, int], list[tuple[str, str, int, int | None, int, str]]]] = [
    ("太湖邻里志愿者协会", "面向太湖街道居民的邻里互助与志愿服务。", "太湖街道邻里服务站 0510-8501 2345",
     (214, 96, 46), [
        ("邻里守望·独居老人结对探访", "volunteering", 14, None, 860,
         "60 余名志愿者与社区独居老人结对，每周上门探访一次。"),
        ("太湖湾社区议事会", "self_governance", 10, 2, 1200, "每月两次居民议事，协助街道收集并回应民生诉求。")]),
    ("滨湖绿色环保志愿服务队", "湖岸巡护、垃圾分类宣传与环保课堂。", "微信公众号：滨湖绿队", (46, 139, 87), [
        ("湖岸垃圾分类宣传", "environment", 9, None, 3400, "在太湖沿岸 12 个小区开展垃圾分类入户宣传与督导。")]),
    ("渔港社区文化队", "渔港社区群众文化活动与非遗传承。", "渔港社区文化活动室 0510-8502 6789", (52, 101, 164), [
        ("渔港号子传承", "culture_education", 30, 6, 5200, "整理渔港号子曲谱，进校园、进社区演出 40 余场。")]),
    ("益巢独居老人关爱中心", "为河埒街道独居老人提供探访、个案与紧急援助。", "河埒街道益巢家庭服务园 0510-8503 1122",
     (176, 72, 120), [
        ("独居老人“一键通”守护", "elderly", 12, None, 640,
         "为 200 户独居老人建立探访档案，结合紧急呼叫开展每日问安。")]),
    ("荣巷阳光助残服务社", "残障人士就业辅导、康复陪伴与家庭支持。", "荣巷街道助残服务中心 0510-8504 3344",
     (200, 150, 30), [
        ("阳光就业加油站", "disability", 8, None, 150, "为辖区残障青年提供职业评估、技能培训与岗位对接。")]),
]


def _logo(colour: tuple[int, int, int], size: int = 96) -> bytes:
    """A small PNG drawn here: a coloured ring on white (the directory accepts PNG or JPEG)."""
    middle, outer, inner = (size - 1) / 2, size * 0.45, size * 0.22
    white, rows = bytes((255, 255, 255)), bytearray()
    for y in range(size):
        rows.append(0)  # no filter
        for x in range(size):
            distance = ((x - middle) ** 2 + (y - middle) ** 2) ** 0.5
            rows += bytes(colour) if inner <= distance <= outer else white

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
            + chunk(b"IEND", b""))


def _upload(colour: tuple[int, int, int]) -> UploadFile:
    return UploadFile(BytesIO(_logo(colour)), filename="logo.png")


async def _directory(admin: Principal, members: dict[str, Principal], settings: Settings | None) -> bool:
    """Organizations in the public directory. The members of an organization with a demo account give
    its consent, contact point and logo themselves; for the others (no member account: the service
    takes consent from members only) the listing is written directly. Brand projects through the service."""
    wrote = False
    by_organization = {member.organization_id: member for member in members.values()}
    domains = dict(await ServiceDomain.all().values_list("code", "id"))
    for name, description, contact, colour, projects in LISTED:
        organization = await Organization.get_or_none(name_zh=name)
        if organization is None or await Listing.filter(organization_id=organization.id).exists():
            continue
        if not organization.description:
            await _describe(admin, organization, description)
        member = by_organization.get(organization.id)
        if member is not None:
            await directory.save_listing(member, organization.id, SaveListing(listed=True, contact=contact))
            if settings is not None:
                await directory.set_logo(member, organization.id, _upload(colour), settings)
        else:
            logo: dict[str, Any] = {}
            if settings is not None:
                stored = await uploads.store(_upload(colour), settings, directory.LOGO_KINDS)
                logo = {"logo_name": stored.storage_name, "logo_type": stored.content_type,
                        "logo_sha256": stored.sha256}
            await Listing.create(organization_id=organization.id, listed=True, contact=contact,
                                 updated_at=clock.now(), **logo)
        keeper = member or admin
        for title, domain, started, ended, reached, summary in projects:
            await directory.add_project(keeper, organization.id, ProjectDetails(
                name=title, domain_id=domains.get(domain), started_on=_month_start(started),
                ended_on=_month_start(ended) - timedelta(days=1) if ended is not None else None,
                people_reached=reached, summary=summary))
        wrote = True
    return wrote


async def _describe(admin: Principal, organization: Organization, description: str) -> None:
    domain_ids: list[int] = await db.flat(
        OrganizationDomain.filter(organization_id=organization.id).values_list("domain_id", flat=True))
    profile = {name: str(getattr(organization, name) or "") for name in organization_service.PROFILE_FIELDS}
    profile |= {"kind": str(organization.kind.value), "description": description}
    await organization_service.update_profile(admin, organization, organization_forms.profile(profile, domain_ids))


async def _close_last_month(official: Principal) -> bool:
    """Last month, closed by the district official: its figures are kept as reported."""
    month = Period.month_of(_month_start(1)).key
    if await ClosedMonth.filter(month=month).exists():
        return False
    try:
        await dashboards.close_month(official, month)
    except DomainError:  # closed meanwhile by another process
        return False
    return True
