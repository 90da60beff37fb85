"""Who sees what of training: administrators and officials everything; managers their parks'
sessions, seats and the rosters of their parks' organizations; members the sessions of their
organization's park and only their own organization's seats and people."""

from tortoise.expressions import Q

from incubator.access import ADMINS, Principal, ladder, rule
from incubator.roles import Role
from incubator.training.models import Person, Seat, TrainingSession, TrainingSettings


@rule(TrainingSession, "view")
def view_sessions(p: Principal) -> Q | bool:
    return ladder(p, park="park_id", organization="park__organizations__id")  # members: their park's


@rule(TrainingSession, "change")
def change_sessions(p: Principal) -> Q | bool:
    return ladder(p, park="park_id", everything=ADMINS)


@rule(Seat, "view")
def view_seats(p: Principal) -> Q | bool:
    return ladder(p, park="session__park_id", organization="organization_id")


@rule(Person, "view")
def view_people(p: Principal) -> Q | bool:
    return ladder(p, park="organization__park_id", organization="organization_id")


@rule(Person, "change")
def change_people(p: Principal) -> Q | bool:
    return ladder(p, organization="organization_id", everything=())  # each organization keeps its own roster


@rule(TrainingSettings, "view")
def view_settings(p: Principal) -> Q | bool:
    return p.is_(Role.ADMIN, Role.OFFICIAL, Role.MANAGER)
