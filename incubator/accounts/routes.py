"""Account administration pages: the list, a new account with its live username check, editing
an account, resetting its password."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.expressions import Q

from incubator import access, db
from incubator.accounts import forms, service
from incubator.accounts.pages import AccountFormPage, AccountsPage, OrganizationChoices, UsernameCheck
from incubator.auth.models import ParkManager, User
from incubator.errors import DomainError
from incubator.i18n import LOCALES
from incubator.i18n import gettext as _
from incubator.organizations import service as organization_service
from incubator.organizations.models import Organization
from incubator.parks.models import Park
from incubator.roles import ROLE_LABELS, Role
from incubator.validation import INT_MAX, parse_int
from incubator.web import (
    current,
    flash,
    form_data,
    form_errors,
    paginate,
    path_int,
    query_text,
    redirect_to,
    render,
)


def _roles() -> list[tuple[str, str]]:
    return [(role.value, _(ROLE_LABELS[role])) for role in Role]


ORGANIZATION_CHOICES = 20  # a city has 10,000 organizations: the form offers those its search finds


async def _organization_choices(principal, search: str, selected: str) -> list[tuple[int, str]]:
    """The chosen organization, then the first ones whose name or credit code holds `search`."""
    organizations = access.scope(Organization, principal).only("id", "name_zh")
    chosen_id = parse_int(selected, minimum=1, maximum=INT_MAX)
    chosen = list(await organizations.filter(id=chosen_id)) if chosen_id is not None else []
    if search:
        organizations = organizations.filter(organization_service.matching(search))
    found = await organizations.exclude(id__in=[o.id for o in chosen]).order_by("name_zh", "id").limit(
        ORGANIZATION_CHOICES)
    return [(o.id, o.name_zh) for o in [*chosen, *found]]


async def _form_page(principal, values: dict, errors: dict, user: User | None = None) -> AccountFormPage:
    return AccountFormPage(
        values=values, errors=errors, edited=user,
        actions=service.account_actions(principal, user) if user else frozenset(),
        roles=_roles(),
        parks=await access.scope(Park, principal).only("id", "name_zh", "name_en"),
        organization_options=await _organization_choices(
            principal, str(values.get("organization_q", "")).strip()[:100], str(values.get("organization_id", ""))),
        languages=LOCALES,
    )


async def organization_choices(request: Request) -> Response:
    """htmx: the organization choice of the account form, narrowed to what the admin typed."""
    principal = access.require_role(current(request), Role.ADMIN)
    values = {"organization_id": query_text(request, "organization_id", 20),
              "organization_q": query_text(request, "organization_q", 100)}
    return render(request, "accounts/_organization_choices.html", OrganizationChoices(
        await _organization_choices(principal, values["organization_q"], values["organization_id"]), values))


async def users_list(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN)
    query = query_text(request, "q")
    role = request.query_params.get("role", "")
    users = access.scope(User, principal).select_related("organization")
    if query:
        users = users.filter(Q(username__icontains=query) | Q(display_name__icontains=query))
    if role in {r.value for r in Role}:
        users = users.filter(role=role)
    page = await paginate(request, users)
    links = await access.scope(ParkManager, principal).filter(
        user_id__in=[u.id for u in page.rows]).select_related("park")
    parks_by_user: dict[int, list[Park]] = {}
    for link in links:
        parks_by_user.setdefault(link.user_id, []).append(link.park)
    return render(request, "accounts/users.html", AccountsPage(page.rows, page, parks_by_user, query, role, _roles()),
                  block="results")


async def user_new(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN)
    values = {"role": Role.MEMBER.value, "language": "zh_CN"}
    return render(request, "accounts/user_form.html", await _form_page(principal, values, {}))


async def username_check(request: Request) -> Response:
    """htmx inline validation of the new account's username, while the admin types."""
    access.require_role(current(request), Role.ADMIN)
    username = query_text(request, "username", 100)
    problem = await service.username_problem(username) if username else None
    return render(request, "accounts/_username_check.html", UsernameCheck(problem, username))


async def user_create(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN)
    form = await request.form()
    data = await form_data(request)
    park_ids = [str(v) for v in form.getlist("park_ids")]
    try:
        user = await service.create_user(principal, forms.create_account(data, park_ids))
    except DomainError as exc:
        values = {**data, "park_ids": park_ids, "password": ""}
        return render(request, "accounts/user_form.html", await _form_page(principal, values, form_errors(exc)),
                      status_code=400)
    message = _("The account %(name)s has been created.", name=user.username)
    return flash(request, redirect_to(request, "users:edit", id=user.id), message)


def _user_values(user: User, park_ids: list[int]) -> dict:
    return {
        "username": user.username, "display_name": user.display_name, "email": user.email,
        "role": user.role, "language": user.language, "is_active": "on" if user.is_active else "",
        "organization_id": str(user.organization_id or ""), "park_ids": [str(p) for p in park_ids],
    }


async def _park_ids(principal, user: User) -> list[int]:
    return await db.flat(access.scope(ParkManager, principal).filter(user_id=user.id).values_list("park_id", flat=True))


async def user_edit(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN)
    user = await access.get_or_404(User, principal, "change", id=path_int(request, "id"))
    page = await _form_page(principal, _user_values(user, await _park_ids(principal, user)), {}, user)
    return render(request, "accounts/user_form.html", page)


async def user_update(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN)
    user = await access.get_or_404(User, principal, "change", id=path_int(request, "id"))
    form = await request.form()
    data = await form_data(request)
    park_ids = [str(v) for v in form.getlist("park_ids")]
    try:
        await service.update_user(principal, user, forms.update_account(data, park_ids))
    except DomainError as exc:
        values = {**data, "username": user.username, "park_ids": park_ids}
        return render(request, "accounts/user_form.html",
                      await _form_page(principal, values, form_errors(exc), user), status_code=400)
    return flash(request, redirect_to(request, "users:edit", id=user.id), _("The account has been saved."))


async def user_reset_password(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN)
    user = await access.get_or_404(User, principal, "change", id=path_int(request, "id"))
    data = await form_data(request)
    try:
        await service.reset_password(principal, user, forms.reset_password(data))
    except DomainError as exc:
        page = await _form_page(principal, _user_values(user, await _park_ids(principal, user)), {}, user)
        page.password_errors = form_errors(exc)
        return render(request, "accounts/user_form.html", page, status_code=400)
    return flash(request, redirect_to(request, "users:edit", id=user.id),
                 _("The password has been reset and the account's sessions ended."))


routes = [
    Route("/users", users_list, methods=["GET"], name="users:list"),
    Route("/users/new", user_new, methods=["GET"], name="users:new"),
    Route("/users/check-username", username_check, methods=["GET"], name="users:check_username"),
    Route("/users/organization-choices", organization_choices, methods=["GET"], name="users:organization_choices"),
    Route("/users", user_create, methods=["POST"], name="users:create"),
    Route("/users/{id:int}", user_edit, methods=["GET"], name="users:edit"),
    Route("/users/{id:int}", user_update, methods=["POST"], name="users:update"),
    Route("/users/{id:int}/password", user_reset_password, methods=["POST"], name="users:reset_password"),
]
