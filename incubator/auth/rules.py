"""Who may see and change accounts and sessions."""

from tortoise.expressions import Q

from incubator.access import Principal, rule
from incubator.auth.models import Role, User, UserSession


@rule(User, "view")
def view_users(p: Principal) -> Q | bool:
    return True if p.is_(Role.ADMIN) else Q(id=p.id)


@rule(User, "change")
def change_users(p: Principal) -> Q | bool:
    return p.is_(Role.ADMIN)


@rule(UserSession, "view")
def view_sessions(p: Principal) -> Q | bool:
    return Q(user_id=p.id)


@rule(UserSession, "change")
def change_sessions(p: Principal) -> Q | bool:
    return Q(user_id=p.id)
