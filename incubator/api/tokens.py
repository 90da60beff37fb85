"""Personal API tokens: made, listed and revoked by their owner; checked, counted and rate limited
on every API request.

The secret is `inc_` and 43 random URL-safe characters (256 bits), shown once when it is made; the
database keeps its SHA-256 hash and its first characters (to recognise it in the list). A request
is let in when the hash matches a token that is neither revoked nor expired, of an active account.
One statement both records the use (time and address) and counts the request in the token's current
minute, so the count is shared by every app process and two racing requests never count once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, timedelta

from tortoise.connection import connections

from incubator import access, clock, events
from incubator.access import Principal
from incubator.api.commands import MAX_DAYS, NewToken
from incubator.api.models import ApiToken
from incubator.audit import service as audit
from incubator.auth import service as auth_service
from incubator.auth.models import User
from incubator.errors import ValidationFailed
from incubator.i18n import gettext as _

PREFIX = "inc_"
SHOWN = 8  # characters of the secret kept in clear, after the prefix
SECRET_MAX = 100  # longer Authorization values are not tokens of ours


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Created:
    token: ApiToken
    secret: str  # shown once, never stored


def check_expiry(command: NewToken) -> None:
    """A token expires today at the earliest and a year from today at the latest."""
    today = clock.today()
    if command.expires_on < today:
        raise ValidationFailed({"expires_on": _("The expiry cannot be in the past.")})
    if command.expires_on > today + timedelta(days=MAX_DAYS):
        raise ValidationFailed({"expires_on": _("A token may live at most a year.")})


async def create(principal: Principal, command: NewToken) -> Created:
    check_expiry(command)
    secret = PREFIX + secrets.token_urlsafe(32)
    async with events.transaction():
        token = await ApiToken.create(
            user_id=principal.id, name=command.name, token_hash=hash_secret(secret),
            prefix=secret[: len(PREFIX) + SHOWN], created_at=clock.now(), expires_on=command.expires_on)
        await audit.record(principal, "create", token, {"name": [None, token.name],
                                                        "expires_on": [None, token.expires_on]})
    return Created(token, secret)


async def mine(principal: Principal) -> list[ApiToken]:
    """The principal's tokens, newest first, revoked ones too (for the record)."""
    return list(await access.scope(ApiToken, principal).order_by("-created_at", "-id"))


async def revoke(principal: Principal, token_id: int) -> ApiToken:
    async with events.transaction():
        token = await access.get_or_404(ApiToken, principal, "change", id=token_id)
        if token.revoked_at is None:
            token.revoked_at = clock.now()
            await token.save(update_fields=["revoked_at"])
            await audit.record(principal, "revoke", token, {"revoked_at": [None, token.revoked_at]})
    return token


def is_live(token: ApiToken) -> bool:
    return token.revoked_at is None and token.expires_on >= clock.today()


# ---- on each API request ---------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """Who makes an API request (api.http.Gate finds them)."""

    principal: Principal
    token_id: int
    used: int  # requests in this minute, this one included
    retry_after: int  # seconds until the minute ends


_COUNT = """UPDATE api_token SET
    window_count = CASE WHEN window_minute = {minute} THEN window_count + 1 ELSE 1 END,
    window_minute = {minute}, last_used_at = {now}, last_used_address = {address}
WHERE token_hash = {hash} AND revoked_at IS NULL AND expires_on >= {today}
RETURNING id, user_id, window_count"""


_NAMES = ("minute", "now", "address", "hash", "today")
# SQLite's ? marks are positional (the minute appears twice); PostgreSQL's are numbered.
_SQLITE = _COUNT.format(**{name: "?" for name in _NAMES})
_POSTGRES = _COUNT.format(**{name: f"${i + 1}" for i, name in enumerate(_NAMES)})


async def count_use(secret: str, address: str) -> tuple[int, int, int] | None:
    """Counts a request made with `secret` and records its use: (token id, user id, requests this
    minute), or None for an unknown, revoked or expired token. One statement, outside any transaction
    (it is atomic by itself): the cheapest write there is, made on every API request."""
    if not secret.startswith(PREFIX) or len(secret) > SECRET_MAX:
        return None
    now = clock.now()
    minute = int(now.timestamp()) // 60
    connection = connections.get("default")
    dialect = connection.capabilities.dialect
    values: list[object] = [minute, now.astimezone(UTC), address[:64], hash_secret(secret), clock.today()]
    if dialect == "sqlite":
        values = [minute, *values]
    rows = await connection.execute_query_dict(_SQLITE if dialect == "sqlite" else _POSTGRES, values)
    if not rows:
        return None
    return rows[0]["id"], rows[0]["user_id"], rows[0]["window_count"]


async def principal_of(user_id: int) -> Principal | None:
    """The principal of an active account (its parks or organization), None for an inactive one."""
    user = await User.get_or_none(id=user_id, is_active=True)
    return None if user is None else await auth_service.load_principal(user)


def retry_after() -> int:
    """Seconds until the current minute ends (when a token's count starts again)."""
    return 60 - int(clock.now().timestamp()) % 60
