"""Sign-in and sign-out, one's own sessions and password, the language switch, and
account administration."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.expressions import Q

from incubator import access
from incubator.auth import service
from incubator.auth.models import ROLE_LABELS, ParkManager, Role, User, UserSession
from incubator.errors import DomainError, ValidationFailed
from incubator.i18n import LOCALES
from incubator.i18n import gettext as _
from incubator.middleware import LANG_COOKIE, session_cookie_name
from incubator.organizations.models import Organization
from incubator.parks.models import Park
from incubator.web import current, flash, form_data, is_htmx, paginate, path_int, redirect, render


def _safe_next(target: str | None) -> str:
    # Only local paths: never an open redirect to another site.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


async def login_page(request: Request) -> Response:
    if request.state.user is not None:
        return redirect(request, _safe_next(request.query_params.get("next")))
    context = {"values": {}, "errors": {}, "next": request.query_params.get("next", ""),
               "open_parks": await _parks_accepting_applications()}
    return render(request, "auth/login.html", context)


async def _parks_accepting_applications() -> list[Park]:
    return await Park.filter(is_active=True, accepts_applications=True).order_by("id")


async def login_submit(request: Request) -> Response:
    data = await form_data(request)
    settings = request.app.state.settings
    address = request.client.host if request.client else ""
    try:
        new = await service.login(
            settings, data.get("username", ""), data.get("password", ""), address,
            request.headers.get("user-agent", ""),
        )
    except DomainError as exc:
        context = {"values": {"username": data.get("username", "")}, "errors": {"__all__": exc.message},
                   "next": data.get("next", ""), "open_parks": await _parks_accepting_applications()}
        return render(request, "auth/login.html", context, status_code=exc.status_code)
    response = redirect(request, _safe_next(data.get("next")))
    response.set_cookie(
        session_cookie_name(settings), new.token, path="/", httponly=True, samesite="lax",
        secure=settings.production,
    )
    response.delete_cookie(LANG_COOKIE, path="/")
    return response


async def logout(request: Request) -> Response:
    settings = request.app.state.settings
    if request.state.session is not None:
        await service.logout(request.state.session)
    response = redirect(request, "/login")
    response.delete_cookie(session_cookie_name(settings), path="/")
    return flash(request, response, _("You have signed out."))


async def set_language(request: Request) -> Response:
    data = await form_data(request)
    try:
        language = await service.set_language(request.state.user, data.get("language", ""))
    except DomainError:
        language = "zh_CN"
    response = redirect(request, _safe_next(data.get("next")))
    if request.state.user is None:
        response.set_cookie(LANG_COOKIE, language, max_age=60 * 60 * 24 * 365, path="/",
                            httponly=True, samesite="lax", secure=request.app.state.settings.production)
    return response


async def sessions_page(request: Request) -> Response:
    principal = current(request)
    sessions = await access.scope(UserSession, principal).order_by("-last_seen_at")
    return render(request, "auth/sessions.html",
                  {"sessions": sessions, "this_session": request.state.session}, block="sessions")


async def end_session(request: Request) -> Response:
    principal = current(request)
    session_id = path_int(request, "id")
    await access.get_or_404(UserSession, principal, "change", id=session_id)
    await service.end_session(principal, session_id)
    if session_id == request.state.session.id:
        response = redirect(request, "/login")
        response.delete_cookie(session_cookie_name(request.app.state.settings), path="/")
        return response
    if is_htmx(request):
        return await sessions_page(request)
    return flash(request, redirect(request, "/account/sessions"), _("The session has been ended."))


async def end_all_sessions(request: Request) -> Response:
    principal = current(request)
    await service.end_all_sessions(principal)
    response = redirect(request, "/login")
    response.delete_cookie(session_cookie_name(request.app.state.settings), path="/")
    return flash(request, response, _("You have been signed out everywhere."))


async def password_page(request: Request) -> Response:
    current(request)
    return render(request, "auth/password.html", {"errors": {}})


async def password_submit(request: Request) -> Response:
    principal = current(request)
    data = await form_data(request)
    try:
        await service.change_password(principal, data)
    except DomainError as exc:
        return render(request, "auth/password.html", {"errors": exc.errors}, status_code=400)
    response = redirect(request, "/login")
    response.delete_cookie(session_cookie_name(request.app.state.settings), path="/")
    return flash(request, response, _("Your password has been changed. Sign in with the new one."))


# ---- administration -------------------------------------------------------------------------


async def _user_form_context(values: dict, errors: dict, user: User | None = None) -> dict:
    return {
        "values": values,
        "errors": errors,
        "edited": user,
        "roles": [(role.value, _(ROLE_LABELS[role])) for role in Role],
        "parks": await Park.all().only("id", "name_zh", "name_en"),
        "organization_options": [
            (o.id, o.name_zh) for o in await Organization.all().only("id", "name_zh").order_by("name_zh")
        ],
        "languages": LOCALES,
    }


async def users_list(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN)
    query = request.query_params.get("q", "").strip()
    role = request.query_params.get("role", "")
    users = access.scope(User, principal).select_related("organization")
    if query:
        users = users.filter(Q(username__icontains=query) | Q(display_name__icontains=query))
    if role in {r.value for r in Role}:
        users = users.filter(role=role)
    page = await paginate(request, users)
    users_list_ = page.rows
    links = await ParkManager.filter(user_id__in=[u.id for u in users_list_]).select_related("park")
    parks_by_user: dict[int, list[Park]] = {}
    for link in links:
        parks_by_user.setdefault(link.user_id, []).append(link.park)
    context = {
        "users": users_list_, "page": page, "parks_by_user": parks_by_user, "q": query, "role": role,
        "roles": [(r.value, _(ROLE_LABELS[r])) for r in Role],
    }
    return render(request, "auth/users.html", context, block="results")


async def user_new(request: Request) -> Response:
    access.require_role(current(request), Role.ADMIN)
    values = {"role": Role.MEMBER.value, "language": "zh_CN"}
    return render(request, "auth/user_form.html", await _user_form_context(values, {}))


async def username_check(request: Request) -> Response:
    """htmx inline validation of the new account's username, while the admin types."""
    access.require_role(current(request), Role.ADMIN)
    username = request.query_params.get("username", "")
    problem = await service.username_problem(username) if username.strip() else None
    return render(request, "auth/_username_check.html", {"problem": problem, "username": username})


