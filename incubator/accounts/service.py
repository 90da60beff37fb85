"""Account administration: administrators create accounts, change roles and the parks or the
organization an account belongs to, and reset passwords. Each public function is one unit of work
with its audit entry. Accounts of members and managers point to organizations and parks, so this
capability sits above both."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from incubator import clock, events
from incubator.access import Principal, require_role
from incubator.accounts.commands import AccountDetails, CreateAccount, ResetPassword, UpdateAccount
from incubator.audit import service as audit
from incubator.auth.models import ParkManager, User, UserSession
from incubator.auth.passwords import hash_password, password_problem
from incubator.auth.service import USER_FIELDS, USERNAME
from incubator.errors import ValidationFailed
from incubator.i18n import LOCALES
from incubator.i18n import gettext as _
from incubator.organizations.models import Organization
from incubator.parks.models import Park
from incubator.roles import Role


async def username_problem(username: str) -> str | None:
    """Why this username cannot be used, or None; also answers the form's live check."""
    username = username.strip().lower()
    if not USERNAME.match(username):
        return _("Use 3 to 64 lower-case letters, digits, dots, dashes or underscores.")
    if await User.filter(username=username).exists():
        return _("This username is taken.")
    return None


async def _details_problems(details: AccountDetails) -> dict[str, str]:
    errors: dict[str, str] = {}
    if details.language not in LOCALES:
        errors["language"] = _("Choose one of the options.")
    if details.role == Role.MEMBER:
        if details.organization_id is None:
            errors["organization_id"] = _("An organization member needs an organization.")
        elif not await Organization.filter(id=details.organization_id).exists():
            errors["organization_id"] = _("Choose one of the options.")
    if details.role == Role.MANAGER:
        if not details.park_ids:
            errors["park_ids"] = _("A park manager needs at least one park.")
        elif await Park.filter(id__in=list(details.park_ids)).count() != len(set(details.park_ids)):
            errors["park_ids"] = _("Choose one of the options.")
    return errors


def _links(details: AccountDetails) -> tuple[int | None, list[int]]:
    """Only members belong to an organization, only managers to parks."""
    organization_id = details.organization_id if details.role == Role.MEMBER else None
    parks = sorted(set(details.park_ids)) if details.role == Role.MANAGER else []
    return organization_id, parks


def account_actions(principal: Principal, user: User) -> frozenset[str]:
    """What an administrator may do with an account: everything but remove their own rights."""
    if not principal.is_(Role.ADMIN):
        return frozenset()
    actions = {"edit", "reset_password"}
    if user.id != principal.id:
        actions |= {"change_role", "deactivate"}
    return frozenset(actions)


async def create_user(principal: Principal, command: CreateAccount) -> User:
    require_role(principal, Role.ADMIN)
    errors = await _details_problems(command)
    username = command.username.strip().lower()
    if problem := await username_problem(username):
        errors["username"] = problem
    if problem := password_problem(command.password, username):
        errors["password"] = problem
    if errors:
        raise ValidationFailed(errors)
    organization_id, parks = _links(command)
    try:
        async with events.transaction():
            user = await User.create(username=username, display_name=command.display_name, email=command.email,
                                     role=command.role, language=command.language, organization_id=organization_id,
                                     password_hash=hash_password(command.password))
            await ParkManager.bulk_create([ParkManager(park_id=p, user_id=user.id) for p in parks])
            after = audit.snapshot(user, USER_FIELDS) | {"park_ids": parks}
            await audit.record(principal, "create", user, audit.diff({}, after))
    except IntegrityError:
        # Two administrators created the same username at once: the database said no.
        raise ValidationFailed({"username": _("This username is taken.")}) from None
    return user


async def update_user(principal: Principal, user: User, command: UpdateAccount) -> User:
    require_role(principal, Role.ADMIN)
    actions = account_actions(principal, user)
    if (command.role != user.role and "change_role" not in actions) or (
            not command.is_active and "deactivate" not in actions):
        raise ValidationFailed({"role": _("You cannot remove your own administrator rights.")})
    errors = await _details_problems(command)
    if errors:
        raise ValidationFailed(errors)
    organization_id, parks = _links(command)
    before_parks = sorted(await ParkManager.filter(user_id=user.id).values_list("park_id", flat=True))
    before = audit.snapshot(user, USER_FIELDS) | {"park_ids": before_parks}
    async with events.transaction():
        user.display_name, user.email, user.role = command.display_name, command.email, command.role
        user.language, user.is_active, user.organization_id = command.language, command.is_active, organization_id
        await user.save()
        if before_parks != parks:
            await ParkManager.filter(user_id=user.id).delete()
            await ParkManager.bulk_create([ParkManager(park_id=p, user_id=user.id) for p in parks])
        if not user.is_active:
            await UserSession.filter(user_id=user.id).delete()
        after = audit.snapshot(user, USER_FIELDS) | {"park_ids": parks}
        await audit.record(principal, "update", user, audit.diff(before, after))
    return user


async def reset_password(principal: Principal, user: User, command: ResetPassword) -> None:
    require_role(principal, Role.ADMIN)
    if problem := password_problem(command.password, user.username):
        raise ValidationFailed({"password": problem})
    async with events.transaction():
        await User.filter(id=user.id).update(password_hash=hash_password(command.password),
                                             password_changed_at=clock.now())
        await UserSession.filter(user_id=user.id).delete()
        await audit.record(principal, "password_reset", user)
