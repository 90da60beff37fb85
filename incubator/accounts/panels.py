"""The organization page's section of accounts (a panel the accounts manifest declares): a link to
the organization's accounts and open invitations, the invite action, and right after admission an
offer to invite the contact person it applied with. No query: the organization page's queries are
pinned (tests/test_query_counts.py); the accounts page lists them."""

from __future__ import annotations

from incubator.access import Principal
from incubator.accounts import invitations
from incubator.organizations.models import Organization, Stage


async def organization_accounts(principal: Principal, organization: Organization) -> dict | None:
    actions = invitations.actions(principal, organization)
    if "see_accounts" not in actions:
        return None
    return {"organization": organization, "actions": actions,
            "invite_contact": "invite" in actions and Stage(organization.stage) == Stage.ADMITTED
            and bool(organization.contact_person)}