async def user_create(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN)
    form = await request.form()
    data = await form_data(request)
    park_ids = [str(v) for v in form.getlist("park_ids")]
    try:
        user = await service.create_user(principal, data, park_ids)
    except ValidationFailed as exc:
        values = {**data, "park_ids": park_ids, "password": ""}
        return render(request, "auth/user_form.html", await _user_form_context(values, exc.errors), status_code=400)
    message = _("The account %(name)s has been created.", name=user.username)
    return flash(request, redirect(request, f"/users/{user.id}"), message)


def _user_values(user: User, park_ids: list[int]) -> dict:
    return {
        "username": user.username, "display_name": user.display_name, "email": user.email,
        "role": user.role, "language": user.language, "is_active": "on" if user.is_active else "",
        "organization_id": str(user.organization_id or ""), "park_ids": [str(p) for p in park_ids],
    }


async def user_edit(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN)
    user = await access.get_or_404(User, principal, "change", id=path_int(request, "id"))
    park_ids = await ParkManager.filter(user_id=user.id).values_list("park_id", flat=True)
    context = await _user_form_context(_user_values(user, list(park_ids)), {}, user)
    return render(request, "auth/user_form.html", context)


async def user_update(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN)
    user = await access.get_or_404(User, principal, "change", id=path_int(request, "id"))
    form = await request.form()
    data = await form_data(request)
    park_ids = [str(v) for v in form.getlist("park_ids")]
    try:
        await service.update_user(principal, user, data, park_ids)
    except ValidationFailed as exc:
        values = {**data, "username": user.username, "park_ids": park_ids}
        context = await _user_form_context(values, exc.errors, user)
        return render(request, "auth/user_form.html", context, status_code=400)
    return flash(request, redirect(request, f"/users/{user.id}"), _("The account has been saved."))


async def user_reset_password(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN)
    user = await access.get_or_404(User, principal, "change", id=path_int(request, "id"))
    data = await form_data(request)
    try:
        await service.reset_password(principal, user, data)
    except ValidationFailed as exc:
        park_ids = await ParkManager.filter(user_id=user.id).values_list("park_id", flat=True)
        context = await _user_form_context(_user_values(user, list(park_ids)), {}, user)
        context["password_errors"] = exc.errors
        return render(request, "auth/user_form.html", context, status_code=400)
    return flash(request, redirect(request, f"/users/{user.id}"),
                 _("The password has been reset and the account's sessions ended."))


routes = [
    Route("/login", login_page, methods=["GET"], name="auth:login"),
    Route("/login", login_submit, methods=["POST"], name="auth:login_submit"),
    Route("/logout", logout, methods=["POST"], name="auth:logout"),
    Route("/language", set_language, methods=["POST"], name="auth:language"),
    Route("/account/sessions", sessions_page, methods=["GET"], name="auth:sessions"),
    Route("/account/sessions/{id:int}/end", end_session, methods=["POST"], name="auth:end_session"),
    Route("/account/sessions/end-all", end_all_sessions, methods=["POST"], name="auth:end_all"),
    Route("/account/password", password_page, methods=["GET"], name="auth:password"),
    Route("/account/password", password_submit, methods=["POST"], name="auth:password_submit"),
    Route("/users", users_list, methods=["GET"], name="users:list"),
    Route("/users/new", user_new, methods=["GET"], name="users:new"),
    Route("/users/check-username", username_check, methods=["GET"], name="users:check_username"),
    Route("/users", user_create, methods=["POST"], name="users:create"),
    Route("/users/{id:int}", user_edit, methods=["GET"], name="users:edit"),
    Route("/users/{id:int}", user_update, methods=["POST"], name="users:update"),
    Route("/users/{id:int}/password", user_reset_password, methods=["POST"], name="users:reset_password"),
]
