"""The city-scale data generator (scripts/generate.py) at scale 0.01: the data it writes keeps every
invariant the app relies on, the scheduled jobs find nothing to repair in it, the same seed gives
the same data, and the main pages render for each role on it."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter, defaultdict
from itertools import pairwise

import pytest
import pytest_asyncio

from incubator.auth.models import ParkManager, User
from incubator.flags import service as flags
from incubator.flags.models import Flag
from incubator.funding import service as funding
from incubator.funding.models import Fund, Grant, LedgerEntry, Tranche
from incubator.notifications.models import Notification
from incubator.organizations import graduation
from incubator.organizations.models import (
    RESIDENT_STAGES,
    AdmissionReview,
    Agreement,
    Application,
    Organization,
    Registration,
    SpaceAllocation,
    Stage,
    StageChange,
)
from incubator.parks.models import Park, Space
from incubator.reviews import service as reviews
from incubator.reviews.models import Milestone, Review, ReviewAssignment
from incubator.roles import Role
from tests.conftest import Browser, empty_all_tables
from tests.helpers import ROOT, load_script

SCALE = 0.01
SEED = 7

generate = load_script("generate")


@pytest_asyncio.fixture(scope="module")
async def generated(orm: None) -> dict[str, int]:
    """One generated city for the tests that only read it (the last tests of the module write)."""
    await empty_all_tables()
    return await generate.fill(SCALE, SEED, out=None)


# ---- what is there --------------------------------------------------------------------------


async def test_scale_sets_the_sizes_and_every_table_of_the_brief_has_rows(generated):
    assert generated["park"] == 3  # two themed parks (at least) and the hub
    assert await Park.filter(kind="hub").count() == 1
    assert generated["organization"] == 100
    for table in ("space", "account", "park_manager", "application", "admission_review", "agreement",
                  "space_allocation", "stage_change", "document", "follow_up", "milestone", "review",
                  "review_assignment", "review_indicator", "fund", "funding_grant", "tranche", "ledger_entry",
                  "flag", "notification", "audit_entry", "organization_domain"):
        assert generated[table] > 0, table
    assert generated["review"] >= 3 * generated["agreement"]


async def test_every_stage_registration_state_and_role_occurs(generated):
    stages = set(await Organization.all().values_list("stage", flat=True))
    assert stages == {s.value for s in Stage}
    assert set(await Organization.all().values_list("registration", flat=True)) == {r.value for r in Registration}
    assert set(await User.all().values_list("role", flat=True)) == {r.value for r in Role}
    for username in ("admin", "official", "manager", "member", "evaluator"):
        assert await User.filter(username=username, is_active=True).exists(), username
    statuses = set(await Review.all().values_list("status", flat=True))
    assert statuses == {"scheduled", "in_progress", "decided", "cancelled"}


async def test_every_park_has_managers_rooms_and_its_review_plan(generated):
    for park in await Park.all():
        assert await ParkManager.filter(park_id=park.id).exists()
        assert await Space.filter(park_id=park.id, bookable=True).exists()
        assert await Milestone.filter(park_id=park.id).count() >= 4
        desks = await Space.filter(park_id=park.id, kind__in=["desk", "office"]).count()
        assert park.resident_slots == desks


# ---- invariants -----------------------------------------------------------------------------


async def test_fund_totals_equal_their_ledger_and_stay_within_budget(generated):
    for fund in await Fund.all():
        entries = await LedgerEntry.filter(fund_id=fund.id)
        assert fund.committed_fen == sum(e.committed_delta_fen for e in entries), fund.name
        assert fund.disbursed_fen == sum(e.disbursed_delta_fen for e in entries), fund.name
        assert 0 <= fund.disbursed_fen <= fund.committed_fen <= fund.budget_fen
    for grant in await Grant.all():
        tranches = await Tranche.filter(grant_id=grant.id)
        entries = await LedgerEntry.filter(grant_id=grant.id)
        assert sum(t.amount_fen for t in tranches) == grant.amount_fen
        assert grant.disbursed_fen == sum(e.disbursed_delta_fen for e in entries)
        assert sum(t.amount_fen for t in tranches if t.status == "paid") == sum(
            e.disbursed_delta_fen for e in entries if e.kind == "disburse")
        committed = sum(e.committed_delta_fen for e in entries)
        if grant.status == "active":
            assert committed == grant.amount_fen
        elif grant.status in ("draft", "proposed"):
            assert entries == [] and all(t.status == "pending" for t in tranches)
        else:  # closed or cancelled: what was not paid went back to the fund
            assert committed == grant.disbursed_fen
            assert not [t for t in tranches if t.status in ("pending", "ready", "held")]
        if grant.status != "draft":
            assert grant.proposed_at is not None
        assert grant.needs_official == (grant.proposed_at is not None and grant.amount_fen > 50_000_00)


async def test_residents_hold_one_open_agreement_that_matches_their_term(generated):
    for org in await Organization.all():
        agreements = await Agreement.filter(organization_id=org.id)
        open_agreements = [a for a in agreements if a.ended_on is None]
        allocations = await SpaceAllocation.filter(agreement__organization_id=org.id, released_on__isnull=True)
        if org.stage in RESIDENT_STAGES:
            assert len(open_agreements) == 1, org.name_zh
            agreement = open_agreements[0]
            assert (org.admitted_on, org.term_end_on) == (agreement.start_on, agreement.end_on)
        else:
            assert open_agreements == [] and allocations == []
        if org.stage == Stage.GRADUATED:
            assert [a.ended_on for a in agreements] == [org.graduated_on]
        if org.stage == Stage.EXITED:
            assert [a.ended_on for a in agreements] == [org.exited_on]
            assert org.handback_deadline > org.exited_on
        if org.stage in (Stage.APPLIED, Stage.SCREENING, Stage.REJECTED):
            assert agreements == []
        if org.registration == Registration.REGISTERED:
            assert org.credit_code and org.registered_on
    held = await SpaceAllocation.filter(released_on__isnull=True).values_list("space_id", flat=True)
    assert len(held) == len(set(held))
    for allocation in await SpaceAllocation.all().select_related("agreement__organization", "space"):
        assert allocation.space.park_id == allocation.agreement.organization.park_id
        assert allocation.space.kind in ("desk", "office")


async def test_timelines_walk_the_allowed_path_to_the_current_stage(generated):
    from incubator.organizations.service import TRANSITIONS

    changes = defaultdict(list)
    for change in await StageChange.all().order_by("at", "id"):
        changes[change.organization_id].append(change)
    for org in await Organization.all():
        path = changes[org.id]
        assert path[0].to_stage == "applied" and path[0].from_stage == ""
        assert path[-1].to_stage == org.stage and path[-1].at == org.stage_changed_at
        for before, after in pairwise(path):
            assert after.from_stage == before.to_stage
            target = Stage(after.to_stage)
            if target in (Stage.ADMITTED, Stage.REJECTED):  # the admission review decides these
                assert before.to_stage in ("applied", "screening")
            else:
                assert Stage(before.to_stage) in TRANSITIONS[target].source, (before.to_stage, target)
        assert await Application.filter(organization_id=org.id).exists()
        decided = await AdmissionReview.filter(organization_id=org.id).values_list("decision", flat=True)
        assert decided == ({"rejected": ["reject"], "applied": [], "screening": []}.get(org.stage, ["admit"]))


async def test_reviews_follow_the_plan_of_their_organizations_park(generated):
    milestones = {m.id: m for m in await Milestone.all()}
    organizations = {o.id: o for o in await Organization.all()}
    agreements = {a.organization_id: a for a in await Agreement.all()}
    assignments = defaultdict(list)
    for assignment in await ReviewAssignment.all():
        assignments[assignment.review_id].append(assignment)
    for review in await Review.all():
        org = organizations[review.organization_id]
        milestone = milestones[review.milestone_id]
        assert milestone.park_id == org.park_id
        assert (review.code, review.anchor, review.amount) == (milestone.code, milestone.anchor, milestone.amount)
        agreement = agreements[org.id]
        # First attempts are due where the plan puts them in the term now in force; only those on
        # the term that an extension found closed kept the original term's date.
        moved_by_extension = org.stage == Stage.EXTENDED and review.anchor == "term" and review.status == "decided"
        if review.attempt == 1 and not moved_by_extension:
            assert review.due_on == reviews.due_date(review.anchor, review.amount, agreement.start_on,
                                                     agreement.end_on, {})
        mine = assignments[review.id]
        assert (review.decision is not None) == (review.status == "decided")
        if review.status == "decided":
            assert [a for a in mine if a.submitted_at is not None]
        if review.status == "scheduled":
            assert mine == []
        if review.status == "in_progress":
            assert mine
        for assignment in mine:
            assert assignment.submitted_at is None or assignment.conflict is False
            assert len(assignment.scores) in (0, len(review.dimensions))
    for org in organizations.values():
        if org.stage in RESIDENT_STAGES:
            assert await Review.filter(organization_id=org.id).exists()


async def test_graduated_organizations_met_every_graduation_criterion(generated):
    for org in await Organization.filter(stage=Stage.GRADUATED):
        assert await graduation.unmet(org) == [], org.name_zh


async def test_members_belong_to_admitted_organizations_and_messages_to_existing_users(generated):
    for user in await User.filter(role=Role.MEMBER).select_related("organization"):
        assert user.organization.stage in {*RESIDENT_STAGES, Stage.GRADUATED, Stage.EXITED}
        assert user.is_active == (user.organization.stage != Stage.EXITED)
    users = set(await User.all().values_list("id", flat=True))
    assert set(await Notification.all().values_list("user_id", flat=True)) <= users
    keys = Counter(await Flag.filter(resolved_at__isnull=True).values_list("kind", "target_type", "target_id",
                                                                           "period"))
    assert max(keys.values()) == 1


async def test_the_scheduled_jobs_find_nothing_to_repair(generated):
    """The data is what the app itself would have written: the flag job raises, reopens and
    resolves nothing, no resident waits for its reviews, and no tranche changes state."""
    counts = await flags.refresh_all()
    assert {k: v for k, v in counts.items() if k != "open"} == {"raised": 0, "reopened": 0, "updated": 0,
                                                                 "resolved": 0}
    assert counts["open"] == await Flag.filter(resolved_at__isnull=True).count() > 0
    assert await reviews.schedule_missing() == {"scheduled": 0}
    assert await funding.refresh_readiness() == {"ready": 0, "held": 0}


# ---- the pages ------------------------------------------------------------------------------


# Funds and flags are not in the navigation of members and evaluators, and evaluators reach an
# organization only through the reviews they are on: those answers are the app's access rules.
NOT_THEIRS = {"member": {"/funds": 403, "/flags": 403},
              "evaluator": {"/funds": 403, "/flags": 403, "organization": 404}}


@pytest.mark.parametrize("username", ["admin", "official", "manager", "member", "evaluator"])
async def test_main_pages_render_for_each_role(generated, settings, username):
    from incubator.app import create_app

    browser = Browser(create_app(settings, manage_database=False))
    try:
        response = await browser.login(username, generate.BENCH_PASSWORD)
        assert response.status_code == 303, response.text[:500]
        user = await User.get(username=username)
        if user.role == Role.EVALUATOR:
            review = await Review.filter(assignments__evaluator_id=user.id).order_by("-id").first()
        elif user.role == Role.MEMBER:
            review = await Review.filter(organization_id=user.organization_id).order_by("-id").first()
        else:
            park = await ParkManager.filter(user_id=user.id).first() if user.role == Role.MANAGER else None
            review = await Review.filter(**({"organization__park_id": park.park_id} if park else {})).order_by(
                "-id").first()
        expected = NOT_THEIRS.get(username, {})
        pages = {"/": 200, "/organizations": 200, f"/organizations/{review.organization_id}":
                 expected.get("organization", 200), f"/reviews/{review.id}": 200, "/reviews": 200,
                 "/funds": expected.get("/funds", 200), "/flags": expected.get("/flags", 200), "/inbox": 200}
        for path, status in pages.items():
            response = await browser.get(path)
            assert response.status_code == status, (username, path, response.status_code)
    finally:
        await browser.aclose()


# ---- reproducible, and careful with existing data (these tests write) -----------------------


async def _fingerprint() -> tuple:
    return (
        await Organization.all().order_by("id").values_list("name_zh", "stage", "registration", "credit_code"),
        await User.all().order_by("id").values_list("username", "display_name", "role"),
        await Park.all().order_by("id").values_list("name_zh", flat=True),
        await Review.all().order_by("id").values_list("organization_id", "code", "due_on", "status", "decision"),
        await Fund.all().order_by("id").values_list("name", "committed_fen", "disbursed_fen"),
    )


async def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(clean):
    first = await generate.fill(SCALE, SEED, out=None)
    fingerprint = await _fingerprint()
    with pytest.raises(generate.NotEmpty):
        await generate.fill(SCALE, SEED, out=None)
    assert await generate.fill(SCALE, SEED, fresh=True, out=None) == first
    assert await _fingerprint() == fingerprint
    await generate.fill(SCALE, SEED + 1, fresh=True, out=None)
    assert (await _fingerprint())[0] != fingerprint[0]


def test_the_command_fills_a_new_database_and_refuses_one_with_data(tmp_path):
    url = f"sqlite://{tmp_path / 'city.sqlite3'}"
    command = [sys.executable, str(ROOT / "scripts" / "generate.py"), "--database-url", url, "--scale", "0.005"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert "organization" in done.stdout and "total" in done.stdout
    again = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    assert again.returncode == 2 and "--fresh" in again.stderr
