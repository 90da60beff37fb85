"""middleware/proxy.py: which forwarded hop is believed, and what the app then sees."""

from __future__ import annotations

from ipaddress import ip_network

from incubator.config import Settings
from incubator.middleware.proxy import ProxyHeadersMiddleware, forwarded

PROXIES = (ip_network("10.0.0.0/8"),)


def test_the_client_is_the_nearest_sender_that_is_not_a_trusted_proxy():
    headers = {"x-forwarded-for": "198.51.100.1, 203.0.113.9, 10.0.0.7", "x-forwarded-proto": "https, http, http",
               "x-forwarded-host": "a.example, park.example, inner"}
    # 10.0.0.7 is one of ours: the hop before it (203.0.113.9) is the client; a client cannot add one.
    assert forwarded(headers, PROXIES) == ("http", "park.example", "203.0.113.9")
    assert forwarded({"x-forwarded-for": "203.0.113.9", "x-forwarded-proto": "https",
                      "x-forwarded-host": "park.example"}, PROXIES) == ("https", "park.example", "203.0.113.9")


def test_rfc_7239_forwarded_is_read_the_same_way():
    value = 'for=198.51.100.1;host=evil.example, for="[2001:db8::1]:4711";proto=https;host=park.example, for=10.0.0.7'
    assert forwarded({"forwarded": value}, PROXIES) == ("https", "park.example", "2001:db8::1")


async def test_the_app_sees_the_forwarded_request_only_from_a_trusted_proxy():
    seen: list[dict] = []

    async def app(scope, receive, send):
        seen.append(scope)

    middleware = ProxyHeadersMiddleware(app, Settings(database_url="unused", secret_key="x" * 40,
                                                      trusted_proxies=PROXIES))
    headers = [(b"host", b"app:8000"), (b"x-forwarded-proto", b"https"), (b"x-forwarded-host", b"park.example"),
               (b"x-forwarded-for", b"203.0.113.9")]
    for peer in ("10.0.0.2", "192.0.2.50"):
        await middleware({"type": "http", "scheme": "http", "client": (peer, 1), "headers": headers}, None, None)
    trusted, untrusted = seen
    assert (trusted["scheme"], dict(trusted["headers"])[b"host"], trusted["client"][0]) == (
        "https", b"park.example", "203.0.113.9")
    assert (untrusted["scheme"], dict(untrusted["headers"])[b"host"], untrusted["client"][0]) == (
        "http", b"app:8000", "192.0.2.50")
