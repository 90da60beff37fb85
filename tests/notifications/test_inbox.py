"""The inbox: messages described by the capability that sends them, read by their owner only."""

import ast
from pathlib import Path

import pytest

from incubator.access import Principal
from incubator.errors import ValidationFailed
from incubator.notifications import forms, service
from incubator.notifications.commands import MarkRead
from incubator.notifications.models import Notification

PACKAGE = Path(__file__).parents[2] / "incubator" / "notifications"


def test_the_form_reads_one_message_or_all():
    assert forms.mark_read({"id": "7"}) == MarkRead(notification_id=7)
    assert forms.mark_read({}) == MarkRead()
    for wrong in ("0", "x", "1\x00", str(2**40)):
        with pytest.raises(ValidationFailed):
            forms.mark_read({"id": wrong})


def test_after_reading_the_user_goes_only_to_a_local_page():
    assert forms.return_to({"next": "/grants/3"}) == "/grants/3"
    for elsewhere in ("//evil.example", "https://evil.example", ""):
        assert forms.return_to({"next": elsewhere}) == "/inbox"


async def test_marking_read_touches_only_the_readers_own_messages(admin, official):
    await service.notify_many([admin.id, official.id], "no_such_kind")
    theirs = await Notification.get(user_id=official.id)
    assert await service.mark_read(Principal(admin), MarkRead(notification_id=theirs.id)) == 0
    assert await service.unread_count(Principal(official)) == 1
    assert await service.mark_read(Principal(admin), MarkRead()) == 1
    assert await service.unread_count(Principal(admin)) == 0
    assert await service.unread_count(Principal(official)) == 1


async def test_an_unknown_kind_shows_as_its_key(admin):
    await service.notify(admin.id, "no_such_kind")
    assert service.text(await Notification.get(user_id=admin.id)) == "no_such_kind"


def test_the_inbox_imports_no_capability_above_it():
    from incubator.app import CAPABILITIES

    higher = {f"incubator.{name}" for name in CAPABILITIES[CAPABILITIES.index("notifications") + 1:]}
    for source in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert ".".join(node.module.split(".")[:2]) not in higher, (source.name, node.module)



async def test_the_unread_count_beside_the_name_says_what_it_counts(new_browser, make_user):
    """The header's bare number is labelled (a tooltip, and text for screen readers), with a plural."""
    from datetime import UTC, datetime

    from incubator.roles import Role

    reader = await make_user("reader.en", Role.MANAGER, language="en")
    for n in range(3):
        await service.notify(reader.id, "flag", "/flags", {"n": n})
    browser = new_browser()
    await browser.login("reader.en")
    badge = (await browser.get("/inbox/unread")).text
    assert 'title="3 unread messages"' in badge and '<span class="sr-only">3 unread messages</span>' in badge
    ids = await Notification.filter(user_id=reader.id).order_by("id").limit(2).values_list("id", flat=True)
    await Notification.filter(id__in=list(ids)).update(read_at=datetime.now(UTC))
    assert 'title="1 unread message"' in (await browser.get("/inbox/unread")).text
