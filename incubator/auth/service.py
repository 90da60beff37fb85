"""Sign-in, sessions, throttling and one's own account. Each public function is one
transaction and writes its audit entry inside it."""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from incubator import clock, db, events
from incubator.access import Principal
from incubator.audit import service as audit
from incubator.auth.commands import USERNAME_PATTERN, ChangePassword
from incubator.auth.models import LoginFailure, ParkManager, User, UserSession
from incubator.auth.passwords import hash_password, needs_rehash, password_problem, verify_password
from incubator.config import Settings
from incubator.errors import DomainError, NotFound, Throttled, ValidationFailed
from incubator.i18n import LOCALES
from incubator.i18n import gettext as _
from incubator.roles import Role
from incubator.validation import without_control_characters

USERNAME = re.compile(USERNAME_PATTERN)
# Writing last_seen_at on every request would make every page a write; once a minute is enough.
TOUCH_INTERVAL = timedelta(seconds=60)
USER_FIELDS = ["username", "display_name", "email", "role", "language", "is_active", "organization_id"]


class LoginThrottled(Throttled):
    """Too many failed sign-ins for this account or address."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewSession:
    user: User
    token: str


# ---- sign-in and sessions ---------------------------------------------------------------


async def login(
    settings: Settings, username: str, password: str, address: str, user_agent: str
) -> NewSession:
    typed = username.strip().lower()
    # Failures count against what fits the column; a name that had to be cut or cleaned to
    # fit is no account's (usernames are at most 64 plain characters) and is not looked up.
    username = without_control_characters(typed)[:64]
    address = address[:64]
    now = clock.now()
    window = timedelta(minutes=settings.login_lockout_minutes)
    await _refuse_if_throttled(settings, username, address, now, window)

    user = await User.get_or_none(username=username) if username and username == typed else None
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        async with events.transaction():
            await LoginFailure.create(username=username, address=address, at=now)
        raise DomainError(_("Wrong username or password."))

    async with events.transaction():
        await LoginFailure.filter(username=username).delete()
        rehash = {"password_hash": hash_password(password)} if needs_rehash(user.password_hash) else {}
        return await open_session(settings, user, address, user_agent, **rehash)


async def open_session(settings: Settings, user: User, address: str, user_agent: str, **updates: object
                       ) -> NewSession:
    """Signs `user` in: a new session, the sign-in time (and `updates`) on the account, its audit
    entry. Runs inside the caller's transaction (signing in, accepting an invitation)."""
    now = clock.now()
    token = secrets.token_urlsafe(32)
    await User.filter(id=user.id).update(last_login_at=now, **updates)
    await UserSession.create(
        key_hash=hash_token(token),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.session_absolute_hours),
        address=address[:64],
        user_agent=without_control_characters(user_agent)[:300],
    )
    await audit.record(user, "login", user)
    return NewSession(user=user, token=token)


async def _refuse_if_throttled(
    settings: Settings, username: str, address: str, now: datetime, window: timedelta
) -> None:
    since = now - window
    checks = [
        (LoginFailure.filter(username=username, at__gte=since), settings.login_max_failures),
        (LoginFailure.filter(address=address, at__gte=since), settings.login_max_failures_per_address),
    ]
    for failures, limit in checks:
        recent: list[datetime] = await db.flat(failures.order_by("-at").limit(limit).values_list("at", flat=True))
        if len(recent) >= limit:
            # Locked until the oldest of the last `limit` failures leaves the window.
            unlock = min(recent) + window
            minutes = max(1, math.ceil((unlock - now).total_seconds() / 60))
            raise LoginThrottled(
                _("Too many failed sign-ins. Try again in %(minutes)s minutes.", minutes=minutes)
            )


async def resolve_session(settings: Settings, token: str) -> UserSession | None:
    """The live session behind a cookie token, or None (expired ones are removed)."""
    if not token or len(token) > 100:
        return None
    return await live_session(settings, await find_session(hash_token(token)))


async def find_session(key_hash: str) -> UserSession | None:
    """The session stored under `key_hash`, with its user; live or not."""
    return await UserSession.get_or_none(key_hash=key_hash).select_related("user")


async def live_session(settings: Settings, session: UserSession | None) -> UserSession | None:
    """`session` if it is still live (touched once a minute), else None (an expired one is removed)."""
    if session is None:
        return None
    now = clock.now()
    idle = timedelta(minutes=settings.session_idle_minutes)
    if session.expires_at <= now or session.last_seen_at + idle <= now or not session.user.is_active:
        await UserSession.filter(id=session.id).delete()
        return None
    if now - session.last_seen_at >= TOUCH_INTERVAL:
        await UserSession.filter(id=session.id).update(last_seen_at=now)
        session.last_seen_at = now
    return session


