"""What a signed-in user asks of their own account, as typed commands."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

Secret = Annotated[str, Meta(max_length=1000, extra={"form": "secret"})]  # as typed, not stripped


class ChangePassword(Struct, frozen=True, kw_only=True):
    current_password: Secret
    new_password: Secret
    new_password_again: Secret
