"""The own-account forms: submitted text into typed commands."""

from __future__ import annotations

from collections.abc import Mapping

from incubator.auth.commands import ChangePassword
from incubator.validation import Checker


def change_password(data: Mapping[str, str]) -> ChangePassword:
    check = Checker(data)
    new = check.secret("new_password")
    check.done()
    return ChangePassword(current_password=data.get("current_password", "")[:1000], new_password=new,
                          new_password_again=data.get("new_password_again", "")[:1000])
