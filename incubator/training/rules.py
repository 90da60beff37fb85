"""Who sees what of training: administrators and officials everything; managers their parks'
sessions, seats and the rosters of their parks' organizations; members the sessions of their
organization's park and only their own organization's seats and people."""

from tortoise.expressions import Q

from incubator.access import Principal, rule
from incubator.roles import Role
from incubator.training.models import Person, Seat, TrainingSession, TrainingSettings


@rule(TrainingSession, "view")
def view_sessions(p: Principal) -> Q | bool:
    if p.is_(Role.ADMIN, Role.OFFICIAL):
        return True
    if p.is_(Role.MANAGER):
        return Q(park_id__in=list(p.park_ids))
    if p.is_(Role.MEMBER) and p.organization_id is not None:
        return Q(park__organizations__id=p.organization_id)
    return False


@rule(TrainingSession, "change")
def change_sessions(p: Principal) -> Q | bool:
    if p.is_(Role.ADMIN):
        return True
    if p.is_(Role.MANAGER):
        return Q(park_id__in=list(p.park_ids))
    return False


@rule(Seat, "view")
def view_seats(p: Principal) -> Q | bool:
    if p.is_(Role.ADMIN, Role.OFFICIAL):
        return True
    if p.is_(Role.MANAGER):
        return Q(session__park_id__in=list(p.park_ids))
    if p.is_(Role.MEMBER) and p.organization_id is not None:
        return Q(organization_id=p.organization_id)
    return False


@rule(Person, "view")
def view_people(p: Principal) -> Q | bool:
    if p.is_(Role.ADMIN, Role.OFFICIAL):
        return True
    if p.is_(Role.MANAGER):
        return Q(organization__park_id__in=list(p.park_ids))
    if p.is_(Role.MEMBER) and p.organization_id is not None:
        return Q(organization_id=p.organization_id)
    return False


@rule(Person, "change")
def change_people(p: Principal) -> Q | bool:
    if p.is_(Role.MEMBER) and p.organization_id is not None:
        return Q(organization_id=p.organization_id)
    return False


@rule(TrainingSettings, "view")
def view_settings(p: Principal) -> Q | bool:
    return p.is_(Role.ADMIN, Role.OFFICIAL, Role.MANAGER)
