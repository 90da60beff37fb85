"""The one access-control mechanism: every query for a user's eyes goes through a scope.

Each capability registers, per model and action, a rule that turns the principal into
a filter (`Q`), `True` (everything) or `False` (nothing). Routes ask `scope()` for a
queryset or `get_or_404()` for one object; an object outside the scope answers 404, so
nobody learns that someone else's object exists.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from incubator.auth.models import Role, User
from incubator.errors import NotFound, PermissionDenied
from incubator.i18n import gettext as _

M = TypeVar("M", bound=Model)
Action = Literal["view", "change"]
RuleResult = Q | bool
Rule = Callable[["Principal"], RuleResult]


@dataclass(frozen=True)
class Principal:
    """Who is asking: the user and the parks or organization their role is scoped to."""

    user: User
    park_ids: frozenset[int] = frozenset()
    organization_id: int | None = None

    @property
    def role(self) -> Role:
        return Role(self.user.role)

    @property
    def id(self) -> int:
        return self.user.id

    def is_(self, *roles: Role) -> bool:
        return self.role in roles

    def manages(self, park_id: int) -> bool:
        """Administrators manage every park; park managers the parks assigned to them."""
        return self.role == Role.ADMIN or (self.role == Role.MANAGER and park_id in self.park_ids)


_rules: dict[tuple[type[Model], str], Rule] = {}


def rule(model: type[Model], action: Action) -> Callable[[Rule], Rule]:
    def register(func: Rule) -> Rule:
        key = (model, action)
        if key in _rules:
            raise RuntimeError(f"two access rules for {model.__name__}.{action}")
        _rules[key] = func
        return func

    return register


def registered() -> list[tuple[type[Model], str]]:
    return sorted(_rules, key=lambda key: (key[0].__name__, key[1]))


RULE_MODULES = (
    "incubator.auth.rules",
    "incubator.parks.rules",
    "incubator.organizations.rules",
    "incubator.audit.rules",
    "incubator.flags.rules",
    "incubator.reviews.rules",
    "incubator.jobs.rules",
    "incubator.calendar.rules",
    "incubator.notifications.rules",
    "incubator.funding.rules",
)


def load_rules() -> None:
    for module in RULE_MODULES:
        importlib.import_module(module)


def scope(model: type[M], principal: Principal, action: Action = "view") -> QuerySet[M]:
    load_rules()
    try:
        decision = _rules[(model, action)](principal)
    except KeyError:
        # No rule means no access: forgetting a rule must fail closed.
        decision = False
    if decision is True:
        return model.all()
    if decision is False:
        return model.filter(id__in=[])
    return model.filter(decision)


async def get_or_404(model: type[M], principal: Principal, action: Action = "view", **lookup) -> M:
    obj = await scope(model, principal, action).get_or_none(**lookup)
    if obj is None:
        raise NotFound(_("Not found."))
    return obj


async def can(principal: Principal, obj: Model, action: Action = "change") -> bool:
    return await scope(type(obj), principal, action).filter(id=obj.pk).exists()


def require_role(principal: Principal | None, *roles: Role) -> Principal:
    if principal is None or principal.role not in roles:
        raise PermissionDenied(_("Your role may not do this."))
    return principal
