"""access.ladder: the role ladder most rules are (the district's side sees all, a manager by park,
a member by organization), written once. Each rung reaches only what it is given a lookup for;
a rules module naming a principal's parks or organization itself writes the ladder again."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from tortoise.expressions import Q

import incubator
from incubator.access import ADMINS, Principal, ladder
from incubator.roles import Role

PARKS = frozenset({3, 7})


def principal(role: Role, organization_id: int | None = None) -> Principal:
    user = SimpleNamespace(id=42, role=role.value, display_name="x")
    return Principal(user, park_ids=PARKS if role == Role.MANAGER else frozenset(), organization_id=organization_id)


def test_each_rung_through_its_lookup():
    full = {"park": "space__park_id", "organization": "organization_id"}
    assert ladder(principal(Role.ADMIN), **full) is True
    assert ladder(principal(Role.OFFICIAL), **full) is True
    assert ladder(principal(Role.MANAGER), **full) == Q(space__park_id__in=sorted(PARKS))
    assert ladder(principal(Role.MEMBER, 5), **full) == Q(organization_id=5)
    assert ladder(principal(Role.MEMBER), **full) is False  # a member of no organization
    assert ladder(principal(Role.EVALUATOR), **full) is False


def test_a_rung_not_given_reaches_nothing():
    assert ladder(principal(Role.MANAGER), organization="organization_id") is False
    assert ladder(principal(Role.MEMBER, 5), park="park_id") is False
    assert ladder(principal(Role.OFFICIAL), park="park_id", everything=ADMINS) is False
    assert ladder(principal(Role.ADMIN), organization="organization_id", everything=()) is False


def test_a_park_rung_may_be_a_filter_of_the_managers_parks():
    rung = ladder(principal(Role.MANAGER), park=lambda parks: Q(park_id__isnull=True) | Q(park_id__in=parks))
    assert rung == Q(park_id__isnull=True) | Q(park_id__in=sorted(PARKS))


def test_no_rules_module_writes_the_ladder_again():
    package = Path(incubator.__file__).parent
    spelled = [str(path.relative_to(package)) for path in sorted(package.glob("*/rules.py"))
               if "park_ids" in path.read_text(encoding="utf-8")]
    assert spelled == [], "a manager's parks reach a rule through access.ladder(p, park=…)"
