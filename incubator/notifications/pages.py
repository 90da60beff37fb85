"""What the inbox pages show: their templates' inputs, typed, in one place (plus the base
context every page has: request, principal, user, csrf_token, locale, nav, today, flashes)."""

from __future__ import annotations

from dataclasses import dataclass

from incubator.notifications.models import Notification
from incubator.web import Page


@dataclass
class InboxPage:  # notifications/inbox.html
    notifications: list[Notification]  # this page of the principal's messages, newest first
    page: Page  # for the pager
    texts: dict[int, str]  # message id → the message in the reader's language (service.text)


@dataclass
class UnreadBadge:  # notifications/_badge.html, refreshed by htmx
    unread: int
