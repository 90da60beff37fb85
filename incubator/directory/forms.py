"""The directory's forms: submitted text into typed commands, every wrong field reported at once."""

from __future__ import annotations

from collections.abc import Mapping

from incubator.directory.commands import ProjectDetails, SaveListing
from incubator.i18n import gettext as _
from incubator.validation import Checker, decode


def listing(data: Mapping[str, str]) -> SaveListing:
    return decode(SaveListing, data)


def project(data: Mapping[str, str]) -> ProjectDetails:
    check = Checker(data)
    values = check.read(ProjectDetails)
    if "started_on" in values and values.get("ended_on", values["started_on"]) < values["started_on"]:
        check.fail("ended_on", _("The end must be after the start."))
    return check.build(ProjectDetails, values)
