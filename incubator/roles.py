"""The roles of the product's users. Every capability's access rules speak of them, so they sit
at the bottom of the house, below the accounts that carry them (auth)."""

from __future__ import annotations

from enum import StrEnum

from incubator.i18n import N_, gettext


class Role(StrEnum):
    ADMIN = "admin"
    OFFICIAL = "official"
    MANAGER = "manager"
    MEMBER = "member"
    EVALUATOR = "evaluator"

    @property
    def label(self) -> str:
        return gettext(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ADMIN: N_("Administrator"),
    Role.OFFICIAL: N_("District official"),
    Role.MANAGER: N_("Park manager"),
    Role.MEMBER: N_("Organization member"),
    Role.EVALUATOR: N_("Evaluator"),
}
