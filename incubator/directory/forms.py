"""The directory's forms: submitted text into typed commands, every wrong field reported at once."""

from __future__ import annotations

from collections.abc import Mapping

from incubator.directory.commands import ProjectDetails, SaveListing
from incubator.directory.models import CONTACT_MAX, SUMMARY_MAX
from incubator.i18n import gettext as _
from incubator.validation import Checker


def listing(data: Mapping[str, str]) -> SaveListing:
    check = Checker(data)
    listed = check.flag("listed")
    contact = check.text("contact", CONTACT_MAX)
    check.done()
    return SaveListing(listed=listed, contact=contact)


def project(data: Mapping[str, str]) -> ProjectDetails:
    check = Checker(data)
    name = check.text("name", 100, required=True)
    domain_id = check.integer("domain_id", minimum=1)
    started_on = check.date("started_on", required=True)
    ended_on = check.date("ended_on")
    if started_on is not None and ended_on is not None and ended_on < started_on:
        check.fail("ended_on", _("The end must be after the start."))
    people_reached = check.integer("people_reached", minimum=0, maximum=100_000_000) or 0
    summary = check.text("summary", SUMMARY_MAX)
    check.done()
    assert started_on is not None  # done() raised otherwise
    return ProjectDetails(name=name, domain_id=domain_id, started_on=started_on, ended_on=ended_on,
                          people_reached=people_reached, summary=summary)