async def load_principal(user: User) -> Principal:
    return Principal(user=user, park_ids=await managed_parks(user), organization_id=user.organization_id)


async def member_ids(organization_id: int) -> list[int]:
    """The active accounts of an organization's members (whom its messages go to)."""
    return await db.flat(User.filter(organization_id=organization_id, role=Role.MEMBER, is_active=True).values_list(
        "id", flat=True))


async def managed_parks(user: User) -> frozenset[int]:
    if user.role != Role.MANAGER:
        return frozenset()
    return frozenset(await db.flat(ParkManager.filter(user_id=user.id).values_list("park_id", flat=True)))


def _user(principal: Principal) -> User:
    """The principal's account: a User here, where accounts are kept."""
    return cast(User, principal.user)


async def logout(session: UserSession) -> None:
    async with events.transaction():
        deleted = await UserSession.filter(id=session.id).delete()
        if deleted:
            await audit.record(session.user, "logout", session.user)


async def end_session(principal: Principal, session_id: int) -> None:
    async with events.transaction():
        deleted = await UserSession.filter(id=session_id, user_id=principal.id).delete()
        if not deleted:
            raise NotFound(_("Not found."))
        await audit.record(principal, "sessions_end", _user(principal), {"sessions": [1, 0]})


async def end_all_sessions(principal: Principal) -> int:
    async with events.transaction():
        count = await UserSession.filter(user_id=principal.id).delete()
        await audit.record(principal, "sessions_end", _user(principal), {"sessions": [count, 0]})
    return count


async def purge_expired(settings: Settings) -> tuple[int, int]:
    """Remove expired sessions and login failures older than the throttling window."""
    now = clock.now()
    idle_cutoff = now - timedelta(minutes=settings.session_idle_minutes)
    async with events.transaction():
        sessions = await UserSession.filter(expires_at__lte=now).delete()
        sessions += await UserSession.filter(last_seen_at__lte=idle_cutoff).delete()
        failures = await LoginFailure.filter(
            at__lt=now - timedelta(minutes=settings.login_lockout_minutes)
        ).delete()
    return sessions, failures


# ---- own account ---------------------------------------------------------------------------


async def change_password(principal: Principal, command: ChangePassword) -> None:
    """Changing the password ends every session of the user, this one included."""
    user = await User.get(id=principal.id)
    errors: dict[str, str] = {}
    if not verify_password(user.password_hash, command.current_password):
        errors["current_password"] = _("The current password is wrong.")
    if problem := password_problem(command.new_password, user.username):
        errors["new_password"] = problem
    elif command.new_password != command.new_password_again:
        errors["new_password_again"] = _("The two new passwords differ.")
    elif command.new_password == command.current_password:
        errors["new_password"] = _("Choose a password different from the current one.")
    if errors:
        raise ValidationFailed(errors)
    async with events.transaction():
        await User.filter(id=user.id).update(password_hash=hash_password(command.new_password),
                                             password_changed_at=clock.now())
        await UserSession.filter(user_id=user.id).delete()
        await audit.record(principal, "password_change", user)


async def set_language(user: User | None, language: str) -> str:
    if language not in LOCALES:
        raise DomainError(_("Choose one of the options."), field="language")
    if user is not None and user.language != language:
        async with events.transaction():
            await User.filter(id=user.id).update(language=language)
            await audit.record(user, "update", user, {"language": [user.language, language]})
    return language


async def create_user_plain(
    username: str,
    password: str,
    role: Role,
    display_name: str = "",
    organization_id: int | None = None,
    park_ids: Iterable[int] = (),
    language: str = "zh_CN",
) -> User:
    """For the CLI and demo data: no actor, same rules for the password."""
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise DomainError(_("Use 3 to 64 lower-case letters, digits, dots, dashes or underscores."))
    if problem := password_problem(password, username):
        raise DomainError(problem)
    async with events.transaction():
        user = await User.create(
            username=username,
            display_name=display_name or username,
            password_hash=hash_password(password),
            role=role,
            organization_id=organization_id,
            language=language,
        )
        await ParkManager.bulk_create([ParkManager(park_id=p, user_id=user.id) for p in park_ids])
        await audit.record(None, "create", user, audit.diff({}, audit.snapshot(user, USER_FIELDS)))
    return user
