"""Domain errors: services raise them in the user's language, and say nothing of HTTP.

Which status a kind of error answers with is decided in one place, `incubator.web.status_for`:
a refused form is re-shown with 400 and what was typed, a forbidden action is 403, an object
outside the user's scope 404, a change someone else made meanwhile 409, too many attempts 429.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule said no. `message` is already translated; `field` names the command's field, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def errors(self) -> dict[str, str]:
        return {self.field or "__all__": self.message}


class ValidationFailed(DomainError):
    """Several fields are wrong at once; the form shows each message beside its field. Keys are
    the command's field names (`tranches[1].review_code` for a field of a row)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self._errors = dict(errors)

    @property
    def errors(self) -> dict[str, str]:
        return dict(self._errors)


class NotFound(DomainError):
    """Also what an object outside the user's scope answers: never confirm it exists."""


class PermissionDenied(DomainError):
    """The principal may not do this at all."""


class Conflict(DomainError):
    """The object changed meanwhile (another tab, another manager): reload and try again."""


class Throttled(DomainError):
    """Too many attempts in a short time."""


class BadRequest(Exception):
    """A data API request refused as it was sent (a query parameter out of range): answered 400,
    with `errors` by parameter."""

    def __init__(self, detail: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail, self.errors = detail, errors or {}


class LoginRequired(Exception):
    """The page needs a signed-in user; the web layer redirects to the sign-in page."""
