"""The names of the cookies sign-in sets: the session, and an anonymous visitor's language."""

from __future__ import annotations

from incubator.config import Settings

LANG_COOKIE = "incubator_lang"


def session_cookie_name(settings: Settings) -> str:
    # __Host- cookies are bound to this exact origin over HTTPS: no subdomain can set them.
    return "__Host-incubator_session" if settings.production else "incubator_session"
