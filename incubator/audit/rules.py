"""The audit trail is read by administrators and district officials, and changed by nobody."""

from tortoise.expressions import Q

from incubator.access import Principal, rule
from incubator.audit.models import AuditEntry
from incubator.roles import Role


@rule(AuditEntry, "view")
def view_audit(p: Principal) -> Q | bool:
    return p.is_(Role.ADMIN, Role.OFFICIAL)


@rule(AuditEntry, "change")
def change_audit(p: Principal) -> Q | bool:
    return False
