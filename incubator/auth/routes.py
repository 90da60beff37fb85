"""Sign-in and sign-out, one's own sessions and password, the language switch."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from incubator import access, capability
from incubator.auth import forms, service
from incubator.auth.cookies import LANG_COOKIE, session_cookie_name, sign_in
from incubator.auth.models import UserSession
from incubator.auth.pages import SignInPage
from incubator.errors import DomainError
from incubator.i18n import gettext as _
from incubator.web import current, flash, form_data, is_htmx, path_int, redirect, redirect_to, render, status_for


def _to_next(request: Request, target: str | None) -> Response:
    # Only local paths: never an open redirect to another site; else the home page.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return redirect(request, target)
    return redirect_to(request, "home")


async def login_page(request: Request) -> Response:
    if request.state.user is not None:
        return _to_next(request, request.query_params.get("next"))
    page = SignInPage(values={}, errors={}, next=request.query_params.get("next", ""), panels=await _panels())
    return render(request, "auth/login.html", page)


async def _panels() -> list[tuple[str, dict]]:
    """The sections other capabilities add to the public sign-in page (applying to a park…)."""
    shown = []
    for panel in capability.sign_in_panels():
        context = await panel.load()
        if context is not None:
            shown.append((panel.template, context))
    return shown


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
        page = SignInPage(values={"username": data.get("username", "")}, errors={"__all__": exc.message},
                          next=data.get("next", ""), panels=await _panels())
        return render(request, "auth/login.html", page, status_code=status_for(exc))
    return sign_in(_to_next(request, data.get("next")), settings, new.token)


async def logout(request: Request) -> Response:
    settings = request.app.state.settings
    if request.state.session is not None:
        await service.logout(request.state.session)
    response = redirect_to(request, "auth:login")
    response.delete_cookie(session_cookie_name(settings), path="/")
    return flash(request, response, _("You have signed out."))


async def set_language(request: Request) -> Response:
    data = await form_data(request)
    try:
        language = await service.set_language(request.state.user, data.get("language", ""))
    except DomainError:
        language = "zh_CN"
    response = _to_next(request, data.get("next"))
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
        response = redirect_to(request, "auth:login")
        response.delete_cookie(session_cookie_name(request.app.state.settings), path="/")
        return response
    if is_htmx(request):
        return await sessions_page(request)
    return flash(request, redirect_to(request, "auth:sessions"), _("The session has been ended."))


async def end_all_sessions(request: Request) -> Response:
    principal = current(request)
    await service.end_all_sessions(principal)
    response = redirect_to(request, "auth:login")
    response.delete_cookie(session_cookie_name(request.app.state.settings), path="/")
    return flash(request, response, _("You have been signed out everywhere."))


async def password_page(request: Request) -> Response:
    current(request)
    return render(request, "auth/password.html", {"errors": {}})


async def password_submit(request: Request) -> Response:
    principal = current(request)
    data = await form_data(request)
    try:
        await service.change_password(principal, forms.change_password(data))
    except DomainError as exc:
        return render(request, "auth/password.html", {"errors": exc.errors}, status_code=400)
    response = redirect_to(request, "auth:login")
    response.delete_cookie(session_cookie_name(request.app.state.settings), path="/")
    return flash(request, response, _("Your password has been changed. Sign in with the new one."))


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
]
