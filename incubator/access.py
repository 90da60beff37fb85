"""The one access-control mechanism: every query for a user's eyes goes through a scope.

Each capability registers, per model and action, a rule that turns the principal into
a filter (`Q`), `True` (everything) or `False` (nothing). Routes ask `scope()` for a
queryset or `get_or_404()` for one object; an object outside the scope answers 404, so
nobody learns that someone else's object exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from incubator.errors import NotFound, PermissionDenied
from incubator.i18n import gettext as _
from incubator.roles import Role

M = TypeVar("M", bound=Model)
Action = Literal["view", "change"]
RuleResult = Q | bool
Rule = Callable[["Principal"], RuleResult]


class Account(Protocol):
    """What a principal needs of an account (auth.models.User is one)."""

    @property
    def id(self) -> int: ...
    @property
    def role(self) -> str: ...
    @property
    def display_name(self) -> str: ...


@dataclass(frozen=True)
class Principal:
    """Who is asking: the user and the parks or organization their role is scoped to."""

    user: Account
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


# Who reaches every row of a kind on the ladder: the district's side by default; administrators
# alone where officials only read (they change nothing an organization or a park owns).
STAFF: tuple[Role, ...] = (Role.ADMIN, Role.OFFICIAL)
ADMINS: tuple[Role, ...] = (Role.ADMIN,)
ParkRung = Callable[[list[int]], Q]


def ladder(p: Principal, *, park: str | ParkRung | None = None, organization: str | None = None,
           everything: tuple[Role, ...] = STAFF) -> Q | bool:
    """The role ladder most rules are: the `everything` roles see all rows; a park manager the rows
    of their parks, through `park` (the lookup holding the row's park id, e.g. "space__park_id",
    or a function of the manager's park ids giving the filter, e.g. a semi-join); a member the rows
    of their organization, through `organization` (the lookup holding its id). A rung not given
    reaches nothing, nor does any other role: a rule names every way in."""
    filters: dict[str, Any]
    if p.is_(*everything):
        return True
    if p.is_(Role.MANAGER) and park is not None:
        if callable(park):
            return park(list(p.park_ids))
        filters = {f"{park}__in": list(p.park_ids)}
        return Q(**filters)
    if p.is_(Role.MEMBER) and organization is not None and p.organization_id is not None:
        filters = {organization: p.organization_id}
        return Q(**filters)
    return False


_rules: dict[tuple[type[Model], str], Rule] = {}
# Further grants a higher capability adds to a lower one's rule (evaluators read the evidence
# attached to their reviews): OR'ed with the owner's rule, so the owner never imports upward.
_extensions: dict[tuple[type[Model], str], list[Rule]] = {}


def rule(model: type[Model], action: Action) -> Callable[[Rule], Rule]:
    def register(func: Rule) -> Rule:
        key = (model, action)
        if key in _rules:
            raise RuntimeError(f"two access rules for {model.__name__}.{action}")
        _rules[key] = func
        return func

    return register


def extend(model: type[Model], action: Action) -> Callable[[Rule], Rule]:
    def register(func: Rule) -> Rule:
        _extensions.setdefault((model, action), []).append(func)
        return func

    return register


def registered() -> list[tuple[type[Model], str]]:
    return sorted(_rules, key=lambda key: (key[0].__name__, key[1]))


def scope(model: type[M], principal: Principal, action: Action = "view") -> QuerySet[M]:
    try:
        decision = _rules[(model, action)](principal)
    except KeyError:
        # No rule means no access: forgetting a rule must fail closed.
        decision = False
    for extension in _extensions.get((model, action), ()):
        if decision is True:
            break
        extra = extension(principal)
        if extra is True:
            decision = True
        elif extra is not False:
            decision = extra if decision is False else (decision | extra)
    if decision is True:
        return model.all()
    if decision is False:
        return model.filter(id__in=[])
    return model.filter(decision)


async def get_or_404(model: type[M], principal: Principal, action: Action = "view", *,
                     related: tuple[str, ...] = (), **lookup) -> M:
    """The object the principal may `action`, with its `related` objects joined in the same query."""
    query = scope(model, principal, action)
    obj = await (query.select_related(*related) if related else query).get_or_none(**lookup)
    if obj is None:
        raise NotFound(_("Not found."))
    return obj


async def can(principal: Principal, obj: Model, action: Action = "change") -> bool:
    return await scope(type(obj), principal, action).filter(id=obj.pk).exists()


def require_role(principal: Principal | None, *roles: Role) -> Principal:
    if principal is None or principal.role not in roles:
        raise PermissionDenied(_("Your role may not do this."))
    return principal
