"""Who sees and revokes an API token: its owner only. Administrators manage accounts, not other
people's secrets: deactivating an account stops its tokens at once (tokens.principal_of)."""

from tortoise.expressions import Q

from incubator.access import Principal, rule
from incubator.api.models import ApiToken


@rule(ApiToken, "view")
def view_tokens(p: Principal) -> Q | bool:
    return Q(user_id=p.id)


@rule(ApiToken, "change")
def change_tokens(p: Principal) -> Q | bool:
    return Q(user_id=p.id)
