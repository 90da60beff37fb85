"""Each user reads only their own inbox."""

from tortoise.expressions import Q

from incubator.access import Principal, rule
from incubator.notifications.models import Notification


@rule(Notification, "view")
def view_notifications(p: Principal) -> Q | bool:
    return Q(user_id=p.id)


@rule(Notification, "change")
def change_notifications(p: Principal) -> Q | bool:
    return Q(user_id=p.id)
