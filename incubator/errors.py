"""Domain errors: services raise them in the user's language; the web layer shows them."""

from __future__ import annotations


class DomainError(Exception):
    """A rule said no. `message` is already translated; `field` names the form field, if any."""

    status_code = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def errors(self) -> dict[str, str]:
        return {self.field or "__all__": self.message}


class ValidationFailed(DomainError):
    """Several fields are wrong at once; the form shows each message beside its field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self._errors = dict(errors)

    @property
    def errors(self) -> dict[str, str]:
        return dict(self._errors)


class NotFound(DomainError):
    # Also what an object outside the user's scope answers: never confirm it exists.
    status_code = 404


class PermissionDenied(DomainError):
    status_code = 403


class LoginRequired(Exception):
    """The page needs a signed-in user; the web layer redirects to the sign-in page."""
