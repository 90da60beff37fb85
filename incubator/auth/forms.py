"""The own-account forms: submitted text into typed commands."""

from __future__ import annotations

from collections.abc import Mapping

from incubator.auth.commands import ChangePassword
from incubator.validation import decode


def change_password(data: Mapping[str, str]) -> ChangePassword:
    return decode(ChangePassword, data)
