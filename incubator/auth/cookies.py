"""The cookies sign-in sets: the session, and an anonymous visitor's language."""

from __future__ import annotations

from starlette.responses import Response

from incubator.config import Settings

LANG_COOKIE = "incubator_lang"


def session_cookie_name(settings: Settings) -> str:
    # __Host- cookies are bound to this exact origin over HTTPS: no subdomain can set them.
    return "__Host-incubator_session" if settings.production else "incubator_session"


def sign_in(response: Response, settings: Settings, token: str) -> Response:
    """The browser holds the new session (signing in, accepting an invitation); the visitor's
    language cookie gives way to the account's language."""
    response.set_cookie(session_cookie_name(settings), token, path="/", httponly=True, samesite="lax",
                        secure=settings.production)
    response.delete_cookie(LANG_COOKIE, path="/")
    return response
