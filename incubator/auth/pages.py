"""What the sign-in page shows, typed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SignInPage:  # auth/login.html
    values: dict
    errors: dict[str, str]
    next: str
    panels: list[tuple[str, dict]]  # (template, context) of each capability's sign-in panel
