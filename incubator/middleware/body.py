"""Unsafe requests' bodies are read once, up to a limit (413 beyond it), and replayed to what
follows: the CSRF check and the route both read the same bytes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from incubator.config import Settings
from incubator.middleware.plain import SAFE_METHODS, is_plain
from incubator.web import error_page


class BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if is_plain(scope) or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        multipart = request.headers.get("content-type", "").startswith("multipart/form-data")
        # Uploads go through one checked path (incubator/uploads.py), which allows more.
        limit = self.settings.max_upload_bytes + 64 * 1024 if multipart else self.settings.max_body_bytes
        try:
            body = await read_body(receive, limit)
        except BodyTooLarge:
            await error_page(request, 413)(scope, receive, send)
            return
        await self.app(scope, replay(body), send)


async def read_body(receive: Receive, limit: int) -> bytes:
    chunks = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay(body: bytes) -> Receive:
    """A `receive` that hands the already read body on again, once."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive
