"""What a signed-in user asks of their own account, as typed commands."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from incubator.i18n import N_

Secret = Annotated[str, Meta(max_length=1000, extra={"form": "secret"})]  # as typed, not stripped
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{2,63}$"
Username = Annotated[str, Meta(min_length=3, max_length=64, pattern=USERNAME_PATTERN, extra={
    "message": N_("Use 3 to 64 lower-case letters, digits, dots, dashes or underscores.")})]


class ChangePassword(Struct, frozen=True, kw_only=True):
    current_password: Secret
    new_password: Secret
    new_password_again: Secret
