"""Demo data modelled on DOMAIN.md (Binhu district, Wuxi): one hub and three themed parks
with their spaces, and one account per role. Loading it twice changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from incubator import clock, db, events
from incubator.access import Principal
from incubator.auth.models import User
from incubator.auth.service import create_user_plain
from incubator.funding.models import Grant, Tranche
from incubator.organizations import admission, credit_code
from incubator.organizations import forms as organization_forms
from incubator.organizations import service as organization_service
from incubator.organizations.models import Application, Organization, OrganizationDomain, ServiceDomain, StageChange
from incubator.parks.events import ParkCreated
from incubator.parks.models import Park, ParkKind, Space, SpaceKind
from incubator.reviews import scoring
from incubator.reviews.commands import AssignEvaluator, Decide, DeclareConflict, DimensionScore, SubmitScores
from incubator.reviews.models import Decision, Panel, Review, ReviewAssignment
from incubator.roles import Role

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


async def load() -> bool:
    """Loads the demo data unless it is there; True when something was written."""
    if await User.filter(username="admin").exists():
        return False
    parks = []
    async with events.transaction():
        for index, values in enumerate(PARKS):
            park = await Park.get_or_none(name_zh=values["name_zh"])
            if park is None:
                park = await Park.create(**values)
                events.emit(ParkCreated(park_id=park.id))  # its scorecard and review plan follow
            parks.append(park)
            prefix = ["灵山", "益巢", "荣巷", "中心"][index]
            for space in _spaces(prefix):
                if not await Space.filter(park_id=park.id, name=space["name"]).exists():
                    await Space.create(park_id=park.id, **space)
    users = {}
    for username, name, role in ACCOUNTS:
        if role == Role.MEMBER:
            continue
        managed = [parks[0].id] if role == Role.MANAGER else []
        users[username] = await create_user_plain(username, DEMO_PASSWORD, role, display_name=name, park_ids=managed)
    admin = Principal(users["admin"])
    evaluators = [users[name] for name in ("evaluator", "media.reviewer", "resident.reviewer")]
    for number, spec in enumerate(ORGANIZATIONS):
        await _walk(admin, parks, number, evaluators, *spec)
    await _funding(admin, parks)
    for username, name, role in ACCOUNTS:
        if role == Role.MEMBER:
            member_org = await Organization.get(name_zh=MEMBER_ORGANIZATIONS[username])
            await create_user_plain(username, DEMO_PASSWORD, role, display_name=name, organization_id=member_org.id)
    return True


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
    await _backdate(organization.id, start - timedelta(days=25))


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


async def _funding(admin: Principal, parks: list[Park]) -> None:
    """The district's special fund (Binhu: ¥1,200,000) and a park budget, with grants in every state."""
    from incubator.config import Settings
    from incubator.funding import forms as funding_forms
    from incubator.funding import service as funding

    year = clock.today().year
    district = await funding.create_fund(admin, funding_forms.create_fund({
        "name": f"{year}年滨湖区社会组织发展专项资金", "source": "district_special", "fiscal_year": str(year),
        "budget": "120万", "valid_from": f"{year}-01-01", "valid_to": f"{year + 1}-12-31"}))
    await funding.create_fund(admin, funding_forms.create_fund({
        "name": f"{year}年灵山园区运营方种子基金", "source": "operator_budget", "fiscal_year": str(year),
        "budget": "20万", "valid_from": f"{year}-01-01", "valid_to": f"{year}-12-31", "park_id": str(parks[0].id)}))
    threshold = Settings.grant_approval_threshold_fen  # the default: ¥50,000
    plans: list[tuple[str, str, list[tuple[str, str, dict[str, str]]], str]] = [  # organization, purpose,
        # tranches (amount, condition, extra), how far it goes
        ("太湖邻里志愿者协会", "“邻里守望”社区志愿服务项目", [("20000", "on_signing", {}),
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
        await funding.approve(admin, await Grant.get(id=grant.id))
        await funding.refresh_readiness(grant_id=grant.id)
        if how_far == "paid":
            for tranche in await Tranche.filter(grant_id=grant.id, status="ready"):
                await funding.disburse(admin, tranche, funding_forms.disburse({"paid_on": clock.today().isoformat(),
                                                        "voucher": f"记-{year}-{tranche.id:03d}"}))


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


async def _backdate(organization_id: int, first: date) -> None:
    changes = await StageChange.filter(organization_id=organization_id).order_by("at", "id")
    now = datetime.now(UTC)
    begin = datetime.combine(first, time(9, 30), tzinfo=UTC)
    span = max(now - begin, timedelta(days=1))
    for index, change in enumerate(changes):
        moment = begin + span * (index / max(len(changes), 1))
        await StageChange.filter(id=change.id).update(at=moment)
    await Application.filter(organization_id=organization_id).update(submitted_at=begin)
    if changes:
        await Organization.filter(id=organization_id).update(stage_changed_at=begin + span * (
            (len(changes) - 1) / max(len(changes), 1)))
