"""The daily digest through the outbox, against a real local SMTP server (aiosmtpd)."""

import email
import email.policy
import socket
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller

from incubator.notifications import mail
from incubator.notifications.models import Notification, OutboxEmail


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
async def mailed_user(make_user):
    from incubator.auth.models import Role, User

    user = await make_user("mailed", Role.EVALUATOR)
    await User.filter(id=user.id).update(email="mailed@example.org")
    await Notification.create(user_id=user.id, kind="review_assigned", link="/reviews/7",
                              details={"review": "中期评估"}, created_at=datetime.now(UTC))
    return user


async def test_digest_is_queued_once_a_day_and_sent_after_commit(settings, smtp_server, mailed_user):
    controller, inbox = smtp_server
    settings = replace(settings, smtp_host="127.0.0.1", smtp_port=controller.port, base_url="https://park.example")
    assert await mail.queue_digests(settings) == 1
    assert await mail.queue_digests(settings) == 0  # the day's digest is already there
    assert inbox.messages == []  # queued is not sent
    assert await mail.send_pending(settings) == {"sent": 1, "failed": 0}
    [message] = inbox.messages
    parsed = email.message_from_bytes(message.content, policy=email.policy.default)
    body = parsed.get_body().get_content()
    assert message.rcpt_tos == ["mailed@example.org"]
    assert "https://park.example/reviews/7" in body and "中期评估" in body
    assert "未读消息" in parsed["Subject"]  # in the user's language
    assert await mail.send_pending(settings) == {"sent": 0, "failed": 0}


async def test_a_failed_send_is_retried_later(settings, smtp_server, mailed_user):
    controller, inbox = smtp_server
    broken = replace(settings, smtp_host="127.0.0.1", smtp_port=free_port())  # nobody listens there
    await mail.queue_digests(broken)
    assert await mail.send_pending(broken) == {"sent": 0, "failed": 1}
    queued = await OutboxEmail.get()
    assert queued.attempts == 1 and queued.last_error and queued.send_after > datetime.now(UTC)
    working = replace(settings, smtp_host="127.0.0.1", smtp_port=controller.port)
    assert await mail.send_pending(working) == {"sent": 0, "failed": 0}  # not before its time
    await OutboxEmail.filter(id=queued.id).update(send_after=datetime.now(UTC) - timedelta(seconds=1))
    assert await mail.send_pending(working) == {"sent": 1, "failed": 0}
    assert len(inbox.messages) == 1


async def test_without_smtp_nothing_is_queued(settings, mailed_user):
    assert await mail.queue_digests(settings) == 0
    assert not await OutboxEmail.exists()
